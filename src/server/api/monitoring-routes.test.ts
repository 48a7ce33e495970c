import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openUnmigratedTestDatabase,
  testEngines,
  type TestDatabase,
} from '../../db/test-support/test-databases.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import {
  basicAuthorization,
  jsonRequest,
  registerAliasedVersion,
  type JsonAnswer,
} from '../test-support/json-request.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const adminPassword = 'Correct-Horse-42-battery';
const evePassword = 'Another-Strong-Pass-7';
const mlflow = '/api/2.0/mlflow';
const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

/** Reference rows: x spread evenly over (0, 1), city cycling a, b, c. */
const referenceRows = Array.from({ length: 200 }, (_, i) => ({
  x: (i + 0.5) / 200,
  city: ['a', 'b', 'c'][i % 3]!,
}));

/** A window of 100 records starting at `start`: the reference's distribution, or shifted (x + 5, city z). */
function windowRecords(start: number, drifted: boolean, idPrefix: string) {
  return Array.from({ length: 100 }, (_, j) => ({
    features: { x: (j + 0.5) / 100 + (drifted ? 5 : 0), city: drifted ? 'z' : ['a', 'b', 'c'][j % 3]! },
    prediction: j % 2,
    label: j % 2,
    timestamp: start + j * 100,
    request_id: `${idPrefix}-${j}`,
  }));
}

/** Prometheus text → samples, checking every line's syntax and that each sample follows its family's TYPE. */
function parsePrometheus(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const typed = new Set<string>();
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      typed.add(type[1]!);
      continue;
    }
    const m = sampleLine.exec(line);
    expect(m, `bad line: ${line}`).not.toBeNull();
    const name = m![1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(typed.has(name) || typed.has(family), `no TYPE before ${name}`).toBe(true);
    const labels: Record<string, string> = {};
    if (m![3]) {
      labelPair.lastIndex = 0;
      let consumed = 0;
      let pair: RegExpExecArray | null;
      while ((pair = labelPair.exec(m![3])) !== null) {
        labels[pair[1]!] = pair[2]!.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
        consumed = labelPair.lastIndex;
      }
      expect(consumed, `bad labels: ${line}`).toBe(m![3].length);
    }
    const raw = m![4]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    expect(raw === 'NaN' || !Number.isNaN(value), `bad value: ${line}`).toBe(true);
    samples.push({ name, labels, value });
  }
  return samples;
}

describe.each(testEngines)('monitoring over HTTP on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  const admin = basicAuthorization('admin', adminPassword);
  const eve = basicAuthorization('eve', evePassword);
  let monitorPath = '';

  const call = (method: string, path: string, body?: unknown, as = admin): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body, { authorization: as });
  const scrape = async (as = admin) => {
    const res = await fetch(`${server.address}/metrics`, { headers: { authorization: as } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    return parsePrometheus(await res.text());
  };
  const loggedCount = async (): Promise<number> =>
    (await scrape()).find((s) => s.name === 'bosun_predictions_logged_total' && s.labels.model === 'churn')
      ?.value ?? 0;
  const expectBadRequest = (answer: JsonAnswer, fragment: string) => {
    expect(answer.status).toBe(400);
    expect(answer.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(answer.json.message)).toContain(fragment);
  };

  beforeAll(async () => {
    database = await openUnmigratedTestDatabase(engine, 'monitoring');
    dir = mkdtempSync(join(tmpdir(), 'bosun-monitoring-'));
    const config = loadServerConfig(
      {
        port: 0,
        backendStoreUri: database.uri,
        artifactsDestination: join(dir, 'artifacts'),
        logLevel: 'silent',
        authEnabled: true,
      },
      { BOSUN_ADMIN_USERNAME: 'admin', BOSUN_ADMIN_PASSWORD: adminPassword },
    );
    server = await startServer({ ...config, defaultPermission: 'NO_PERMISSIONS' }, testStartOptions);
    await new UserService({ handle: database.handle, scrypt: testPasswordHashing }).createUser({
      username: 'eve',
      password: evePassword,
    });

    await registerAliasedVersion(call, 'churn', 'champion');
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores a reference with its column types and profile', async () => {
    const created = await call('POST', `${mon}/models/churn/references`, {
      name: 'training',
      version: '1',
      rows: referenceRows,
    });
    expect(created.status).toBe(200);
    const reference = created.json.reference as Record<string, unknown>;
    expect(reference).toMatchObject({
      reference_id: '1',
      name: 'training',
      version: '1',
      rows: 200,
      columns: [
        { name: 'x', type: 'numerical' },
        { name: 'city', type: 'categorical' },
      ],
    });
    const profile = reference.profile as Record<string, unknown>[];
    expect(profile[0]).toMatchObject({ kind: 'numerical', count: 200, missing: 0, min: 0.0025, max: 0.9975 });
    expect(profile[1]).toMatchObject({ kind: 'categorical', distinct: 3 });
    const again = await call('POST', `${mon}/models/churn/references`, {
      name: 'training',
      rows: referenceRows,
    });
    expect(again.status).toBe(400);
    expect(again.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const bad = await call('POST', `${mon}/models/churn/references`, { name: 'bad', rows: [{ x: [1] }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('refuses a batch with one bad record whole, naming the record, and stores nothing of it', async () => {
    const records = windowRecords(T, false, 'bad');
    const withObject = records.map((r, i) =>
      i === 5 ? { ...r, features: { ...r.features, x: { v: 1 } } } : r,
    );
    const answer = await call('POST', `${mon}/models/churn/predictions`, {
      alias: 'champion',
      records: withObject,
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(answer.json.message)).toMatch(/records.*5.*features.*x/);

    const duplicate = records.map((r, i) => (i === 7 ? { ...r, request_id: 'bad-2' } : r));
    expectBadRequest(
      await call('POST', `${mon}/models/churn/predictions`, { alias: 'champion', records: duplicate }),
      "records[7].request_id: 'bad-2' is also records[2]'s",
    );
    const missingPrediction = records.map((r, i) => (i === 9 ? { features: r.features } : r));
    const noPrediction = await call('POST', `${mon}/models/churn/predictions`, {
      version: '1',
      records: missingPrediction,
    });
    expect(noPrediction.status).toBe(400);
    expect(String(noPrediction.json.message)).toContain('prediction');
    const tooMany = Array.from({ length: 10_001 }, () => ({ features: {}, prediction: 1 }));
    expect(
      (await call('POST', `${mon}/models/churn/predictions`, { version: '1', records: tooMany })).status,
    ).toBe(400);
    expectBadRequest(
      await call('POST', `${mon}/models/churn/predictions`, { version: '1', alias: 'champion', records }),
      'either version or alias',
    );
    const unknownAlias = await call('POST', `${mon}/models/churn/predictions`, { alias: 'nope', records });
    expect(unknownAlias.status).toBe(400);
    const notJson = await call('POST', `${mon}/models/churn/predictions`, '{"records": [');
    expect(notJson.status).toBe(400);
    const unknownModel = await call('POST', `${mon}/models/ghost/predictions`, { version: '1', records });
    expect(unknownModel.status).toBe(404);
    expect(await loggedCount()).toBe(0);

    // A request id logged before refuses the batch that repeats it, good records included.
    const first = await call('POST', `${mon}/models/churn/predictions`, {
      alias: 'champion',
      records: [
        { features: { x: 0.5, city: 'a' }, prediction: 1, timestamp: T - 10 * MINUTE, request_id: 'once' },
      ],
    });
    expect(first.json).toEqual({ logged: 1, version: '1' });
    const repeated = [...records.slice(0, 3), { ...records[3]!, request_id: 'once' }];
    expectBadRequest(
      await call('POST', `${mon}/models/churn/predictions`, { alias: 'champion', records: repeated }),
      "records[3].request_id: 'once' was logged before",
    );
    expect(await loggedCount()).toBe(1);
    // Labels for an unknown request id: none of the batch is applied.
    expectBadRequest(
      await call('POST', `${mon}/models/churn/labels`, {
        labels: [
          { request_id: 'once', label: 1 },
          { request_id: 'never', label: 0 },
        ],
      }),
      "labels[1].request_id: no prediction 'never'",
    );
    const labels = (await scrape()).find(
      (s) => s.name === 'bosun_labels_logged_total' && s.labels.model === 'churn',
    );
    expect(labels?.value).toBe(0);
  });

  it('stores one of two identical batches sent at once, whole, and refuses the other', async () => {
    const records = Array.from({ length: 1_500 }, (_, j) => ({
      features: { x: 0.5, city: 'a' },
      prediction: 1,
      timestamp: T - 30 * MINUTE,
      request_id: `race-${j}`,
    }));
    const before = await loggedCount();
    const answers = await Promise.all(
      [0, 1].map(() => call('POST', `${mon}/models/churn/predictions`, { version: '1', records })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expect(answers.find((a) => a.status === 400)!.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(await loggedCount()).toBe(before + 1_500);
  });

  it('fires an alert on a drifted window, once, and resolves it on a clean one', async () => {
    const created = await call('POST', `${mon}/models/churn/monitors`, {
      name: 'inputs',
      alias: 'champion',
      reference_id: '1',
      window_ms: MINUTE,
      config: { task: 'classification', performance_thresholds: { accuracy: 0.5 }, min_rows: 10 },
    });
    expect(created.status).toBe(200);
    const monitor = created.json.monitor as Record<string, unknown>;
    expect(monitor).toMatchObject({ name: 'inputs', alias: 'champion', version: null, window_ms: MINUTE });
    monitorPath = `${mon}/models/churn/monitors/${String(monitor.monitor_id)}`;

    const log = async (start: number, drifted: boolean, prefix: string) => {
      const answer = await call('POST', `${mon}/models/churn/predictions`, {
        alias: 'champion',
        records: windowRecords(start, drifted, prefix),
      });
      expect(answer.json).toEqual({ logged: 100, version: '1' });
    };
    const run = async (windowEnd: number) => {
      const answer = await call('POST', `${monitorPath}/run`, { window_end: windowEnd });
      expect(answer.status).toBe(200);
      return answer.json as {
        result: Record<string, unknown> & { drift: Record<string, unknown> | null };
        fired: Record<string, unknown>[];
        resolved: Record<string, unknown>[];
      };
    };

    // An empty window: too few rows, nothing judged.
    const empty = await run(T - 20 * MINUTE);
    expect(empty.result).toMatchObject({ status: 'insufficient_data', rows: 0 });

    await log(T, false, 'w1');
    const clean = await run(T + MINUTE);
    expect(clean.result).toMatchObject({ status: 'ok', rows: 100, labelled_rows: 100 });
    expect(clean.result.drift).toMatchObject({ dataset_drift: false, drifted_columns: 0, tested_columns: 2 });
    expect(clean.result.performance).toMatchObject({ metrics: { accuracy: 1, f1: 1 }, violations: [] });
    expect(clean.fired).toEqual([]);

    await log(T + MINUTE, true, 'w2');
    const drifted = await run(T + 2 * MINUTE);
    expect(drifted.result).toMatchObject({
      status: 'breach',
      breaches: { data_drift: true, performance: false },
    });
    expect(drifted.result.drift).toMatchObject({ dataset_drift: true, drifted_columns: 2 });
    expect(drifted.fired).toHaveLength(1);
    expect(drifted.fired[0]).toMatchObject({ condition: 'data_drift', state: 'firing', model_name: 'churn' });
    expect(String(drifted.fired[0]!.message)).toContain('2 of 2 columns drifted');

    // The window's full report, as `bosun drift` writes it: HTML for people, JSON for machines.
    const reportPath = `${monitorPath}/results/${String(drifted.result.result_id)}/report`;
    const html = await fetch(`${server.address}${reportPath}`, { headers: { authorization: admin } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = await html.text();
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('Dataset drift detected');
    const json = await call('GET', `${reportPath}?format=json`);
    expect(json.status).toBe(200);
    expect(json.json).toMatchObject({
      schema: 'bosun.drift-report/v1',
      current: { rows: 100 },
      reference: { rows: 200 },
      dataset: { testedColumns: 2, driftedColumns: 2, driftDetected: true },
    });
    expect((await call('GET', `${monitorPath}/results/999/report`)).status).toBe(404);

    // The same drifted window again: still breaching, no second alert.
    const again = await run(T + 2 * MINUTE);
    expect(again.result.status).toBe('breach');
    expect(again.fired).toEqual([]);
    const firing = await call('GET', `${mon}/models/churn/alerts?state=firing`);
    expect((firing.json.alerts as unknown[]).length).toBe(1);

    const metricsWhileFiring = await scrape();
    const firingGauge = (samples: Awaited<ReturnType<typeof scrape>>) =>
      samples.find(
        (s) =>
          s.name === 'bosun_monitor_alert_firing' &&
          s.labels.model === 'churn' &&
          s.labels.monitor === 'inputs' &&
          s.labels.condition === 'data_drift',
      )?.value;
    expect(firingGauge(metricsWhileFiring)).toBe(1);

    await log(T + 2 * MINUTE, false, 'w3');
    const recovered = await run(T + 3 * MINUTE);
    expect(recovered.result.status).toBe('ok');
    expect(recovered.resolved).toHaveLength(1);
    expect(recovered.resolved[0]).toMatchObject({
      condition: 'data_drift',
      state: 'resolved',
      alert_id: drifted.fired[0]!.alert_id,
      resolved_result_id: recovered.result.result_id,
    });

    const alerts = await call('GET', `${mon}/alerts`);
    expect(alerts.json.alerts).toEqual([
      expect.objectContaining({ state: 'resolved', condition: 'data_drift' }),
    ]);
    const results = await call('GET', `${monitorPath}/results?max_results=3`);
    expect((results.json.results as { status: string }[]).map((r) => r.status)).toEqual([
      'ok',
      'breach',
      'breach',
    ]);

    const samples = await scrape();
    expect(firingGauge(samples)).toBe(0);
    const share = samples.find(
      (s) => s.name === 'bosun_monitor_drift_share' && s.labels.monitor === 'inputs',
    );
    expect(share?.value).toBe(0);
    const accuracy = samples.find(
      (s) => s.name === 'bosun_monitor_performance' && s.labels.metric === 'accuracy',
    );
    expect(accuracy?.value).toBe(1);
    expect(await loggedCount()).toBe(1_801);
    // The server's own counters cover routes registered before and after the monitoring plugin.
    const requests = samples.filter((s) => s.name === 'bosun_http_requests_total');
    expect(requests.find((s) => s.labels.route === `${mlflow}/runs/create`)?.value).toBeGreaterThan(0);
    expect(
      requests.find((s) => s.labels.route === `${mon}/models/:name/monitors/:monitor_id/run`)?.value,
    ).toBe(5);
    const histogramCount = samples.find(
      (s) =>
        s.name === 'bosun_http_request_duration_seconds_count' &&
        s.labels.route === `${mon}/models/:name/monitors/:monitor_id/run`,
    );
    expect(histogramCount?.value).toBe(5);
  });

  it("keeps a model's monitors from users without read on it", async () => {
    expect((await call('GET', `${mon}/models/churn/monitors`, undefined, eve)).status).toBe(403);
    expect((await call('GET', `${monitorPath}/results`, undefined, eve)).status).toBe(403);
    expect((await call('GET', `${monitorPath}/results/1/report`, undefined, eve)).status).toBe(403);
    expect((await call('GET', `${mon}/models/churn/alerts`, undefined, eve)).status).toBe(403);
    expect((await call('POST', `${monitorPath}/run`, {}, eve)).status).toBe(403);
    const predictions = { version: '1', records: [{ features: { x: 1 }, prediction: 1 }] };
    expect((await call('POST', `${mon}/models/churn/predictions`, predictions, eve)).status).toBe(403);
    expect((await call('GET', `${mon}/alerts`, undefined, eve)).json).toEqual({ alerts: [] });
    const hidden = await scrape(eve);
    expect(hidden.some((s) => s.labels.model === 'churn')).toBe(false);

    const grant = { name: 'churn', username: 'eve', permission: 'READ' };
    expect((await call('POST', `${mlflow}/registered-models/permissions/create`, grant)).status).toBe(200);
    const listed = await call('GET', `${mon}/models/churn/monitors`, undefined, eve);
    expect(listed.status).toBe(200);
    expect((listed.json.monitors as unknown[]).length).toBe(1);
    expect((await call('POST', `${monitorPath}/run`, {}, eve)).status).toBe(403);
    expect((await call('DELETE', monitorPath, undefined, eve)).status).toBe(403);
    expect((await scrape(eve)).some((s) => s.labels.model === 'churn')).toBe(true);
  });

  it('deletes a monitor with its results and alerts', async () => {
    expect((await call('DELETE', monitorPath)).status).toBe(200);
    expect((await call('GET', monitorPath)).status).toBe(404);
    expect((await call('GET', `${mon}/alerts`)).json).toEqual({ alerts: [] });
    // The audit log names the monitor for routes on one monitor, the registered model for the others.
    const audit = await call('GET', '/api/bosun/v1/audit-log?max_results=1000');
    const entries = audit.json.entries as { action: string; resource_type: string; resource_id: string }[];
    const id = monitorPath.split('/').pop()!;
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'DELETE /api/bosun/v1/monitoring/models/:name/monitors/:monitor_id',
        resource_type: 'monitor',
        resource_id: `churn/${id}`,
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'POST /api/bosun/v1/monitoring/models/:name/monitors',
        resource_type: 'registered_model',
        resource_id: 'churn',
      }),
    );
  });
});
