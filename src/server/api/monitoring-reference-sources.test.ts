import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { type RunningServer } from '../start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../test-support/json-request.js';
import { startMonitoringTestServer, expectBadRequest } from '../test-support/monitoring-test-server.js';

const mlflow = '/api/2.0/mlflow';
const proxy = '/api/2.0/mlflow-artifacts/artifacts';
const mon = '/api/bosun/v1/monitoring';

/** 30 training rows: x = 0.5 .. 29.5, city cycling a, b, c, a missing value of x in row 4. */
const csv = [
  'x,city',
  ...Array.from({ length: 30 }, (_, i) => `${i === 4 ? '' : i + 0.5},${['a', 'b', 'c'][i % 3]}`),
].join('\n');
const jsonl = Array.from({ length: 12 }, (_, i) => JSON.stringify({ x: i, flag: i % 2 === 0 })).join('\n');

describe.each(testEngines)('monitoring references read from a run on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let runId = '';
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);
  const reference = (name: string, source: Record<string, unknown>) =>
    call('POST', `${mon}/models/churn/references`, { name, version: '1', source });

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_ref_sources'));
    await registerAliasedVersion(call, 'churn', 'champion');
    const run = await call('POST', `${mlflow}/runs/create`, { experiment_id: '0' });
    const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
    runId = info.run_id;
    const root = info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    for (const [path, body] of [
      ['data/train.csv', csv],
      ['data/train.jsonl', jsonl],
      ['data/notes.bin', 'hello, not a table'],
      ['data/empty.csv', 'x,city\n'],
      [
        'data/train.parquet',
        readFileSync(join(import.meta.dirname, '../../monitoring/files/test-support/flat-snappy.parquet')),
      ],
    ] as const) {
      const put = await fetch(`${server.address}${proxy}/${root}/${path}`, { method: 'PUT', body });
      expect(put.status).toBe(200);
    }
    const logged = await call('POST', `${mlflow}/runs/log-inputs`, {
      run_id: runId,
      datasets: [
        {
          dataset: {
            name: 'train',
            digest: 'd41d8cd9',
            source_type: 'local',
            source: JSON.stringify({ uri: `runs:/${runId}/data/train.csv` }),
          },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
        {
          dataset: {
            name: 'served',
            digest: 'a1b2c3d4',
            source_type: 'http',
            source: JSON.stringify({ url: `${server.address}${proxy}/${root}/data/train.jsonl` }),
          },
          tags: [],
        },
        {
          dataset: {
            name: 'warehouse',
            digest: 'e5e5e5e5',
            source_type: 's3',
            source: JSON.stringify({ uri: 's3://elsewhere/train.csv' }),
          },
          tags: [],
        },
      ],
    });
    expect(logged.status, logged.text).toBe(200);
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("stores a reference read from a run's CSV artifact, linked to the version, with its source", async () => {
    const created = await reference('from-csv', { run_id: runId, artifact_path: 'data/train.csv' });
    expect(created.status, created.text).toBe(200);
    const r = created.json.reference as Record<string, unknown>;
    expect(r).toMatchObject({
      name: 'from-csv',
      version: '1',
      rows: 30,
      columns: [
        { name: 'x', type: 'numerical' },
        { name: 'city', type: 'categorical' },
      ],
      source: {
        kind: 'run_artifact',
        run_id: runId,
        artifact_path: 'data/train.csv',
        artifact_run_id: runId,
      },
    });
    const profile = r.profile as { name: string; count: number; missing: number; max?: number }[];
    expect(profile.find((p) => p.name === 'x')).toMatchObject({ count: 29, missing: 1, max: 29.5 });
    const got = await call('GET', `${mon}/models/churn/references/${String(r.reference_id)}`);
    expect((got.json.reference as Record<string, unknown>).source).toEqual(r.source);
  });

  it('reads JSON lines artifacts too, keeping booleans as booleans', async () => {
    const created = await reference('from-jsonl', { run_id: runId, artifact_path: 'data/train.jsonl' });
    expect(created.status, created.text).toBe(200);
    const r = created.json.reference as {
      rows: number;
      profile: { name: string; top?: { value: string }[] }[];
    };
    expect(r.rows).toBe(12);
    expect(
      r.profile
        .find((p) => p.name === 'flag')
        ?.top?.map((t) => t.value)
        .sort(),
    ).toEqual(['false', 'true']);
  });

  it('reads Parquet artifacts, their timestamp column as a datetime column', async () => {
    const created = await reference('from-parquet', { run_id: runId, artifact_path: 'data/train.parquet' });
    expect(created.status, created.text).toBe(200);
    const r = created.json.reference as { rows: number; columns: { name: string; type: string }[] };
    expect(r.rows).toBe(4);
    expect(r.columns.map((c) => c.name)).toEqual(['score', 'count', 'city', 'flag', 'day']);
    expect(r.columns.find((c) => c.name === 'day')?.type).toBe('datetime');
  });

  it('stores a reference from a logged dataset input whose source is a run artifact', async () => {
    const created = await reference('from-dataset', { run_id: runId, dataset_name: 'train' });
    expect(created.status, created.text).toBe(200);
    expect(created.json.reference).toMatchObject({
      rows: 30,
      source: {
        kind: 'run_dataset',
        run_id: runId,
        dataset_name: 'train',
        dataset_digest: 'd41d8cd9',
        artifact_path: 'data/train.csv',
      },
    });
  });

  it("reads a dataset whose source is the server's proxy URL of a file in the run's artifacts", async () => {
    const created = await reference('from-proxy-url', { run_id: runId, dataset_name: 'served' });
    expect(created.status, created.text).toBe(200);
    expect(created.json.reference).toMatchObject({
      rows: 12,
      source: { kind: 'run_dataset', dataset_name: 'served', artifact_path: 'data/train.jsonl' },
    });
  });

  it('refuses a missing run, artifact or dataset, a folder, a bad format and ambiguous input with 400s, storing nothing', async () => {
    const before = (await call('GET', `${mon}/models/churn/references`)).json.references as unknown[];
    expectBadRequest(
      await reference('r', { run_id: 'f'.repeat(32), artifact_path: 'data/train.csv' }),
      `run '${'f'.repeat(32)}' not found`,
    );
    expectBadRequest(
      await reference('r', { run_id: runId, artifact_path: 'data/nope.csv' }),
      'does not exist',
    );
    expectBadRequest(await reference('r', { run_id: runId, artifact_path: 'data' }), 'is a folder');
    expectBadRequest(
      await reference('r', { run_id: runId, artifact_path: '../other/x.csv' }),
      'Invalid path',
    );
    const unsupported = await reference('r', { run_id: runId, artifact_path: 'data/notes.bin' });
    expectBadRequest(unsupported, "artifact 'data/notes.bin'");
    expect(String(unsupported.json.message)).toContain('cannot tell the file format');
    expect(String(unsupported.json.message)).not.toContain(tmpdir());
    expectBadRequest(
      await reference('r', { run_id: runId, artifact_path: 'data/empty.csv' }),
      'no data rows',
    );
    expectBadRequest(
      await reference('r', { run_id: runId, dataset_name: 'nope' }),
      "logged no dataset 'nope'",
    );
    expectBadRequest(
      await reference('r', { run_id: runId, dataset_name: 'warehouse' }),
      'is not a run artifact',
    );
    expectBadRequest(
      await reference('r', { run_id: runId, artifact_path: 'data/train.csv', dataset_name: 'train' }),
      'either artifact_path or dataset_name',
    );
    expectBadRequest(
      await call('POST', `${mon}/models/churn/references`, {
        name: 'r',
        rows: [{ x: 1 }],
        source: { run_id: runId, artifact_path: 'data/train.csv' },
      }),
      'either rows or source',
    );
    expectBadRequest(
      await call('POST', `${mon}/models/churn/references`, { name: 'r' }),
      'either rows or source',
    );
    const after = (await call('GET', `${mon}/models/churn/references`)).json.references as unknown[];
    expect(after).toHaveLength(before.length);
  });
});
