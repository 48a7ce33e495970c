import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { type RunningServer } from '../start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../test-support/json-request.js';
import { expectBadRequest, startMonitoringTestServer } from '../test-support/monitoring-test-server.js';

const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;
const GOLDEN = 0.6180339887498949;

/** x uniform over [0, 10) (a low-discrepancy sequence from `offset`); city a 50 %, b 30 %, c 20 %. */
function rowsOf(n: number, offset: number, drifted: boolean) {
  return Array.from({ length: n }, (_, i) => {
    const u = ((offset + i) * GOLDEN) % 1;
    const k = i % 10;
    if (!drifted) return { x: u * 10, city: k < 5 ? 'a' : k < 8 ? 'b' : 'c' };
    // Drifted: x moved by 2 (0.69 σ), every 25th x missing; city a 20 %, b 30 %, c 30 %, d (new) 20 %.
    return { x: i % 25 === 0 ? null : u * 10 + 2, city: k < 2 ? 'a' : k < 5 ? 'b' : k < 8 ? 'c' : 'd' };
  });
}

interface WireColumn {
  column: string;
  method: string | null;
  score: number | null;
  error_bound: number | null;
  threshold: number;
  drift_detected: boolean;
  verdict_certain: boolean;
  current: { missing_rate: number | null; quantiles: (number | null)[] | null };
  new_categories: { value: string; count: number }[];
  new_categories_exact: boolean;
}
interface WireLongWindow {
  windows: number;
  overlapping_skipped: number;
  covered_from: number | null;
  covered_to: number | null;
  rows: number;
  drift: {
    approximate: boolean;
    relative_accuracy: number;
    reference_rows: number;
    dataset_drift: boolean;
    drifted_columns: number;
    tested_columns: number;
    columns: WireColumn[];
  } | null;
}
interface WireExactColumn {
  column: string;
  method: string;
  score: number;
  drift_detected: boolean;
}

describe.each(testEngines)('long windows from merged sketches on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let shortPath = '';
  let longPath = '';
  let referenceId = '';
  const windowXs: number[][] = [];
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);
  const ok = (answer: JsonAnswer): Record<string, unknown> => {
    expect(answer.status, answer.text).toBe(200);
    return answer.json;
  };
  const longWindow = async (query: string) =>
    ok(await call('GET', `${shortPath}/long-window?${query}`)).long_window as WireLongWindow;

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_long_window'));
    await registerAliasedVersion(call, 'churn', 'champion');
    const reference = ok(
      await call('POST', `${mon}/models/churn/references`, {
        name: 'training',
        rows: rowsOf(2000, 0, false),
      }),
    );
    referenceId = (reference.reference as { reference_id: string }).reference_id;
    const create = async (name: string, windowMs: number): Promise<string> => {
      const created = ok(
        await call('POST', `${mon}/models/churn/monitors`, {
          name,
          alias: 'champion',
          reference_id: referenceId,
          window_ms: windowMs,
          config: { min_rows: 5 },
        }),
      );
      return `${mon}/models/churn/monitors/${(created.monitor as { monitor_id: string }).monitor_id}`;
    };
    // Minute windows merged, against a monitor whose one window covers four minutes and reads every row.
    shortPath = await create('minutes', MINUTE);
    longPath = await create('four-minutes', 4 * MINUTE);
    // Minutes 0-3 as the reference; minutes 4-7 drifted.
    for (let w = 0; w < 8; w++) {
      const rows = rowsOf(500, 5_000 + w * 500, w >= 4);
      windowXs.push(rows.map((r) => r.x).filter((x): x is number => x !== null));
      const records = rows.map((features, j) => ({
        features,
        prediction: j % 2,
        timestamp: T + w * MINUTE + j * 100,
        request_id: `w${w}-${j}`,
      }));
      ok(await call('POST', `${mon}/models/churn/predictions`, { alias: 'champion', records }));
      ok(await call('POST', `${shortPath}/run`, { window_end: T + (w + 1) * MINUTE }));
    }
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [label, start, drifted] of [
    ['clean', 0, false],
    ['drifted', 4, true],
  ] as const) {
    it(`merges four minute windows to the same verdict as the exact four-minute window (${label})`, async () => {
      const from = T + start * MINUTE;
      const to = from + 4 * MINUTE;
      const merged = await longWindow(`from=${from}&to=${to}`);
      expect([merged.windows, merged.rows, merged.covered_from, merged.covered_to]).toEqual([
        4,
        2000,
        from,
        to,
      ]);
      const drift = merged.drift!;
      expect(drift).toMatchObject({ approximate: true, relative_accuracy: 0.01, reference_rows: 2000 });

      const exactRun = ok(await call('POST', `${longPath}/run`, { window_end: to }));
      const exact = (exactRun.result as { drift: { dataset_drift: boolean; columns: WireExactColumn[] } })
        .drift;
      expect(drift.dataset_drift).toBe(exact.dataset_drift);
      expect(drift.dataset_drift).toBe(drifted);
      for (const e of exact.columns) {
        const s = drift.columns.find((c) => c.column === e.column)!;
        // Evidently's choice past 1,000 reference rows: the same distances, the same thresholds.
        expect(s.method).toBe(e.method);
        expect(s.drift_detected, e.column).toBe(e.drift_detected);
        expect(s.verdict_certain).toBe(true);
        expect(Math.abs(s.score! - e.score), e.column).toBeLessThanOrEqual(s.error_bound! + 1e-12);
      }
      const city = drift.columns.find((c) => c.column === 'city')!;
      expect(city.error_bound).toBe(0);
      expect(city.new_categories).toEqual(drifted ? [{ value: 'd', count: 400 }] : []);
      expect(city.new_categories_exact).toBe(true);
      const x = drift.columns.find((c) => c.column === 'x')!;
      expect(x.current.missing_rate).toBe(drifted ? 80 / 2000 : 0);
    });
  }

  it('answers merged quantiles within the relative accuracy of the exact ones, beside the reference', async () => {
    const qs = [0, 0.01, 0.1, 0.5, 0.9, 0.99, 1];
    const answer = ok(
      await call('GET', `${shortPath}/quantiles?column=x&q=${qs.join(',')}&from=${T}&to=${T + 8 * MINUTE}`),
    ).quantiles as {
      windows: number;
      count: number;
      missing: number;
      relative_accuracy: number;
      quantiles: { q: number; value: number }[];
      reference: { count: number; quantiles: { q: number; value: number }[] };
    };
    expect([answer.windows, answer.count, answer.missing]).toEqual([8, 4000 - 80, 80]);
    const sorted = windowXs.flat().sort((a, b) => a - b);
    answer.quantiles.forEach(({ q, value }, i) => {
      expect(q).toBe(qs[i]);
      const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
      expect(Math.abs(value - exact), `q=${q}`).toBeLessThanOrEqual(
        answer.relative_accuracy * Math.abs(exact) + 1e-9,
      );
    });
    expect(answer.reference.count).toBe(2000);
    expect(answer.reference.quantiles.map((r) => r.q)).toEqual(qs);
    // Default quantiles and range: the five summary quantiles of the last 30 days before now (none here).
    const none = ok(await call('GET', `${shortPath}/quantiles?column=x`)).quantiles as {
      windows: number;
      quantiles: { q: number; value: number | null }[];
    };
    expect(none.windows).toBe(0);
    expect(none.quantiles.map((r) => [r.q, r.value])).toEqual([
      [0.05, null],
      [0.25, null],
      [0.5, null],
      [0.75, null],
      [0.95, null],
    ]);
  });

  it('sketches a reference stored before sketches existed from its rows, once, with the same answer', async () => {
    const range = `from=${T + 4 * MINUTE}&to=${T + 8 * MINUTE}`;
    const before = await longWindow(range);
    const db = database.handle.db;
    await sql`update monitoring_references set sketch = null`.execute(db);
    expect(await longWindow(range)).toEqual(before);
    const stored = await sql<{ sketch: string | null }>`select sketch from monitoring_references`.execute(db);
    expect(stored.rows.map((r) => JSON.parse(r.sketch!) as { rows: number })).toMatchObject([{ rows: 2000 }]);
  });

  it('merges a re-run window once and says how many it skipped; an empty range has no drift', async () => {
    ok(await call('POST', `${shortPath}/run`, { window_end: T + MINUTE }));
    const merged = await longWindow(`from=${T}&to=${T + 2 * MINUTE}`);
    expect([merged.windows, merged.overlapping_skipped, merged.rows]).toEqual([2, 1, 1000]);
    const empty = await longWindow(`from=${T - 10 * MINUTE}&to=${T}`);
    expect([empty.windows, empty.rows, empty.drift]).toEqual([0, 0, null]);
  });

  it('refuses bad parameters with 400s in the API format, and an unknown monitor with 404', async () => {
    expectBadRequest(await call('GET', `${shortPath}/long-window?from=${T}&to=${T}`), 'must be before to');
    expectBadRequest(await call('GET', `${shortPath}/long-window?from=-5`), 'from');
    expectBadRequest(await call('GET', `${shortPath}/long-window?to=soon`), 'to');
    expectBadRequest(await call('GET', `${shortPath}/quantiles?column=nope`), "'nope' is not a column");
    expectBadRequest(
      await call('GET', `${shortPath}/quantiles?column=city`),
      'quantiles need a numerical column',
    );
    expectBadRequest(
      await call('GET', `${shortPath}/quantiles?column=x&q=0.5,1.5`),
      "'1.5' is not a quantile",
    );
    expectBadRequest(
      await call('GET', `${shortPath}/quantiles?column=x&q=median`),
      "'median' is not a quantile",
    );
    expectBadRequest(await call('GET', `${shortPath}/quantiles`), 'column');
    // A monitor of some columns sketches those only.
    const cityOnly = ok(
      await call('POST', `${mon}/models/churn/monitors`, {
        name: 'city-only',
        reference_id: referenceId,
        window_ms: MINUTE,
        columns: ['city'],
      }),
    );
    const cityPath = `${mon}/models/churn/monitors/${(cityOnly.monitor as { monitor_id: string }).monitor_id}`;
    expectBadRequest(
      await call('GET', `${cityPath}/quantiles?column=x`),
      "'x' is not one of monitor 'city-only''s columns",
    );
    const missing = await call('GET', `${mon}/models/churn/monitors/999999/long-window`);
    expect(missing.status, missing.text).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
