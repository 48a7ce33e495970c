import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactUriToStorePath, LocalArtifactStore } from '../../artifacts/index.js';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { OutboxRegistryEventSink } from '../../registry/events/index.js';
import { cleanPickle, maliciousPickle } from '../../registry/governance/test-support/pickles.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import type { TrackingService } from '../../tracking/index.js';
import { buildApp } from '../app.js';
import { testConfig } from '../test-support/test-server.js';
import type { TypedApp } from '../typed-app.js';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

const mlflow = '/api/2.0/mlflow';
const native = '/api/bosun/v1/registry';

describe.each(testEngines)('governance routes on %s', (engine) => {
  let database: TestDatabase;
  let platform: Platform;
  let dir: string;
  let app: TypedApp;
  let base: string;
  let tracking: TrackingService;
  let artifacts: LocalArtifactStore;
  let events: OutboxRegistryEventSink;

  async function call(method: string, path: string, body?: unknown, user?: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (user !== undefined) headers['x-bosun-user'] = user;
    const res = await fetch(base + path, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** Registers a version over the MLflow API from a run with `accuracy` whose model folder holds `pickle`. */
  async function register(model: string, accuracy: number, pickle: Buffer): Promise<string> {
    const run = await tracking.createRun({ experimentId: '0' });
    await tracking.logMetric(run.info.runId, { key: 'accuracy', value: accuracy, timestamp: 1, step: 0 });
    await artifacts.put(`${artifactUriToStorePath(run.info.artifactUri)}/model/model.pkl`, pickle);
    const created = await call('POST', `${mlflow}/model-versions/create`, {
      name: model,
      source: `runs:/${run.info.runId}/model`,
      run_id: run.info.runId,
    });
    expect(created.status).toBe(200);
    return (created.json.model_version as { version: string }).version;
  }

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-governance-routes-'));
    platform = await openPlatform(testConfig({ backendStoreUri: database.uri, artifactsDestination: dir }));
    artifacts = new LocalArtifactStore(dir);
    tracking = platform.tracking;
    events = platform.events.registry;
    app = await buildApp(platform);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
    await call('POST', `${mlflow}/registered-models/create`, { name: 'rf' });
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves scan verdicts and shows the status tag on the MLflow wire object', async () => {
    const clean = await register('rf', 0.95, cleanPickle);
    const unsafe = await register('rf', 0.97, maliciousPickle);
    const mv = await call('GET', `${mlflow}/model-versions/get?name=rf&version=${unsafe}`);
    expect((mv.json.model_version as { tags: unknown[] }).tags).toContainEqual({
      key: 'bosun.scan.status',
      value: 'unsafe',
    });
    const scan = await call('GET', `${native}/models/rf/versions/${unsafe}/scan`);
    expect(scan.status).toBe(200);
    expect(scan.json.scan).toMatchObject({
      status: 'unsafe',
      files: 1,
      findings: [
        expect.objectContaining({ file: 'model.pkl', module: 'os', name: 'system', severity: 'CRITICAL' }),
      ],
      scanned_at: expect.any(Number),
    });
    const rescan = await call('POST', `${native}/models/rf/versions/${clean}/scan`, {}, 'ops');
    expect(rescan.json).toMatchObject({ scan: { status: 'clean', files: 1, findings: [] } });
    const forged = await call('POST', `${mlflow}/model-versions/set-tag`, {
      name: 'rf',
      version: unsafe,
      key: 'bosun.scan.status',
      value: 'clean',
    });
    expect(forged.status).toBe(400);
    expect((await call('GET', `${native}/models/rf/versions/99/scan`)).status).toBe(404);
  });

  it('manages policies and refuses the MLflow alias route with 409 naming each unmet condition', async () => {
    const put = await call('PUT', `${native}/models/rf/policies`, {
      target: 'alias:champion',
      require_clean_scan: true,
      metric_conditions: [{ metric: 'accuracy', op: '>=', value: 0.96 }],
      required_approvals: 1,
      approvers: ['bob'],
    });
    expect(put.status).toBe(200);
    expect(put.json.policy).toEqual({
      model_name: 'rf',
      target: 'alias:champion',
      require_clean_scan: true,
      metric_conditions: [{ metric: 'accuracy', op: '>=', value: 0.96 }],
      beat_current: null,
      required_approvals: 1,
      approvers: ['bob'],
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
    });
    await call('PUT', `${native}/models/rf/policies`, {
      target: 'stage:Production',
      beat_current: { metric: 'accuracy', greater_is_better: true },
    });
    const list = await call('GET', `${native}/models/rf/policies`);
    expect((list.json.policies as { target: string }[]).map((p) => p.target)).toEqual([
      'alias:champion',
      'stage:Production',
    ]);
    expect((await call('PUT', `${native}/models/rf/policies`, { target: 'bogus' })).status).toBe(400);
    const badOp = await call('PUT', `${native}/models/rf/policies`, {
      target: 'alias:x',
      metric_conditions: [{ metric: 'a', op: '=~', value: 1 }],
    });
    expect(badOp.status).toBe(400);

    const refused = await call('POST', `${mlflow}/registered-models/alias`, {
      name: 'rf',
      alias: 'champion',
      version: '2',
    });
    expect(refused).toEqual({
      status: 409,
      json: {
        error_code: 'INVALID_STATE',
        message:
          "Promotion of rf version 2 to alias 'champion' refused by policy: scan is unsafe (os.system); 0 of 1 required approvals",
      },
    });
    const check = await call('GET', `${native}/models/rf/versions/1/promotion-check?target=alias:champion`);
    expect(check.json).toEqual({
      allowed: false,
      unmet: ['metrics.accuracy = 0.95 does not satisfy >= 0.96', '0 of 1 required approvals'],
    });
    const refusals = await events.listEvents({ modelName: 'rf', types: ['promotion.refused'] });
    expect(refusals.events.map((e) => e.version)).toEqual(['2']);
  });

  it('takes approvals from the body or the X-Bosun-User header and promotes through the gate', async () => {
    const good = await register('rf', 0.99, cleanPickle);
    const noUser = await call('POST', `${native}/models/rf/versions/${good}/approvals`, {
      target: 'alias:champion',
    });
    expect(noUser.status).toBe(400);
    const requested = await call(
      'POST',
      `${native}/models/rf/versions/${good}/approvals`,
      { target: 'alias:champion', comment: 'ship it' },
      'alice',
    );
    expect(requested.status).toBe(200);
    const approval = requested.json.approval as { id: number };
    expect(requested.json.approval).toEqual({
      id: expect.any(Number),
      model_name: 'rf',
      version: good,
      target: 'alias:champion',
      status: 'requested',
      requested_by: 'alice',
      requested_at: expect.any(Number),
      comment: 'ship it',
    });
    const promoteEarly = await call('POST', `${native}/models/rf/versions/${good}/promote`, {
      target: 'alias:champion',
      user: 'alice',
    });
    expect(promoteEarly.status).toBe(409);
    expect(promoteEarly.json.message).toMatch(/0 of 1 required approvals$/);

    expect((await call('POST', `${native}/approvals/${approval.id}/approve`, {}, 'alice')).status).toBe(403);
    expect((await call('POST', `${native}/approvals/${approval.id}/approve`, { user: 'eve' })).status).toBe(
      403,
    );
    expect((await call('POST', `${native}/approvals/abc/approve`, { user: 'bob' })).status).toBe(400);
    expect((await call('POST', `${native}/approvals/424242/approve`, { user: 'bob' })).status).toBe(404);
    const approved = await call('POST', `${native}/approvals/${approval.id}/approve`, {
      user: 'bob',
      comment: 'ok',
    });
    expect(approved.json.approval).toMatchObject({
      status: 'approved',
      decided_by: 'bob',
      decided_at: expect.any(Number),
      decision_comment: 'ok',
    });
    const listed = await call('GET', `${native}/models/rf/versions/${good}/approvals`);
    expect((listed.json.approvals as unknown[]).length).toBe(1);

    const promoted = await call('POST', `${native}/models/rf/versions/${good}/promote`, {
      target: 'alias:champion',
      user: 'alice',
    });
    expect(promoted).toEqual({ status: 200, json: { allowed: true } });
    const byAlias = await call('GET', `${mlflow}/registered-models/alias?name=rf&alias=champion`);
    expect((byAlias.json.model_version as { version: string }).version).toBe(good);

    // Stage: beat the current Production holder.
    await call('POST', `${mlflow}/model-versions/transition-stage`, {
      name: 'rf',
      version: good,
      stage: 'Production',
      archive_existing_versions: false,
    });
    const stageRefused = await call('POST', `${mlflow}/model-versions/transition-stage`, {
      name: 'rf',
      version: '1',
      stage: 'production',
      archive_existing_versions: false,
    });
    expect(stageRefused.status).toBe(409);
    expect(stageRefused.json.message).toBe(
      `Promotion of rf version 1 to stage 'Production' refused by policy: metrics.accuracy = 0.95 does not beat version ${good} (current holder of stage 'Production') with 0.99 (greater is better)`,
    );
    const viaPromote = await call('POST', `${native}/models/rf/versions/1/promote`, {
      target: 'stage:Staging',
    });
    expect(viaPromote.status).toBe(200);

    expect((await call('DELETE', `${native}/models/rf/policies?target=stage:production`)).status).toBe(200);
    const afterDelete = await call(
      'GET',
      `${native}/models/rf/versions/1/promotion-check?target=stage:Production`,
    );
    expect(afterDelete.json).toEqual({ allowed: true, unmet: [] });
    expect((await call('GET', `${native}/models/nope/policies`)).status).toBe(404);
  });
});
