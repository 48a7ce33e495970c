import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { basicAuthorization, jsonRequest } from '../test-support/json-request.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const api = '/api/2.0/mlflow';
const passwords = {
  admin: 'Correct-Horse-42-battery',
  alice: 'Alice-Strong-Pass-11',
  bob: 'Bob-Strong-Pass-12',
};
type User = keyof typeof passwords;

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

// Finding 2 of issue 10, over HTTP and with permissions on: nothing here may widen what a user can read.
describe.each(testEngines)('logged-model routes (MLflow semantics) on %s', (engine) => {
  let db: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let experimentId: string;

  async function call(as: User, method: string, path: string, body?: unknown): Promise<Answer> {
    return jsonRequest(server.address, method, path, body, {
      authorization: basicAuthorization(as, passwords[as]),
    });
  }

  async function newModel(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const made = await call('alice', 'POST', `${api}/logged-models`, {
      experiment_id: experimentId,
      name,
      ...extra,
    });
    expect(made.status).toBe(200);
    return (made.json.model as { info: { model_id: string } }).info.model_id;
  }

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-logged-model-routes-'));
    const users = new UserService({ handle: db.handle, scrypt: testPasswordHashing });
    await users.bootstrapAdmin('admin', passwords.admin);
    await users.createUser({ username: 'alice', password: passwords.alice });
    await users.createUser({ username: 'bob', password: passwords.bob });
    const config = loadServerConfig(
      {
        port: 0,
        backendStoreUri: db.uri,
        artifactsDestination: join(dir, 'artifacts'),
        logLevel: 'silent',
        authEnabled: true,
        defaultPermission: 'NO_PERMISSIONS',
      },
      {},
    );
    server = await startServer(config, testStartOptions);
    const made = await call('alice', 'POST', `${api}/experiments/create`, { name: 'alice-models' });
    expect(made.status).toBe(200);
    experimentId = String(made.json.experiment_id);
  });

  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a model whose source run is unknown here (MLflow answers 200)', async () => {
    const id = await newModel('from-elsewhere', { source_run_id: '123' });
    const got = await call('alice', 'GET', `${api}/logged-models/${id}`);
    expect(got.status).toBe(200);
    expect((got.json.model as { info: { source_run_id: string } }).info.source_run_id).toBe('123');
  });

  it('answers 404 for a deleted model, unless allow_deleted=true, which still needs read permission', async () => {
    const id = await newModel('deleted');
    expect((await call('alice', 'DELETE', `${api}/logged-models/${id}`)).status).toBe(200);
    const gone = await call('alice', 'GET', `${api}/logged-models/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const kept = await call('alice', 'GET', `${api}/logged-models/${id}?allow_deleted=true`);
    expect(kept.status).toBe(200);
    expect((kept.json.model as { info: { model_id: string } }).info.model_id).toBe(id);
    // Bob may not read alice's experiment: the deleted model is as private as the live one.
    expect((await call('bob', 'GET', `${api}/logged-models/${id}?allow_deleted=true`)).status).toBe(403);
    expect((await call('bob', 'GET', `${api}/logged-models/${id}`)).status).toBe(403);
    expect(
      (await call('bob', 'PATCH', `${api}/logged-models/${id}/tags`, { tags: [{ key: 'k', value: 'v' }] }))
        .status,
    ).toBe(403);
    expect((await call('bob', 'DELETE', `${api}/logged-models/${id}`)).status).toBe(403);
    const search = await call('alice', 'POST', `${api}/logged-models/search`, {
      experiment_ids: [experimentId],
    });
    const ids = ((search.json.models ?? []) as { info: { model_id: string } }[]).map((m) => m.info.model_id);
    expect(ids).not.toContain(id);
  });

  it('applies the datasets clause of logged-models/search', async () => {
    const run = await call('alice', 'POST', `${api}/runs/create`, { experiment_id: experimentId });
    const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    const onTrain = await newModel('on-train');
    const onTest = await newModel('on-test');
    const logged = await call('alice', 'POST', `${api}/runs/log-batch`, {
      run_id: runId,
      metrics: [
        {
          key: 'acc',
          value: 0.9,
          timestamp: 1,
          step: 0,
          model_id: onTrain,
          dataset_name: 'train',
          dataset_digest: 'd1',
        },
        {
          key: 'acc',
          value: 0.8,
          timestamp: 1,
          step: 0,
          model_id: onTest,
          dataset_name: 'test',
          dataset_digest: 'd2',
        },
      ],
    });
    expect(logged.status).toBe(200);
    const search = async (datasets: unknown): Promise<Answer> =>
      call('alice', 'POST', `${api}/logged-models/search`, { experiment_ids: [experimentId], datasets });
    const names = (answer: Answer): string[] =>
      ((answer.json.models ?? []) as { info: { name: string } }[]).map((m) => m.info.name);
    expect(names(await search([{ dataset_name: 'train' }]))).toEqual(['on-train']);
    expect(names(await search([{ dataset_name: 'test', dataset_digest: 'd2' }]))).toEqual(['on-test']);
    expect(names(await search([{ dataset_name: 'test', dataset_digest: 'd1' }]))).toEqual([]);
    const bad = await search([{ dataset_digest: 'd1' }]);
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('returns the models a run used (runs/log-inputs models) as inputs.model_inputs', async () => {
    const run = await call('alice', 'POST', `${api}/runs/create`, { experiment_id: experimentId });
    const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    const used = await newModel('used');
    const answer = await call('alice', 'POST', `${api}/runs/log-inputs`, {
      run_id: runId,
      models: [{ model_id: used }],
    });
    expect(answer.status).toBe(200);
    const got = await call('alice', 'GET', `${api}/runs/get?run_id=${runId}`);
    expect((got.json.run as { inputs: unknown }).inputs).toEqual({ model_inputs: [{ model_id: used }] });
  });
});
