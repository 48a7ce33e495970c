import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { type RunningServer } from '../start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../test-support/json-request.js';
import { startMonitoringTestServer } from '../test-support/monitoring-test-server.js';

const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

describe.each(testEngines)('monitoring data quality: values of the wrong type on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_quality'));
    await registerAliasedVersion(call, 'churn', 'champion');
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores a window with wrong-typed values, counting them per column, where its run failed with 400', async () => {
    const reference = await call('POST', `${mon}/models/churn/references`, {
      name: 'training',
      rows: Array.from({ length: 200 }, (_, i) => ({ x: (i + 0.5) / 200, city: ['a', 'b', 'c'][i % 3]! })),
    });
    expect(reference.status).toBe(200);
    // Ingestion takes any scalar per feature: the batch is well formed, so it is stored.
    const records = Array.from({ length: 100 }, (_, j) => ({
      features: {
        x: j % 10 === 3 ? 'n/a' : (j + 0.5) / 100,
        city: j === 7 ? 12 : ['a', 'b', 'c'][j % 3]!,
      },
      prediction: j % 2,
      timestamp: T + j * 100,
    }));
    const logged = await call('POST', `${mon}/models/churn/predictions`, { alias: 'champion', records });
    expect(logged.json).toEqual({ logged: 100, version: '1' });

    const created = await call('POST', `${mon}/models/churn/monitors`, {
      name: 'inputs',
      alias: 'champion',
      reference_id: String((reference.json.reference as { reference_id: string }).reference_id),
      window_ms: MINUTE,
    });
    expect(created.status).toBe(200);
    const path = `${mon}/models/churn/monitors/${String((created.json.monitor as { monitor_id: string }).monitor_id)}`;
    const run = await call('POST', `${path}/run`, { window_end: T + MINUTE });
    expect(run.status).toBe(200);
    const columns = (run.json.result as { drift: { columns: Record<string, unknown>[] } }).drift.columns;
    expect(columns).toEqual([
      expect.objectContaining({ column: 'x', status: 'tested', method: 'ks', type_mismatches: 10 }),
      expect.objectContaining({ column: 'city', status: 'tested', type_mismatches: 1 }),
    ]);
    // Stored: the results listing and the window's report give the same counts.
    const results = await call('GET', `${path}/results`);
    const stored = (results.json.results as { drift: { columns: Record<string, unknown>[] } }[])[0]!;
    expect(stored.drift.columns.map((c) => c.type_mismatches)).toEqual([10, 1]);
    const resultId = String((run.json.result as { result_id: string }).result_id);
    expect((await call('GET', `${path}/results/${resultId}/report?format=json`)).status).toBe(200);
  });
});
