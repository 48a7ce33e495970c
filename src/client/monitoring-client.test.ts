import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import type { RunningServer } from '../server/start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../server/test-support/json-request.js';
import { BosunClient, BosunClientError, type PredictionRecordWire } from './index.js';
import { startMonitoringTestServer } from '../server/test-support/monitoring-test-server.js';

const mlflow = '/api/2.0/mlflow';
const proxy = '/api/2.0/mlflow-artifacts/artifacts';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

/** 300 reference rows: x spread over (0, 1) in each city a, b, c. */
const referenceCsv =
  'x,city\n' +
  Array.from(
    { length: 300 },
    (_, i) => `${(Math.floor(i / 3) + 0.5) / 100},${['a', 'b', 'c'][i % 3]!}\n`,
  ).join('');

/** 60 records of city a, 30 of b with x moved by 5, 10 of c, from `start`. */
function windowRecords(start: number): PredictionRecordWire[] {
  const rows = [
    ...Array.from({ length: 60 }, (_, j) => ({ x: (j + 0.5) / 60, city: 'a' })),
    ...Array.from({ length: 30 }, (_, j) => ({ x: (j + 0.5) / 30 + 5, city: 'b' })),
    ...Array.from({ length: 10 }, (_, j) => ({ x: (j + 0.5) / 10, city: 'c' })),
  ];
  return rows.map((features, j) => ({ features, prediction: j % 2, timestamp: start + j * 100 }));
}

describe.each(testEngines)('MonitoringClient against a server on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let client: BosunClient;
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);
  const ok = (answer: JsonAnswer): Record<string, unknown> => {
    expect(answer.status, answer.text).toBe(200);
    return answer.json;
  };

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_client'));
    client = new BosunClient({ baseUrl: server.address });
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores references read from a run, runs a segmented monitor and reads its segments and one segment’s results', async () => {
    await registerAliasedVersion(call, 'churn', 'champion');
    const created = ok(await call('POST', `${mlflow}/runs/create`, { experiment_id: '0' }));
    const info = (created.run as { info: { run_id: string; artifact_uri: string } }).info;
    const root = info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const put = await fetch(`${server.address}${proxy}/${root}/data/train.csv`, {
      method: 'PUT',
      body: referenceCsv,
    });
    expect(put.status).toBe(200);
    ok(
      await call('POST', `${mlflow}/runs/log-inputs`, {
        run_id: info.run_id,
        datasets: [
          {
            dataset: {
              name: 'train',
              digest: 'd41d8cd9',
              source_type: 'local',
              source: JSON.stringify({ uri: `runs:/${info.run_id}/data/train.csv` }),
            },
          },
        ],
      }),
    );

    const fromArtifact = await client.monitoring.createReference('churn', {
      name: 'from-artifact',
      source: { run_id: info.run_id, artifact_path: 'data/train.csv' },
    });
    expect(fromArtifact.reference).toMatchObject({
      rows: 300,
      source: { kind: 'run_artifact', artifact_path: 'data/train.csv' },
    });
    const fromDataset = await client.monitoring.createReference('churn', {
      name: 'from-dataset',
      version: '1',
      source: { run_id: info.run_id, dataset_name: 'train' },
    });
    expect(fromDataset.reference).toMatchObject({
      version: '1',
      rows: 300,
      source: { kind: 'run_dataset', dataset_name: 'train' },
    });
    const missing = await client.monitoring
      .createReference('churn', { name: 'nope', source: { run_id: info.run_id, artifact_path: 'no.csv' } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(missing).toBeInstanceOf(BosunClientError);
    expect(missing).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', status: 400 });
    expect((missing as Error).message).toContain("artifact 'no.csv'");

    const monitor = await client.monitoring.createMonitor('churn', {
      name: 'by-city',
      alias: 'champion',
      reference_id: (fromArtifact.reference as { reference_id: string }).reference_id,
      window_ms: MINUTE,
      columns: ['x'],
      config: { min_rows: 5, segment_by: 'city', max_segments: 2 },
    });
    const id = (monitor.monitor as { monitor_id: string }).monitor_id;
    await client.monitoring.logPredictions('churn', { alias: 'champion' }, windowRecords(T));
    const run = await client.monitoring.runMonitor('churn', id, T + MINUTE);
    expect((run.segments as { segment: string }[]).map((s) => s.segment)).toEqual(['a', 'b', '__other__']);

    expect(await client.monitoring.listSegments('churn', id)).toEqual({
      segments: [
        { segment: '__other__', windows: 1 },
        { segment: 'a', windows: 1 },
        { segment: 'b', windows: 1 },
      ],
    });
    const b = await client.monitoring.listResults('churn', id, { segment: 'b' });
    expect(b.results).toMatchObject([{ segment: 'b', rows: 30, status: 'breach' }]);
    const whole = await client.monitoring.listResults('churn', id, { maxResults: 1 });
    expect(whole.results).toMatchObject([{ segment: null, rows: 100 }]);
    // The older form, a number of results, still reads the whole windows.
    expect((await client.monitoring.listResults('churn', id, 5)).results).toMatchObject([{ segment: null }]);
    expect(await client.monitoring.listResults('churn', id, { segment: 'nowhere' })).toEqual({ results: [] });
  });
});
