import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../db/test-support/test-databases.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { buildApp } from '../app.js';
import { testConfig } from '../test-support/test-server.js';
import type { TypedApp } from '../typed-app.js';

let database: TestDatabase;
let platform: Platform;
let app: TypedApp;
let dir: string;
let base: string;
let runId: string;
let modelId: string;

async function get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/bosun/v1/lineage${path}`);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  database = await openTestDatabase('sqlite');
  dir = mkdtempSync(join(tmpdir(), 'bosun-lineage-routes-'));
  platform = await openPlatform(testConfig({ backendStoreUri: database.uri, artifactsDestination: dir }));
  const { tracking, registry } = platform;
  app = await buildApp(platform);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;

  const experimentId = await tracking.createExperiment({ name: 'lineage-http' });
  const run = await tracking.createRun({
    experimentId,
    runName: 'fit',
    tags: [{ key: 'mlflow.source.git.commit', value: 'deadbeef' }],
  });
  runId = run.info.runId;
  await tracking.logBatch(runId, {
    params: [{ key: 'alpha', value: '0.5' }],
    metrics: [
      { key: 'rmse', value: 1.25, timestamp: 10, step: 2 },
      { key: 'r2', value: -Infinity, timestamp: 10, step: 2 },
    ],
  });
  await tracking.logInputs(runId, {
    datasets: [
      {
        dataset: { name: 'wine', digest: 'w1', sourceType: 'http', source: '{"url":"https://x/wine.csv"}' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ],
  });
  modelId = (await tracking.createLoggedModel({ experimentId, name: 'enet', sourceRunId: runId })).modelId;
  await registry.createRegisteredModel({ name: 'wine-quality' });
  await registry.createModelVersion({ name: 'wine-quality', source: `models:/${modelId}` });
});

afterAll(async () => {
  await app?.close();
  await platform?.close();
  await database?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('lineage routes', () => {
  it('serves a version lineage in snake_case with non-finite metrics as strings', async () => {
    const { status, json } = await get('/models/wine-quality/versions/1');
    expect(status).toBe(200);
    const lineage = json.lineage as Record<string, unknown>;
    expect(lineage.model_version).toMatchObject({
      name: 'wine-quality',
      version: '1',
      source: `models:/${modelId}`,
      run_id: runId,
      model_id: modelId,
      current_stage: 'None',
    });
    expect(lineage.run).toMatchObject({
      run_id: runId,
      run_name: 'fit',
      params: [{ key: 'alpha', value: '0.5' }],
      metrics: [
        { key: 'r2', value: '-Infinity', step: 2, timestamp: 10 },
        { key: 'rmse', value: 1.25, step: 2, timestamp: 10 },
      ],
      code: { git_commit: 'deadbeef', source_name: null, source_type: null, repo_url: null },
      datasets: [
        {
          name: 'wine',
          digest: 'w1',
          source_type: 'http',
          source: '{"url":"https://x/wine.csv"}',
          context: 'training',
        },
      ],
    });
    expect(lineage.logged_model).toMatchObject({ model_id: modelId, name: 'enet', params: [] });
  });

  it('serves the versions of a run and the runs and versions of a dataset', async () => {
    expect(await get(`/runs/${runId}`)).toEqual({
      status: 200,
      json: { model_versions: [{ name: 'wine-quality', version: '1' }] },
    });
    const experimentId = (
      (await get('/models/wine-quality/versions/1')).json.lineage as { run: { experiment_id: string } }
    ).run.experiment_id;
    expect(await get('/datasets?name=wine&digest=w1')).toEqual({
      status: 200,
      json: {
        runs: [{ run_id: runId, experiment_id: experimentId }],
        model_versions: [{ name: 'wine-quality', version: '1' }],
      },
    });
    expect((await get('/datasets?name=wine&digest=other')).json).toEqual({ runs: [], model_versions: [] });
  });

  it('answers typed errors: unknown version or run 404, bad version or missing name 400', async () => {
    const missing = await get('/models/wine-quality/versions/7');
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await get('/models/nope/versions/1')).status).toBe(404);
    expect((await get(`/runs/${'0'.repeat(32)}`)).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const bad = await get('/models/wine-quality/versions/one');
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const noName = await get('/datasets?digest=w1');
    expect(noName.status).toBe(400);
    expect(noName.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
