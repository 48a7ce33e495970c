import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { buildApp } from '../app.js';
import { basicAuthorization, jsonRequest } from '../test-support/json-request.js';
import { startAuthTestServer, testAdmin, type AuthTestServer } from '../test-support/auth-test-server.js';
import { testConfig } from '../test-support/test-server.js';
import type { TypedApp } from '../typed-app.js';
import { waitFor } from '../../shared/test-support/wait-for.js';

const runId = '0123456789abcdef0123456789abcdef';
const modelId = 'm-fedcba9876543210fedcba9876543210';

describe.each(testEngines)('import routes on %s', (engine) => {
  let database: TestDatabase;
  let platform: Platform;
  let app: TypedApp;
  let dir: string;
  let base: string;
  let experimentId: string;
  let otherExperimentId: string;

  const post = (path: string, body: unknown) => jsonRequest(base, 'POST', path, body);
  const runBody = (overrides: Record<string, unknown> = {}) => ({
    run_id: runId,
    experiment_id: experimentId,
    run_name: 'from-mlflow',
    user_id: 'ana',
    status: 'FINISHED',
    start_time: 1_700_000_000_000,
    end_time: 1_700_000_005_000,
    ...overrides,
  });

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-import-routes-'));
    platform = await openPlatform(
      testConfig({ backendStoreUri: database.uri, artifactsDestination: dir, serveArtifacts: true }),
    );
    app = await buildApp(platform);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
    experimentId = await platform.tracking.createExperiment({ name: 'imported' });
    otherExperimentId = await platform.tracking.createExperiment({ name: 'other' });
  });

  afterAll(async () => {
    await app.close();
    await platform.close();
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a run under the given id with its times and status, and the MLflow API reads it back', async () => {
    const answer = await post('/api/bosun/v1/import/runs', runBody());
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      created: true,
      run_info: {
        run_id: runId,
        experiment_id: experimentId,
        status: 'FINISHED',
        start_time: 1_700_000_000_000,
        end_time: 1_700_000_005_000,
        artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
      },
    });
    const got = await jsonRequest(base, 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`);
    expect(got.json.run).toMatchObject({
      info: {
        run_id: runId,
        run_name: 'from-mlflow',
        user_id: 'ana',
        status: 'FINISHED',
        end_time: 1_700_000_005_000,
      },
      data: { tags: [{ key: 'mlflow.runName', value: 'from-mlflow' }] },
    });
    // A finished, imported run still takes what the importer logs next, through the ordinary API.
    const logged = await post('/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'loss', value: 0.5, timestamp: 1_700_000_001_000, step: 3 }],
    });
    expect(logged.status).toBe(200);
  });

  it('answers created: false for the same id in the same experiment, and changes nothing else', async () => {
    const again = await post('/api/bosun/v1/import/runs', runBody());
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ created: false, run_info: { run_id: runId, status: 'FINISHED' } });
    const history = await jsonRequest(
      base,
      'GET',
      `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`,
    );
    expect(history.json.metrics).toEqual([
      { key: 'loss', value: 0.5, timestamp: 1_700_000_001_000, step: 3 },
    ]);
  });

  it('refuses the same id in another experiment, a deleted experiment, bad statuses and bad ids', async () => {
    const other = await post('/api/bosun/v1/import/runs', runBody({ experiment_id: otherExperimentId }));
    expect(other.status).toBe(400);
    expect(other.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    const badStatus = await post('/api/bosun/v1/import/runs', runBody({ run_id: 'r2', status: 'DONE' }));
    expect(badStatus.status).toBe(400);
    expect(badStatus.json.error_code).toBe('INVALID_PARAMETER_VALUE');

    const badId = await post('/api/bosun/v1/import/runs', runBody({ run_id: '../x' }));
    expect(badId.status).toBe(400);
    expect(badId.json.error_code).toBe('INVALID_PARAMETER_VALUE');

    const missing = await post('/api/bosun/v1/import/runs', runBody({ run_id: 'r3', experiment_id: '999' }));
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');

    const gone = await platform.tracking.createExperiment({ name: 'gone' });
    await platform.tracking.deleteExperiment(gone);
    const deleted = await post('/api/bosun/v1/import/runs', runBody({ run_id: 'r4', experiment_id: gone }));
    expect(deleted.status).toBe(400);
    expect(deleted.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('creates a logged model under the given id, status and times; repeats answer created: false', async () => {
    const body = {
      model_id: modelId,
      experiment_id: experimentId,
      name: 'model',
      source_run_id: runId,
      status: 'LOGGED_MODEL_READY',
      creation_timestamp_ms: 1_700_000_002_000,
      last_updated_timestamp_ms: 1_700_000_003_000,
    };
    const first = await post('/api/bosun/v1/import/logged-models', body);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      created: true,
      model: {
        model_id: modelId,
        artifact_uri: `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`,
      },
    });
    const got = await jsonRequest(base, 'GET', `/api/2.0/mlflow/logged-models/${modelId}`);
    expect(got.json.model).toMatchObject({
      info: {
        model_id: modelId,
        status: 'LOGGED_MODEL_READY',
        source_run_id: runId,
        creation_timestamp_ms: 1_700_000_002_000,
        last_updated_timestamp_ms: 1_700_000_003_000,
      },
    });
    const again = await post('/api/bosun/v1/import/logged-models', body);
    expect(again.json).toMatchObject({ created: false });
    const elsewhere = await post('/api/bosun/v1/import/logged-models', {
      ...body,
      experiment_id: otherExperimentId,
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('is in the OpenAPI document', async () => {
    const doc = await jsonRequest(base, 'GET', '/api/bosun/v1/openapi.json');
    const paths = doc.json.paths as Record<string, unknown>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/api/bosun/v1/import/runs', '/api/bosun/v1/import/logged-models']),
    );
  });
});

describe('import routes with authentication on', () => {
  let harness: AuthTestServer;
  const bob = { username: 'bob', password: 'Bob-password-1234567' };

  beforeAll(async () => {
    harness = await startAuthTestServer('bosun-import-auth-');
    const created = await harness.call('POST', '/api/2.0/mlflow/users/create', bob);
    expect(created.status).toBe(200);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('refuses a non-administrator (who may still create runs with new ids), admits an administrator, audits both', async () => {
    const asBob = basicAuthorization(bob.username, bob.password);
    const exp = await harness.call('POST', '/api/2.0/mlflow/experiments/create', { name: 'bobs' }, asBob);
    const experimentId = exp.json.experiment_id as string;
    const body = {
      run_id: 'forged0000000000000000000000000a',
      experiment_id: experimentId,
      run_name: 'forged',
      status: 'FINISHED',
      start_time: 1,
    };
    const refused = await harness.call('POST', '/api/bosun/v1/import/runs', body, asBob);
    expect(refused.status).toBe(403);
    expect(refused.json.error_code).toBe('PERMISSION_DENIED');
    const refusedModel = await harness.call(
      'POST',
      '/api/bosun/v1/import/logged-models',
      {
        model_id: 'm-forged',
        experiment_id: experimentId,
        name: 'x',
        status: 'LOGGED_MODEL_READY',
        creation_timestamp_ms: 1,
        last_updated_timestamp_ms: 1,
      },
      asBob,
    );
    expect(refusedModel.status).toBe(403);
    const missing = await harness.call('GET', `/api/2.0/mlflow/runs/get?run_id=${body.run_id}`);
    expect(missing.status).toBe(404);

    const admitted = await harness.call('POST', '/api/bosun/v1/import/runs', body);
    expect(admitted.status).toBe(200);
    expect(admitted.json.created).toBe(true);

    type Entry = { actor: string; action: string; outcome: string; resource_id: string | null };
    const imports = await waitFor('two audit entries of the import route', async () => {
      const audit = await harness.call('GET', '/api/bosun/v1/audit-log?max_results=100');
      const entries = (audit.json.entries as Entry[]).filter(
        (e) => e.action === 'POST /api/bosun/v1/import/runs',
      );
      return entries.length >= 2 ? entries : undefined;
    });
    expect(imports.map((e) => `${e.actor}:${e.outcome}:${e.resource_id}`).sort()).toEqual([
      `${testAdmin.username}:success:${body.run_id}`,
      `bob:denied:${body.run_id}`,
    ]);
  });
});
