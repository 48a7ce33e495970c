import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { type RunningServer } from '../start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../test-support/json-request.js';
import { expectBadRequest, startMonitoringTestServer } from '../test-support/monitoring-test-server.js';

const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

/** Reference: 300 rows, x spread over (0, 1) in each city a, b, c. */
const referenceRows = Array.from({ length: 300 }, (_, i) => ({
  x: (Math.floor(i / 3) + 0.5) / 100,
  city: ['a', 'b', 'c'][i % 3]!,
}));

/** One window: 60 rows of city a (as in the reference), 30 of b (x moved by 5), 10 of c. */
const records = [
  ...Array.from({ length: 60 }, (_, j) => ({ x: (j + 0.5) / 60, city: 'a' })),
  ...Array.from({ length: 30 }, (_, j) => ({ x: (j + 0.5) / 30 + 5, city: 'b' })),
  ...Array.from({ length: 10 }, (_, j) => ({ x: (j + 0.5) / 10, city: 'c' })),
].map((features, j) => ({ features, prediction: j % 2, timestamp: T + j * 100, request_id: `r-${j}` }));

interface WireReport {
  reference: { name: string; rows: number };
  current: { name: string; rows: number };
  columns: { name: string; driftDetected: boolean }[];
  dataset: { testedColumns: number; driftedColumns: number; driftDetected: boolean };
}

describe.each(testEngines)('the HTML/JSON report of one segment of a window on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let monitorPath = '';
  let plainPath = '';
  let reportPath = '';
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);
  const ok = (answer: JsonAnswer): Record<string, unknown> => {
    expect(answer.status, answer.text).toBe(200);
    return answer.json;
  };

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_segment_report'));
    await registerAliasedVersion(call, 'churn', 'champion');
    const reference = ok(
      await call('POST', `${mon}/models/churn/references`, { name: 'training', rows: referenceRows }),
    );
    const referenceId = (reference.reference as { reference_id: string }).reference_id;
    const create = async (name: string, config: Record<string, unknown>): Promise<string> => {
      const monitor = ok(
        await call('POST', `${mon}/models/churn/monitors`, {
          name,
          alias: 'champion',
          reference_id: referenceId,
          window_ms: MINUTE,
          config,
        }),
      );
      return `${mon}/models/churn/monitors/${(monitor.monitor as { monitor_id: string }).monitor_id}`;
    };
    monitorPath = await create('by-city', { min_rows: 5, segment_by: 'city', max_segments: 2 });
    plainPath = await create('whole', { min_rows: 5 });
    ok(await call('POST', `${mon}/models/churn/predictions`, { alias: 'champion', records }));
    const run = ok(await call('POST', `${monitorPath}/run`, { window_end: T + MINUTE }));
    reportPath = `${monitorPath}/results/${(run.result as { result_id: string }).result_id}/report`;
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("renders one segment's rows against the same segment of the reference, and its verdict", async () => {
    const b = ok(await call('GET', `${reportPath}?format=json&segment=b`)) as unknown as WireReport;
    expect(b.current.rows).toBe(30);
    expect(b.reference.rows).toBe(100);
    expect(b.current.name).toContain('city = b');
    // The segment column is constant inside a segment: only x is compared, and it drifted.
    expect(b.columns.map((c) => [c.name, c.driftDetected])).toEqual([['x', true]]);
    expect(b.dataset).toMatchObject({ testedColumns: 1, driftedColumns: 1, driftDetected: true });

    const a = ok(await call('GET', `${reportPath}?format=json&segment=a`)) as unknown as WireReport;
    expect([a.current.rows, a.reference.rows, a.dataset.driftDetected]).toEqual([60, 100, false]);
    // c is past max_segments (2): it is in __other__, with the reference's c rows.
    const other = ok(
      await call('GET', `${reportPath}?format=json&segment=__other__`),
    ) as unknown as WireReport;
    expect([other.current.rows, other.reference.rows]).toEqual([10, 100]);

    const html = await fetch(`${server.address}${reportPath}?segment=b`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = await html.text();
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('city = b');
    expect(page).toContain('Dataset drift detected');
    // The whole window as before: 100 rows, both columns.
    const whole = ok(await call('GET', `${reportPath}?format=json`)) as unknown as WireReport;
    expect([whole.current.rows, whole.reference.rows, whole.columns.length]).toEqual([100, 300, 2]);
  });

  it('answers 404 for a segment the window does not have and 400 where segments do not apply', async () => {
    const missing = await call('GET', `${reportPath}?format=json&segment=c`);
    expect(missing.status, missing.text).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(String(missing.json.message)).toContain("Segment 'c' not found");
    const plainRun = ok(await call('POST', `${plainPath}/run`, { window_end: T + MINUTE }));
    const plainReport = `${plainPath}/results/${(plainRun.result as { result_id: string }).result_id}/report`;
    expectBadRequest(await call('GET', `${plainReport}?segment=a`), 'has no segment_by');
    expectBadRequest(await call('GET', `${reportPath}?segment=`), 'segment');
  });
});
