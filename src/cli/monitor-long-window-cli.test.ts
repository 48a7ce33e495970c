import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import type { RunningServer } from '../server/start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../server/test-support/json-request.js';
import { startMonitoringTestServer } from '../server/test-support/monitoring-test-server.js';
import { captureCli } from './test-support/capture-cli.js';

const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

describe.each(testEngines)('bosun monitor long-window and quantiles on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  const cli = (...argv: string[]) => captureCli(argv, { BOSUN_TRACKING_URI: server.address });

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitor_long_window_cli'));
    const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
      jsonRequest(server.address, method, path, body);
    await registerAliasedVersion(call, 'churn', 'champion');
    const rows = Array.from({ length: 200 }, (_, i) => ({ x: (i % 100) + 0.5, city: ['a', 'b'][i % 2]! }));
    await call('POST', `${mon}/models/churn/references`, { name: 'training', rows });
    await call('POST', `${mon}/models/churn/monitors`, {
      name: 'minutes',
      alias: 'champion',
      reference_id: '1',
      window_ms: MINUTE,
      config: { min_rows: 5 },
    });
    // Two minutes as the reference, then one with x moved by 100 and a new city.
    for (let w = 0; w < 3; w++) {
      const records = Array.from({ length: 100 }, (_, j) => ({
        features: { x: j + 0.5 + (w === 2 ? 100 : 0), city: w === 2 && j % 2 ? 'z' : ['a', 'b'][j % 2]! },
        prediction: 0,
        timestamp: T + w * MINUTE + j * 100,
        request_id: `w${w}-${j}`,
      }));
      expect(
        (await call('POST', `${mon}/models/churn/predictions`, { alias: 'champion', records })).status,
      ).toBe(200);
      expect(
        (await call('POST', `${mon}/models/churn/monitors/1/run`, { window_end: T + (w + 1) * MINUTE }))
          .status,
      ).toBe(200);
    }
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the merged verdict per column with its bound, and JSON with --json', async () => {
    const range = ['--from', String(T), '--to', String(T + 3 * MINUTE)];
    const text = await cli('monitor', 'long-window', 'churn', '1', ...range);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(
      '3 window(s), 300 rows merged; approximate (quantiles within 1 %): DATASET DRIFT',
    );
    expect(text.out).toMatch(/\nx\s+wasserstein\s+\S+\s+\S+\s+0\.10\s+yes\s+0\.0 %\s+-\n/);
    expect(text.out).toMatch(/\ncity\s+jensenshannon\s+\S+\s+0\.0\s+0\.10\s+yes\s+0\.0 %\s+z \(50\)\n/);
    const json = await cli('monitor', 'long-window', 'churn', '1', ...range, '--json');
    const parsed = JSON.parse(json.out) as {
      long_window: { windows: number; drift: { approximate: boolean } };
    };
    expect(parsed.long_window).toMatchObject({ windows: 3, drift: { approximate: true } });
    const clean = await cli(
      'monitor',
      'long-window',
      'churn',
      '1',
      '--from',
      String(T),
      '--to',
      String(T + 2 * MINUTE),
    );
    expect(clean.out).toContain(
      '2 window(s), 200 rows merged; approximate (quantiles within 1 %): no dataset drift',
    );
  });

  it("prints a column's merged quantiles beside the reference's and refuses bad flags", async () => {
    const q = await cli(
      'monitor',
      'quantiles',
      'churn',
      '1',
      '--column',
      'x',
      '--q',
      '0,0.5,1',
      '--from',
      String(T),
      '--to',
      String(T + 2 * MINUTE),
    );
    expect(q.code, q.err).toBe(0);
    expect(q.out.split('\n')[0]).toBe('x: 200 values in 2 window(s), 0 missing; each quantile within 1 %');
    // x is 0.5 ... 99.5 in each window and in the reference: the same quantiles, each within 1 %.
    const rows = q.out
      .split('\n')
      .slice(2)
      .filter((l) => /^\s*[\d.]+\s/.test(l))
      .map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows.map((r) => r[0])).toEqual([0, 0.5, 1]);
    for (const [, windows, reference] of rows) expect(windows).toBe(reference);
    // Within 1 % of 99.5 (printed to 6 digits).
    expect(Math.abs(rows[2]![1]! - 99.5)).toBeLessThanOrEqual(0.995 + 1e-3);
    const badQ = await cli('monitor', 'quantiles', 'churn', '1', '--column', 'x', '--q', '2');
    expect(badQ.code).toBe(1);
    expect(badQ.err).toContain("Invalid --q '2'");
    const categorical = await cli('monitor', 'quantiles', 'churn', '1', '--column', 'city');
    expect(categorical.code).toBe(1);
    expect(categorical.err).toContain('quantiles need a numerical column');
    const badFrom = await cli('monitor', 'long-window', 'churn', '1', '--from', 'yesterday');
    expect(badFrom.code).toBe(1);
    expect(badFrom.err).toContain("Invalid --from 'yesterday'");
  });
});
