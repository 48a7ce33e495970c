import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { type RunningServer } from '../start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../test-support/json-request.js';
import { startMonitoringTestServer, expectBadRequest } from '../test-support/monitoring-test-server.js';

const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

/** Reference: 300 rows, x spread over (0, 1) in each city a, b, c. */
const referenceRows = Array.from({ length: 300 }, (_, i) => ({
  x: (Math.floor(i / 3) + 0.5) / 100,
  city: ['a', 'b', 'c'][i % 3]!,
}));

/** A window from `start`: 60 rows of city a, 30 of b (x moved by 5 when `bDrifts`), 10 of c. */
function windowRecords(start: number, prefix: string, bDrifts: boolean) {
  const rows = [
    ...Array.from({ length: 60 }, (_, j) => ({ x: (j + 0.5) / 60, city: 'a' })),
    ...Array.from({ length: 30 }, (_, j) => ({ x: (j + 0.5) / 30 + (bDrifts ? 5 : 0), city: 'b' })),
    ...Array.from({ length: 10 }, (_, j) => ({ x: (j + 0.5) / 10, city: 'c' })),
  ];
  return rows.map((features, j) => ({
    features,
    prediction: j % 2,
    timestamp: start + j * 100,
    request_id: `${prefix}-${j}`,
  }));
}

interface WireResult {
  result_id: string;
  segment: string | null;
  rows: number;
  status: string;
  drift: { dataset_drift: boolean; columns: { column: string }[] } | null;
}
interface WireAlert {
  condition: string;
  segment: string | null;
  message: string;
  state: string;
}

describe.each(testEngines)('monitoring segments on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let referenceId = '';
  let monitorPath = '';
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);
  const ok = (answer: JsonAnswer): Record<string, unknown> => {
    expect(answer.status, answer.text).toBe(200);
    return answer.json;
  };

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_segments'));
    await registerAliasedVersion(call, 'churn', 'champion');
    const reference = ok(
      await call('POST', `${mon}/models/churn/references`, { name: 'training', rows: referenceRows }),
    );
    referenceId = (reference.reference as { reference_id: string }).reference_id;
    const monitor = ok(
      await call('POST', `${mon}/models/churn/monitors`, {
        name: 'by-city',
        alias: 'champion',
        reference_id: referenceId,
        window_ms: MINUTE,
        config: { min_rows: 5, segment_by: 'city', max_segments: 2, segment_alerts: true },
      }),
    );
    expect((monitor.monitor as { config: unknown }).config).toMatchObject({
      segment_by: 'city',
      max_segments: 2,
      segment_alerts: true,
    });
    monitorPath = `${mon}/models/churn/monitors/${(monitor.monitor as { monitor_id: string }).monitor_id}`;
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('judges each segment against its own reference rows, caps them with __other__, and alerts on the drifted one by name', async () => {
    ok(
      await call('POST', `${mon}/models/churn/predictions`, {
        alias: 'champion',
        records: windowRecords(T, 'w1', true),
      }),
    );
    const run = ok(await call('POST', `${monitorPath}/run`, { window_end: T + MINUTE }));
    const segments = run.segments as WireResult[];
    expect(segments.map((s) => [s.segment, s.rows])).toEqual([
      ['a', 60],
      ['b', 30],
      ['__other__', 10],
    ]);
    const resultId = (run.result as WireResult).result_id;
    expect(segments.every((s) => s.result_id === resultId)).toBe(true);
    const bySegment = new Map(segments.map((s) => [s.segment, s]));
    expect(bySegment.get('b')!.drift!.dataset_drift).toBe(true);
    expect(bySegment.get('a')!.drift!.dataset_drift).toBe(false);
    expect(bySegment.get('__other__')!.drift!.dataset_drift).toBe(false);
    // The segment column is constant inside a segment: it is not compared there.
    expect(bySegment.get('a')!.drift!.columns.map((c) => c.column)).toEqual(['x']);
    const fired = run.fired as WireAlert[];
    const segmentAlert = fired.find((a) => a.segment !== null);
    expect(fired.filter((a) => a.segment !== null)).toHaveLength(1);
    expect(segmentAlert).toMatchObject({ condition: 'data_drift', segment: 'b', state: 'firing' });
    expect(segmentAlert!.message).toMatch(/^segment 'b': data drift: 1 of 1 columns drifted/);
    expect(fired.find((a) => a.segment === null)).toMatchObject({ condition: 'data_drift' });

    const alerts = ok(await call('GET', `${mon}/models/churn/alerts?state=firing`)).alerts as WireAlert[];
    expect(alerts.map((a) => a.segment).sort()).toEqual(['b', null].sort());

    // The outbox event (what webhooks deliver) names the segment.
    const events = await sql<{ payload: string }>`
      select payload from event_outbox where type = 'monitor.alert_fired'`.execute(database.handle.db);
    const payloads = events.rows.map((r) => JSON.parse(r.payload) as { segment?: string; condition: string });
    expect(payloads.filter((p) => p.segment !== undefined)).toEqual([
      expect.objectContaining({ segment: 'b', condition: 'data_drift' }),
    ]);

    // Prometheus: each segment's drift share in the latest window.
    const metrics = await (await fetch(`${server.address}/metrics`)).text();
    const shares = metrics
      .split('\n')
      .filter((l) => l.startsWith('bosun_monitor_segment_drift_share{'))
      .map((l) => l.replace(/^[^{]*\{model="churn",monitor="by-city",/, ''))
      .sort();
    expect(shares).toEqual(['segment="__other__"} 0', 'segment="a"} 0', 'segment="b"} 1']);
  });

  it('keeps a time series per segment, lists the segments, and resolves the segment alert on a clean window', async () => {
    ok(
      await call('POST', `${mon}/models/churn/predictions`, {
        alias: 'champion',
        records: windowRecords(T + MINUTE, 'w2', false),
      }),
    );
    const run = ok(await call('POST', `${monitorPath}/run`, { window_end: T + 2 * MINUTE }));
    const resolved = run.resolved as WireAlert[];
    expect(resolved.filter((a) => a.segment === 'b').map((a) => a.condition)).toEqual(['data_drift']);
    expect((run.fired as WireAlert[]).filter((a) => a.segment !== null)).toEqual([]);

    const series = ok(await call('GET', `${monitorPath}/results?segment=b`)).results as WireResult[];
    expect(series.map((r) => [r.segment, r.rows, r.status])).toEqual([
      ['b', 30, 'ok'],
      ['b', 30, 'breach'],
    ]);
    const whole = ok(await call('GET', `${monitorPath}/results`)).results as WireResult[];
    expect(whole.map((r) => [r.segment, r.rows])).toEqual([
      [null, 100],
      [null, 100],
    ]);
    expect(ok(await call('GET', `${monitorPath}/segments`)).segments).toEqual([
      { segment: '__other__', windows: 2 },
      { segment: 'a', windows: 2 },
      { segment: 'b', windows: 2 },
    ]);
    expect(ok(await call('GET', `${monitorPath}/results?segment=nowhere`)).results).toEqual([]);
  });

  it("fires a segment's alert only after fire_after breaching windows of that segment", async () => {
    const monitor = ok(
      await call('POST', `${mon}/models/churn/monitors`, {
        name: 'by-city-patient',
        alias: 'champion',
        reference_id: referenceId,
        window_ms: MINUTE,
        config: { min_rows: 5, segment_by: 'city', segment_alerts: true, fire_after: 2 },
      }),
    );
    const path = `${mon}/models/churn/monitors/${(monitor.monitor as { monitor_id: string }).monitor_id}`;
    // The first window (b drifted) judged twice: b breaches once, then twice in a row.
    const first = ok(await call('POST', `${path}/run`, { window_end: T + MINUTE }));
    expect((first.fired as WireAlert[]).filter((a) => a.segment !== null)).toEqual([]);
    const second = ok(await call('POST', `${path}/run`, { window_end: T + MINUTE }));
    expect((second.fired as WireAlert[]).filter((a) => a.segment !== null).map((a) => a.segment)).toEqual([
      'b',
    ]);
    const alerts = ok(await call('GET', `${mon}/models/churn/alerts?monitor_id=${path.split('/').pop()!}`))
      .alerts as WireAlert[];
    expect(alerts.filter((a) => a.segment === 'b')).toHaveLength(1);
  });

  it('refuses segment settings that cannot work with 400s', async () => {
    const create = (name: string, config: Record<string, unknown>) =>
      call('POST', `${mon}/models/churn/monitors`, {
        name,
        reference_id: referenceId,
        window_ms: MINUTE,
        config,
      });
    expectBadRequest(await create('m1', { segment_by: 'x' }), "'x' is a numerical column");
    expectBadRequest(
      await create('m2', { segment_by: 'country' }),
      "'country' is not a column of the reference",
    );
    expectBadRequest(await create('m3', { segment_by: 'city', max_segments: 0 }), 'max_segments must be');
    expectBadRequest(await create('m4', { segment_alerts: true }), 'need segment_by');
    const plain = ok(await create('plain', {}));
    const id = (plain.monitor as { monitor_id: string }).monitor_id;
    expect((plain.monitor as { config: unknown }).config).toMatchObject({
      segment_by: null,
      segment_alerts: false,
    });
    expectBadRequest(
      await call('GET', `${mon}/models/churn/monitors/${id}/results?segment=a`),
      'has no segment_by',
    );
  });
});
