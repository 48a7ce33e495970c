import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactUriToStorePath, LocalArtifactStore } from '../../artifacts/index.js';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { BosunError } from '../../shared/errors.js';
import { createTrackingService, type TrackingService } from '../../tracking/index.js';
import type { OutboxRegistryEventSink } from '../events/index.js';
import { createRegistryService } from '../registry-service.js';
import { openRegistryEvents } from '../test-support/outbox-events.js';
import type { RegistryService } from '../registry-service-contract.js';
import { GovernanceService, scanStatusTag } from './governance-service.js';
import { cleanPickle, maliciousPickle, unlistedPickle } from './test-support/pickles.js';

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

describe.each(testEngines)('governance on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let store: LocalArtifactStore;
  let tracking: TrackingService;
  let events: OutboxRegistryEventSink;
  let governance: GovernanceService;
  let registry: RegistryService;

  /** A run with `metrics` whose `model/` folder holds `files`; returns a `runs:/` source. */
  async function runWithModel(metrics: Record<string, number>, files: Record<string, Buffer>) {
    const run = await tracking.createRun({ experimentId: '0' });
    const now = Date.now();
    await tracking.logBatch(run.info.runId, {
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
    });
    const root = artifactUriToStorePath(run.info.artifactUri);
    for (const [name, bytes] of Object.entries(files)) await store.put(`${root}/model/${name}`, bytes);
    return { runId: run.info.runId, source: `runs:/${run.info.runId}/model` };
  }

  async function version(model: string, metrics: Record<string, number>, files: Record<string, Buffer>) {
    const { source } = await runWithModel(metrics, files);
    return registry.createModelVersion({ name: model, source });
  }

  const clean = { 'model.pkl': cleanPickle, MLmodel: Buffer.from('flavors: {}\n') };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-governance-'));
    store = new LocalArtifactStore(dir);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    events = openRegistryEvents(database.handle).sink;
    governance = new GovernanceService({ handle: database.handle, events, artifacts: store });
    registry = createRegistryService({ handle: database.handle, events, tracking, hooks: governance.hooks });
  });
  afterAll(async () => {
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scans each new version, tags it and records the verdict; remote storage fails the scan', async () => {
    await registry.createRegisteredModel({ name: 'scanned' });
    const good = await version('scanned', {}, clean);
    expect(good.tags).toContainEqual({ key: scanStatusTag, value: 'clean' });
    expect(await governance.getScan('scanned', good.version)).toMatchObject({
      status: 'clean',
      findings: [],
    });

    const bad = await version('scanned', {}, { 'model.pkl': maliciousPickle });
    expect(bad.tags).toContainEqual({ key: scanStatusTag, value: 'unsafe' });
    const verdict = await governance.getScan('scanned', bad.version);
    expect(verdict.status).toBe('unsafe');
    expect(verdict.findings).toContainEqual(
      expect.objectContaining({ file: 'model.pkl', module: 'os', name: 'system', severity: 'CRITICAL' }),
    );

    const remote = await registry.createModelVersion({ name: 'scanned', source: 's3://bucket/models/rf' });
    expect(remote.tags).toContainEqual({ key: scanStatusTag, value: 'failed' });
    expect(await governance.getScan('scanned', remote.version)).toMatchObject({
      status: 'failed',
      error: 'not scannable: remote storage',
    });

    const found = await registry.searchModelVersions({ filter: `tags.\`${scanStatusTag}\` = 'unsafe'` });
    expect(found.items.map((v) => `${v.name}/${v.version}`)).toEqual([`scanned/${bad.version}`]);

    const page = await events.listEvents({ modelName: 'scanned', types: ['model_version.scanned'] });
    expect(page.events.map((e) => [e.version, e.payload.status])).toEqual([
      ['1', 'clean'],
      ['2', 'unsafe'],
      ['3', 'failed'],
    ]);
    expect(page.events[1]?.payload.blocking).toEqual([
      expect.objectContaining({ module: 'os', name: 'system' }),
    ]);

    // Clients cannot forge the verdict tag; a rescan sees files replaced since.
    expect((await failure(registry.setModelVersionTag('scanned', '2', scanStatusTag, 'clean'))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect((await failure(registry.deleteModelVersionTag('scanned', '2', scanStatusTag))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    const root = artifactUriToStorePath(bad.storageLocation);
    await store.put(`${root}/model.pkl`, cleanPickle);
    expect((await governance.rescan('scanned', '2')).status).toBe('clean');
    expect((await registry.getModelVersion('scanned', '2')).tags).toContainEqual({
      key: scanStatusTag,
      value: 'clean',
    });
  });

  it('an import off the allow list makes the version suspicious, which a clean-scan policy refuses', async () => {
    await registry.createRegisteredModel({ name: 'odd' });
    const v = await version('odd', {}, { 'model.pkl': unlistedPickle });
    expect(v.tags).toContainEqual({ key: scanStatusTag, value: 'suspicious' });
    const scan = await governance.getScan('odd', v.version);
    expect(scan.status).toBe('suspicious');
    expect(scan.findings).toEqual([
      expect.objectContaining({
        kind: 'unknown-global',
        module: 'mypackage.models',
        name: 'Thing',
        offset: 0,
      }),
    ]);
    const page = await events.listEvents({ modelName: 'odd', types: ['model_version.scanned'] });
    expect(page.events[0]?.payload).toMatchObject({
      status: 'suspicious',
      blocking: [expect.objectContaining({ kind: 'unknown-global', module: 'mypackage.models' })],
    });

    await governance.setPolicy('odd', { target: 'alias:prod', requireCleanScan: true });
    const refused = await failure(registry.setRegisteredModelAlias('odd', 'prod', v.version));
    expect(refused.code).toBe('INVALID_STATE');
    expect(refused.message).toBe(
      "Promotion of odd version 1 to alias 'prod' refused by policy: scan is suspicious " +
        "(not on the scanner's allow list: mypackage.models.Thing)",
    );
    // without a clean-scan condition the verdict does not gate
    await governance.setPolicy('odd', { target: 'alias:prod', requireCleanScan: false });
    await registry.setRegisteredModelAlias('odd', 'prod', v.version);
  });

  it('refuses an alias naming every unmet condition, records the refusal, then accepts once they hold', async () => {
    await registry.createRegisteredModel({ name: 'rf' });
    const champion = await version('rf', { accuracy: 0.95 }, clean);
    // No policy: as in MLflow.
    await registry.setRegisteredModelAlias('rf', 'champion', champion.version);

    await governance.setPolicy('rf', {
      target: 'alias:champion',
      requireCleanScan: true,
      metricConditions: [{ metric: 'accuracy', op: '>=', value: 0.9 }],
      beatCurrent: { metric: 'accuracy', greaterIsBetter: true },
      requiredApprovals: 2,
      approvers: ['alice', 'bob', 'carol'],
    });
    const candidate = await version('rf', { accuracy: 0.81 }, { 'model.pkl': maliciousPickle });
    const refused = await failure(
      registry.setRegisteredModelAlias('rf', 'champion', candidate.version, { actor: 'dave' }),
    );
    expect(refused.code).toBe('INVALID_STATE');
    expect(refused.message).toBe(
      "Promotion of rf version 2 to alias 'champion' refused by policy: scan is unsafe (os.system); " +
        'metrics.accuracy = 0.81 does not satisfy >= 0.9; ' +
        "metrics.accuracy = 0.81 does not beat version 1 (current holder of alias 'champion') with 0.95 (greater is better); " +
        '0 of 2 required approvals',
    );
    expect((await registry.getModelVersionByAlias('rf', 'champion')).version).toBe('1');
    const refusals = await events.listEvents({ modelName: 'rf', types: ['promotion.refused'] });
    expect(refusals.events).toHaveLength(1);
    expect(refusals.events[0]).toMatchObject({
      version: '2',
      actor: 'dave',
      payload: { target: 'alias:champion' },
    });
    expect(refusals.events[0]?.payload.unmet).toHaveLength(4);

    // A clean version above the bar but not beating the champion, without approvals.
    const ok = await version('rf', { accuracy: 0.93 }, clean);
    expect(await governance.checkPromotion('rf', ok.version, 'alias:champion')).toEqual({
      allowed: false,
      unmet: [
        "metrics.accuracy = 0.93 does not beat version 1 (current holder of alias 'champion') with 0.95 (greater is better)",
        '0 of 2 required approvals',
      ],
    });
    const best = await version('rf', { accuracy: 0.97 }, clean);
    const own = await governance.requestApproval('rf', best.version, {
      target: 'alias:champion',
      user: 'alice',
      comment: 'ready',
    });
    expect(own).toMatchObject({ status: 'requested', requestedBy: 'alice', comment: 'ready', version: '4' });
    // Self-approval and outsiders are refused; approvals of another version or target do not count.
    expect((await failure(governance.approve(own.id, { user: 'alice' }))).code).toBe('PERMISSION_DENIED');
    expect((await failure(governance.approve(own.id, { user: 'mallory' }))).code).toBe('PERMISSION_DENIED');
    const otherVersion = await governance.requestApproval('rf', ok.version, {
      target: 'alias:champion',
      user: 'x',
    });
    await governance.approve(otherVersion.id, { user: 'bob' });
    const otherTarget = await governance.requestApproval('rf', best.version, {
      target: 'alias:canary',
      user: 'x',
    });
    await governance.approve(otherTarget.id, { user: 'bob' });
    expect(await governance.checkPromotion('rf', best.version, 'alias:champion')).toEqual({
      allowed: false,
      unmet: ['0 of 2 required approvals'],
    });

    const approved = await governance.approve(own.id, { user: 'bob', comment: 'lgtm' });
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'bob', decisionComment: 'lgtm' });
    expect(approved.decidedAt).toBeGreaterThan(0);
    expect((await failure(governance.reject(own.id, { user: 'carol' }))).code).toBe('INVALID_STATE');
    expect((await governance.checkPromotion('rf', best.version, 'alias:champion')).unmet).toEqual([
      '1 of 2 required approvals',
    ]);

    // A rejection by an allowed approver blocks, even with enough approvals.
    const second = await governance.requestApproval('rf', best.version, {
      target: 'alias:champion',
      user: 'alice',
    });
    await governance.reject(second.id, { user: 'carol', comment: 'not yet' });
    const third = await governance.requestApproval('rf', best.version, {
      target: 'alias:champion',
      user: 'alice',
    });
    await governance.approve(third.id, { user: 'dan' }).catch(() => undefined);
    expect((await governance.checkPromotion('rf', best.version, 'alias:champion')).unmet).toEqual([
      'rejected by carol',
      '1 of 2 required approvals',
    ]);
    expect(
      (await failure(registry.setRegisteredModelAlias('rf', 'champion', best.version))).message,
    ).toContain('rejected by carol; 1 of 2 required approvals');
    // Carol changes her mind: her latest decision counts.
    await governance.approve(third.id, { user: 'carol' });
    expect(await governance.checkPromotion('rf', best.version, 'alias:champion')).toEqual({
      allowed: true,
      unmet: [],
    });
    await registry.setRegisteredModelAlias('rf', 'champion', best.version, { actor: 'alice' });
    expect((await registry.getModelVersionByAlias('rf', 'champion')).version).toBe(best.version);

    const approvals = await governance.listApprovals('rf', best.version, 'alias:champion');
    expect(approvals.map((a) => [a.status, a.requestedBy, a.decidedBy])).toEqual([
      ['approved', 'alice', 'bob'],
      ['rejected', 'alice', 'carol'],
      ['approved', 'alice', 'carol'],
    ]);
    const types = (await events.listEvents({ modelName: 'rf', version: best.version })).events.map(
      (e) => e.type,
    );
    expect(types).toEqual([
      'model_version.created',
      'model_version.scanned',
      'approval.requested',
      'approval.requested',
      'approval.approved',
      'approval.approved',
      'approval.requested',
      'approval.rejected',
      'approval.requested',
      'promotion.refused',
      'approval.approved',
      'alias.set',
    ]);
  });

  it('gates stage transitions the same way, against the latest version in the stage', async () => {
    await registry.createRegisteredModel({ name: 'staged' });
    const v1 = await version('staged', { rmse: 2.0 }, clean);
    await registry.transitionModelVersionStage('staged', v1.version, 'Production', false);
    await governance.setPolicy('staged', {
      target: 'stage:production',
      requireCleanScan: true,
      metricConditions: [{ metric: 'rmse', op: '<', value: 1.5 }],
      beatCurrent: { metric: 'rmse', greaterIsBetter: false },
      requiredApprovals: 1,
    });
    const worse = await version('staged', { rmse: 1.4 }, { 'model.pkl': maliciousPickle });
    const noRun = await registry.createModelVersion({ name: 'staged', source: 's3://bucket/x' });
    const refused = await failure(
      registry.transitionModelVersionStage('staged', worse.version, 'production', true),
    );
    expect(refused).toEqual({
      code: 'INVALID_STATE',
      message:
        "Promotion of staged version 2 to stage 'Production' refused by policy: scan is unsafe (os.system); " +
        '0 of 1 required approvals',
    });
    expect((await governance.checkPromotion('staged', noRun.version, 'stage:Production')).unmet).toEqual([
      'scan failed (not scannable: remote storage)',
      'metrics.rmse < 1.5: the version has no source run',
      "metrics.rmse is missing on this version's source run, so it cannot beat version 1 (current holder of stage 'Production')",
      '0 of 1 required approvals',
    ]);
    expect((await registry.getModelVersion('staged', worse.version)).currentStage).toBe('None');

    const better = await version('staged', { rmse: 1.2 }, clean);
    const req = await governance.requestApproval('staged', better.version, {
      target: 'stage:Production',
      user: 'ana',
    });
    // Anyone but the requester may approve when the policy names no approvers.
    await governance.approve(req.id, { user: 'ben' });
    const moved = await registry.transitionModelVersionStage('staged', better.version, 'Production', true);
    expect(moved.currentStage).toBe('Production');
    expect((await registry.getModelVersion('staged', v1.version)).currentStage).toBe('Archived');
    // Other stages have no policy.
    await registry.transitionModelVersionStage('staged', worse.version, 'Staging', false);
  });

  it('validates policies and cleans up governance rows with their versions and models', async () => {
    await registry.createRegisteredModel({ name: 'bad-input' });
    const v = await version('bad-input', {}, clean);
    expect((await failure(governance.setPolicy('bad-input', { target: 'champion' }))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(
      (
        await failure(
          governance.setPolicy('bad-input', { target: 'alias:x', requiredApprovals: 3, approvers: ['a'] }),
        )
      ).message,
    ).toMatch(/could never be met/);
    expect((await failure(governance.setPolicy('nope', { target: 'alias:x' }))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect(
      (await failure(governance.requestApproval('bad-input', v.version, { target: 'alias:x', user: ' ' })))
        .code,
    ).toBe('INVALID_PARAMETER_VALUE');
    const policy = await governance.setPolicy('bad-input', { target: 'stage:Staging', requiredApprovals: 1 });
    expect(policy).toMatchObject({
      target: 'stage:Staging',
      requireCleanScan: false,
      beatCurrent: null,
      approvers: [],
    });
    await governance.requestApproval('bad-input', v.version, { target: 'stage:Staging', user: 'a' });
    const db = database.handle.db;
    const { registered_model_id: id } = await db
      .selectFrom('registered_models')
      .select('registered_model_id')
      .where('name', '=', 'bad-input')
      .executeTakeFirstOrThrow();
    const rows = async (table: 'model_version_scans' | 'model_version_approvals' | 'promotion_policies') =>
      (await db.selectFrom(table).selectAll().where('registered_model_id', '=', id).execute()).length;
    expect([await rows('model_version_scans'), await rows('model_version_approvals')]).toEqual([1, 1]);
    await registry.deleteModelVersion('bad-input', v.version);
    expect([await rows('model_version_scans'), await rows('model_version_approvals')]).toEqual([0, 0]);
    expect(await rows('promotion_policies')).toBe(1);
    await registry.deleteRegisteredModel('bad-input');
    expect(await rows('promotion_policies')).toBe(0);
    await registry.createRegisteredModel({ name: 'bad-input' });
    expect(await governance.listPolicies('bad-input')).toEqual([]);
  });
});
