import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { loadServerConfig } from '../../shared/config.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testPipelineWorkRoot } from '../test-support/test-start-options.js';
import { basic, expectError, testAdmin, type Answer } from '../test-support/auth-test-server.js';
import { jsonRequest } from '../test-support/json-request.js';

const api = '/api/bosun/v1/pipelines';
const mlflow = '/api/2.0/mlflow';
const admin = basic(testAdmin.username, testAdmin.password);
const bob = basic('bob', 'Bob-password-123-long');

const document = `apiVersion: bosun.dev/v1
kind: Pipeline
name: evaluate
params:
  model_name: { type: string }
  version: { type: int }
steps:
  score:
    command: [sh, -c, 'echo "evaluating $1 v$2"', sh, '{{inputs.model}}', '{{inputs.version}}']
    inputs:
      model: { type: string, from: params.model_name }
      version: { type: int, from: params.version }
`;

type Run = { run_id: string; params: Record<string, unknown>; status: string; created_by: string };
type Firing = { state: string; run_id: string | null; error: string | null; params: Record<string, unknown> };

describe.each(testEngines)('pipeline trigger routes (auth on, %s)', (engine) => {
  let db: TestDatabase;
  let dir: string;
  let server: RunningServer;
  const call = (method: string, path: string, body?: unknown, authorization: string | undefined = admin) =>
    jsonRequest(server.address, method, path, body, authorization !== undefined ? { authorization } : {});
  const runs = async (): Promise<Run[]> =>
    (await call('GET', `${api}/runs?pipeline=evaluate`)).json.runs as Run[];
  const fire = (body: unknown, token: string | undefined, pipeline = 'evaluate'): Promise<Answer> =>
    call(
      'POST',
      `${api}/triggers/${pipeline}/ci/fire`,
      body,
      token !== undefined ? `Bearer ${token}` : undefined,
    );

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-trigger-routes-'));
    const config = loadServerConfig(
      { port: 0, backendStoreUri: db.uri, artifactsDestination: join(dir, 'artifacts'), logLevel: 'silent' },
      { BOSUN_ADMIN_USERNAME: testAdmin.username, BOSUN_ADMIN_PASSWORD: testAdmin.password },
    );
    server = await startServer(
      { ...config, authEnabled: true, defaultPermission: 'NO_PERMISSIONS' },
      { handleSignals: false, platform: { pipelineWorkRoot: testPipelineWorkRoot(dir) } },
    );
    expect(
      (await call('POST', `${mlflow}/users/create`, { username: 'bob', password: 'Bob-password-123-long' }))
        .status,
    ).toBe(200);
    expect((await call('POST', `${api}/definitions`, { document })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new model version starts the evaluate pipeline once, with its name and version', async () => {
    const created = await call('POST', `${api}/triggers`, {
      name: 'evaluate-new-versions',
      kind: 'registry_event',
      pipeline: 'evaluate',
      filter: { event_types: ['model_version.created'], model_name: 'churn' },
      params: { model_name: '{{event.model_name}}', version: '{{event.version}}' },
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      trigger: {
        name: 'evaluate-new-versions',
        kind: 'registry_event',
        pipeline: 'evaluate',
        version: null,
        filter: { event_types: ['model_version.created'], model_name: 'churn' },
        params: { model_name: '{{event.model_name}}', version: '{{event.version}}' },
        enabled: true,
        created_by: 'admin',
        created_at: expect.any(Number) as number,
      },
    });
    // Clear errors, never a 500; EDIT on the pipeline's experiment is needed (bob has none).
    const bad = { name: 'bad', kind: 'registry_event', pipeline: 'evaluate' };
    for (const body of [
      { ...bad, filter: { event_types: ['model_version.made'] } },
      { ...bad, filter: { event_types: ['model_version.created'] }, params: { version: '{{event.nope}}' } },
      { ...bad, kind: 'cron' },
    ]) {
      expectError(await call('POST', `${api}/triggers`, body), 400, 'INVALID_PARAMETER_VALUE');
    }
    expectError(
      await call('POST', `${api}/triggers`, {
        ...bad,
        pipeline: 'missing',
        filter: { event_types: ['model_version.created'] },
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('POST', `${api}/triggers`, {
        ...bad,
        name: 'evaluate-new-versions',
        filter: { event_types: ['model_version.created'] },
        params: { model_name: 'x', version: 1 },
      }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    expectError(
      await call('POST', `${api}/triggers`, { ...bad, name: 'bobs' }, bob),
      403,
      'PERMISSION_DENIED',
    );
    expect((await call('GET', `${api}/triggers`, undefined, bob)).json).toEqual({ triggers: [] });

    // The registry through the MLflow API: a model `churn` and its first version.
    const experiment = await call('POST', `${mlflow}/experiments/create`, { name: 'training' });
    const run = await call('POST', `${mlflow}/runs/create`, {
      experiment_id: experiment.json.experiment_id,
    });
    const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    expect((await call('POST', `${mlflow}/registered-models/create`, { name: 'churn' })).status).toBe(200);
    expect((await call('POST', `${mlflow}/registered-models/create`, { name: 'fraud' })).status).toBe(200);
    for (const name of ['churn', 'fraud']) {
      const version = await call('POST', `${mlflow}/model-versions/create`, {
        name,
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
      expect(version.status).toBe(200);
    }

    const firings = await waitFor('the firing to start its run', async () => {
      const f = (await call('GET', `${api}/triggers/evaluate/evaluate-new-versions/firings`)).json
        .firings as Firing[];
      return f.length === 1 && f[0]?.state === 'started' ? f : undefined;
    });
    const done = await waitFor('the evaluate run to end', async () => {
      const all = await runs();
      return all.every((r) => r.status !== 'running') ? all : undefined;
    });
    expect(done.map((r) => [r.run_id, r.params, r.status, r.created_by])).toEqual([
      [firings[0]?.run_id, { model_name: 'churn', version: 1 }, 'succeeded', 'admin'],
    ]);
    const got = await call('GET', `${api}/triggers/evaluate/evaluate-new-versions`);
    expect((got.json.firings as Firing[]).map((f) => f.run_id)).toEqual([firings[0]?.run_id]);
    expectError(
      await call('GET', `${api}/triggers/other/evaluate-new-versions`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('a webhook call needs the trigger token (401 otherwise, no run), checks params, once per key', async () => {
    const created = await call('POST', `${api}/triggers`, {
      name: 'ci',
      kind: 'webhook',
      pipeline: 'evaluate',
      params: { model_name: 'churn' },
    });
    expect(created.status).toBe(200);
    const token = created.json.token as string;
    expect(token).toMatch(/^bpt_/);
    // The token is shown once: reading the trigger never answers it.
    expect((await call('GET', `${api}/triggers/evaluate/ci`)).text).not.toContain(token);
    const before = (await runs()).length;

    for (const [body, sent, pipeline] of [
      [{ params: { version: 3 } }, undefined, 'evaluate'],
      [{ params: { version: 3 } }, 'bpt_wrong', 'evaluate'],
      [{ params: { version: 3 } }, token, 'other'],
      [{ params: { version: 3 } }, testAdmin.password, 'evaluate'],
    ] as const) {
      const answer = await fire(body, sent, pipeline);
      expectError(answer, 401, 'UNAUTHENTICATED');
    }
    // Basic credentials of a real user are no trigger token either.
    expectError(
      await call('POST', `${api}/triggers/evaluate/ci/fire`, { params: { version: 3 } }, admin),
      401,
      'UNAUTHENTICATED',
    );
    expectError(await fire({ params: { version: 'three' } }, token), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await fire({ params: { lr: 0.1 } }, token), 400, 'INVALID_PARAMETER_VALUE');
    expect((await runs()).length).toBe(before);

    const fired = await fire({ params: { version: '7' }, key: 'job-1234' }, token);
    expect(fired.status).toBe(200);
    expect(fired.json).toMatchObject({
      duplicate: false,
      firing: { state: 'started', event_key: 'webhook:job-1234' },
    });
    const runId = (fired.json.firing as Firing).run_id;
    const again = await fire({ params: { version: '8' }, key: 'job-1234' }, token);
    expect(again.json).toMatchObject({ duplicate: true, firing: { run_id: runId } });
    // The key may come as an Idempotency-Key header; a call without a body is checked like any other.
    const byHeader = await jsonRequest(
      server.address,
      'POST',
      `${api}/triggers/evaluate/ci/fire`,
      { params: { version: 9 } },
      { authorization: `Bearer ${token}`, 'idempotency-key': 'job-1234' },
    );
    expect(byHeader.json).toMatchObject({ duplicate: true, firing: { run_id: runId } });
    const noBody = await jsonRequest(server.address, 'POST', `${api}/triggers/evaluate/ci/fire`, undefined, {
      authorization: `Bearer ${token}`,
    });
    expectError(noBody, 400, 'INVALID_PARAMETER_VALUE');
    expect(noBody.json.message).toContain("needs parameter 'version'");
    const done = await waitFor('the webhook run to end', async () => {
      const all = await runs();
      return all.every((r) => r.status !== 'running') ? all : undefined;
    });
    expect(done).toHaveLength(before + 1);
    expect(done.find((r) => r.run_id === runId)?.params).toEqual({ model_name: 'churn', version: 7 });

    // Disabled: the call is refused and starts nothing; then the trigger goes.
    const disabled = await call('PATCH', `${api}/triggers/evaluate/ci`, { enabled: false });
    expect((disabled.json.trigger as { enabled: boolean }).enabled).toBe(false);
    expectError(await fire({ params: { version: 9 } }, token), 409, 'INVALID_STATE');
    expect((await runs()).length).toBe(before + 1);
    expect((await call('DELETE', `${api}/triggers/evaluate/ci`)).status).toBe(200);
    expectError(await fire({ params: { version: 9 } }, token), 401, 'UNAUTHENTICATED');

    // Audit records are appended once each response is sent: wait for the last one.
    const wanted = [
      [`POST ${api}/triggers`, 'success'],
      [`POST ${api}/triggers/:pipeline/:name/fire`, 'success'],
      [`POST ${api}/triggers/:pipeline/:name/fire`, 'unauthenticated'],
      [`PATCH ${api}/triggers/:pipeline/:name`, 'success'],
      [`DELETE ${api}/triggers/:pipeline/:name`, 'success'],
    ] as const;
    const audit = await waitFor('the audit records of the trigger calls', async () => {
      const entries = (await call('GET', '/api/bosun/v1/audit-log?max_results=500')).json.entries as Record<
        string,
        unknown
      >[];
      const has = ([action, outcome]: readonly [string, string]) =>
        entries.some(
          (e) =>
            e['action'] === action &&
            e['outcome'] === outcome &&
            e['resource_type'] === 'pipeline_trigger' &&
            e['resource_id'] === 'ci',
        );
      return wanted.every(has) ? entries : undefined;
    });
    expect(audit.filter((e) => e['resource_id'] === 'ci').length).toBeGreaterThanOrEqual(wanted.length);
  });
});
