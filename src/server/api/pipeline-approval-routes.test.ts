import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../db/test-support/test-databases.js';
import {
  adminPassword,
  alicePassword,
  basicAuth,
  startAuthPipelineHarness,
  type AuthPipelineHarness,
} from '../../pipelines/test-support/auth-harness.js';
import type { User } from '../../security/users/index.js';
import { waitFor } from '../../shared/test-support/wait-for.js';

const api = '/api/bosun/v1/pipelines';
const admin = basicAuth('admin', adminPassword);
const alice = basicAuth('alice', alicePassword);
const bobPassword = 'Bob-Horse-42-battery';
const bob = basicAuth('bob', bobPassword);

const document = (name: string, model?: { name: string; version: string }) => ({
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name,
  steps: {
    gate: {
      approval: {
        message: 'Promote {{inputs.model}}?',
        ...(model !== undefined ? { model: { name: 'model', version: 'version' } } : {}),
      },
      inputs: {
        model: { type: 'string', value: model?.name ?? 'none' },
        version: { type: 'string', value: model?.version ?? '0' },
      },
    },
    after: {
      command: ['true'],
      after: ['gate'],
      when: 'steps.gate.outputs.approved',
      cache: { enabled: false },
    },
  },
});

describe.each(testEngines)('pipeline approval routes, auth on (%s)', (engine) => {
  let h: AuthPipelineHarness;
  let bobUser: User;
  beforeAll(async () => {
    h = await startAuthPipelineHarness(engine);
    bobUser = await h.platform.users.createUser({ username: 'bob', password: bobPassword });
  });
  afterAll(async () => h.close());

  async function startWaiting(
    doc: ReturnType<typeof document>,
  ): Promise<{ runId: string; experimentId: string }> {
    expect((await h.call('POST', `${api}/definitions`, admin, { document: doc })).status).toBe(200);
    const started = await h.call('POST', `${api}/runs`, admin, { pipeline: doc.name });
    expect(started.status).toBe(200);
    const run = started.json['run'] as { run_id: string; experiment_id: string };
    await waitFor('the approval step to wait', async () => {
      const got = await h.call('GET', `${api}/runs/${run.run_id}`, admin);
      const steps = got.json['steps'] as { step: string; state: string }[];
      return steps.find((s) => s.step === 'gate')?.state === 'waiting' ? true : undefined;
    });
    return { runId: run.run_id, experimentId: run.experiment_id };
  }

  async function runStatus(runId: string): Promise<string> {
    return waitFor('the run to end', async () => {
      const got = await h.call('GET', `${api}/runs/${runId}`, admin);
      const status = (got.json['run'] as { status: string }).status;
      return status === 'running' ? undefined : status;
    });
  }

  it('lists to readers, refuses a reader (403), lets an editor approve with a comment, audits it', async () => {
    const { runId, experimentId } = await startWaiting(document(`approve-${engine}`));
    // Without any grant, alice sees no waiting approval and may not decide.
    const hidden = await h.call('GET', `${api}/approvals`, alice);
    expect(hidden.status).toBe(200);
    expect(hidden.json['approvals']).toEqual([]);
    await h.platform.permissions.putGrant('experiment', experimentId, bobUser.id, 'READ');
    await h.platform.permissions.putGrant('experiment', experimentId, h.alice.id, 'EDIT');

    const listed = await h.call('GET', `${api}/approvals`, bob);
    expect(listed.json['approvals']).toEqual([
      expect.objectContaining({
        run_id: runId,
        step: 'gate',
        status: 'waiting',
        message: 'Promote none?',
        requested_by: 'admin',
        model: null,
      }),
    ]);
    const ofRun = await h.call('GET', `${api}/runs/${runId}/approvals`, bob);
    expect(ofRun.status).toBe(200);
    expect((ofRun.json['approvals'] as unknown[]).length).toBe(1);

    const refused = await h.call('POST', `${api}/runs/${runId}/approvals/gate/approve`, bob, {
      comment: 'me?',
    });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    // Deciding in someone else's name is refused.
    const impersonating = await h.call('POST', `${api}/runs/${runId}/approvals/gate/approve`, alice, {
      user: 'admin',
    });
    expect(impersonating.status).toBe(400);
    expect(impersonating.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    const unknownStep = await h.call('POST', `${api}/runs/${runId}/approvals/nope/approve`, alice, {});
    expect(unknownStep.status).toBe(404);
    expect(unknownStep.json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });

    const approved = await h.call('POST', `${api}/runs/${runId}/approvals/gate/approve`, alice, {
      comment: 'ship it',
    });
    expect(approved.status).toBe(200);
    expect(approved.json['approval']).toMatchObject({
      status: 'approved',
      decided_by: 'alice',
      comment: 'ship it',
    });
    expect(await runStatus(runId)).toBe('succeeded');
    const again = await h.call('POST', `${api}/runs/${runId}/approvals/gate/reject`, alice, {});
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error_code: 'INVALID_STATE' });

    const entries = await waitFor('the audit record of the approval', async () => {
      const page = await h.platform.auditLog.list(h.platform.database.db, { actor: 'alice' });
      const found = page.items.filter(
        (e) => e.resource.type === 'pipeline_approval' && e.outcome === 'success',
      );
      return found.length > 0 ? found : undefined;
    });
    expect(entries[0]).toMatchObject({ resource: { type: 'pipeline_approval', id: `${runId}/gate` } });
    expect(entries[0]?.action).toMatch(/approve/);
  });

  it('rejects with a comment; an oversized comment is a 400 in the API format', async () => {
    const { runId, experimentId } = await startWaiting(document(`reject-${engine}`));
    await h.platform.permissions.putGrant('experiment', experimentId, h.alice.id, 'EDIT');
    const tooLong = await h.call('POST', `${api}/runs/${runId}/approvals/gate/reject`, alice, {
      comment: 'x'.repeat(5001),
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    const rejected = await h.call('POST', `${api}/runs/${runId}/approvals/gate/reject`, alice, {
      comment: 'no',
    });
    expect(rejected.json['approval']).toMatchObject({ status: 'rejected', decided_by: 'alice' });
    expect(await runStatus(runId)).toBe('failed');
  });

  it('with a model: shows the comparison, and deciding needs MANAGE on the model too', async () => {
    const { registry, tracking } = h.platform;
    const model = `routed-model-${engine}`;
    await registry.createRegisteredModel({ name: model });
    const experimentId = await tracking.createExperiment({ name: `${model}-runs` });
    const source = await tracking.createRun({ experimentId, startTime: 1 });
    await tracking.logBatch(source.info.runId, {
      metrics: [{ key: 'f1', value: 0.7, timestamp: 1, step: 0 }],
    });
    const version = await registry.createModelVersion({
      name: model,
      source: `runs:/${source.info.runId}/model`,
    });
    const { runId, experimentId: pipelineExperiment } = await startWaiting(
      document(`model-${engine}`, { name: model, version: version.version }),
    );
    await h.platform.permissions.putGrant('experiment', pipelineExperiment, h.alice.id, 'EDIT');

    const ofRun = await h.call('GET', `${api}/runs/${runId}/approvals`, alice);
    expect((ofRun.json['approvals'] as unknown[])[0]).toMatchObject({
      model: { name: model, version: version.version, target: 'alias:champion' },
      comparison: { model, alias: 'champion', candidate: { metrics: { f1: 0.7 } }, champion: null },
    });
    const refused = await h.call('POST', `${api}/runs/${runId}/approvals/gate/approve`, alice, {});
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      error_code: 'PERMISSION_DENIED',
      message: expect.stringContaining(model),
    });

    await h.platform.permissions.putGrant('registered-model', model, h.alice.id, 'MANAGE');
    const approved = await h.call('POST', `${api}/runs/${runId}/approvals/gate/approve`, alice, {
      comment: 'ok',
    });
    expect(approved.status).toBe(200);
    expect(await runStatus(runId)).toBe('succeeded');
    // The registry's approval request carries the same decision.
    const registryApprovals = await h.call(
      'GET',
      `/api/bosun/v1/registry/models/${model}/versions/${version.version}/approvals`,
      admin,
    );
    expect(registryApprovals.json).toMatchObject({
      approvals: [
        expect.objectContaining({ status: 'approved', decided_by: 'alice', requested_by: 'admin' }),
      ],
    });
  });
});
