import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNumber } from '../src/components/format';
import { e2e, expectAccessible, openSession, ui, type UiSession } from './support/browser';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

const MODEL = 'ui-e2e-monitored';
const MINUTE = 60_000;
/** The first window starts here: an hour ago, so every window is in the past. */
const T0 = Math.floor((Date.now() - 60 * MINUTE) / MINUTE) * MINUTE;

type Json = Record<string, unknown>;

async function call(method: 'GET' | 'POST', path: string, body?: Json): Promise<Json> {
  const res = await fetch(`${e2e().baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** 100 predictions one second apart from `start`: x spread over (0, 1) and city a/b/c, or shifted and 'z'. */
const records = (start: number, drifted: boolean, prefix: string) =>
  Array.from({ length: 100 }, (_, j) => ({
    features: {
      x: (j + 0.5) / 100 + (drifted ? 5 : 0),
      city: drifted ? 'z' : (['a', 'b', 'c'][j % 3] ?? 'a'),
    },
    prediction: j % 2,
    label: j % 2,
    timestamp: start + j * 100,
    request_id: `${prefix}-${j}`,
  }));

interface Fixture {
  inputs: string;
  income: string;
  /** Results of `inputs`, in the order they ran: clean, drifted, clean. */
  results: Json[];
  firingMessage: string;
  resolvedMessage: string;
}
let fixture: Fixture;
let session: UiSession;

/**
 * Through the monitoring API, as a user's service would: a registered model with a version, a reference of
 * 200 rows, two monitors; `inputs` judges a clean window, a drifted one (an alert fires) and a clean one (it
 * resolves); `income` watches only x and judges the drifted window (its alert stays firing).
 */
beforeAll(async () => {
  const mlflow = '/api/2.0/mlflow';
  const mon = `/api/bosun/v1/monitoring/models/${MODEL}`;
  await call('POST', `${mlflow}/registered-models/create`, { name: MODEL });
  const run = (await call('POST', `${mlflow}/runs/create`, { experiment_id: '0' })).run as Json;
  const runId = String((run.info as Json).run_id);
  await call('POST', `${mlflow}/model-versions/create`, {
    name: MODEL,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  const reference = (
    await call('POST', `${mon}/references`, {
      name: 'training',
      version: '1',
      rows: Array.from({ length: 200 }, (_, i) => ({
        x: (i + 0.5) / 200,
        city: ['a', 'b', 'c'][i % 3] ?? 'a',
      })),
    })
  ).reference as Json;
  const monitor = async (name: string, extra: Json) =>
    String(
      (
        (
          await call('POST', `${mon}/monitors`, {
            name,
            version: '1',
            reference_id: reference.reference_id,
            window_ms: MINUTE,
            ...extra,
          })
        ).monitor as Json
      ).monitor_id,
    );
  const inputs = await monitor('inputs', { schedule_ms: 5 * MINUTE });
  const income = await monitor('income', { columns: ['x'], config: { preset: 'bosun' } });
  await call('POST', `${mon}/predictions`, { version: '1', records: records(T0, false, 'w1') });
  await call('POST', `${mon}/predictions`, { version: '1', records: records(T0 + MINUTE, true, 'w2') });
  await call('POST', `${mon}/predictions`, { version: '1', records: records(T0 + 2 * MINUTE, false, 'w3') });
  const results: Json[] = [];
  const runMonitor = async (id: string, end: number) =>
    (await call('POST', `${mon}/monitors/${id}/run`, { window_end: end })) as {
      result: Json;
      fired: Json[];
      resolved: Json[];
    };
  results.push((await runMonitor(inputs, T0 + MINUTE)).result);
  const drifted = await runMonitor(inputs, T0 + 2 * MINUTE);
  results.push(drifted.result);
  results.push((await runMonitor(inputs, T0 + 3 * MINUTE)).result);
  const firing = await runMonitor(income, T0 + 2 * MINUTE);
  fixture = {
    inputs,
    income,
    results,
    resolvedMessage: String(drifted.fired[0]?.message),
    firingMessage: String(firing.fired[0]?.message),
  };
  session = await openSession();
}, 120_000);

afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const rowsOf = (selector: string) =>
  session.page
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) =>
        [...r.querySelectorAll('th, td')].map((c) =>
          (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
        ),
      ),
    );

const columnsOf = (result: Json) => ((result.drift as Json).columns as Json[]).map((c) => c);

describe('monitoring pages (issue 11: pages for monitoring)', () => {
  it("lists a model's monitors with their last result, draws the windows' drift share and shows a window's columns", async () => {
    const { page } = session;
    await page.goto(ui(`#/models/${MODEL}/monitoring`));
    await poll(() => page.locator('h1').innerText()).toBe(`Monitoring of ${MODEL}`);
    await poll(() => page.locator('section > p[role=status]').first().innerText()).toBe('2 monitors');
    const monitors = await rowsOf('table[aria-label=Monitors]');
    expect(monitors.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[7]])).toEqual(
      [
        ['inputs', 'version 1', 'evidently', '1 min 0 s', 'every 5 min 0 s', 'all', 'ok (drift share 0)'],
        ['income', 'version 1', 'bosun', '1 min 0 s', 'on demand', 'x', 'breach (drift share 1)'],
      ].sort(
        (a, b) =>
          Number(a[0] === 'inputs' ? fixture.inputs : fixture.income) -
          Number(b[0] === 'inputs' ? fixture.inputs : fixture.income),
      ),
    );
    for (const r of monitors) expect(r[6]).toMatch(/ago$|now$/);

    // The first monitor is selected: its three windows, newest first, and the chart of their drift share.
    await poll(() => page.locator('h2#results-title').innerText()).toBe('Results of inputs');
    await poll(async () => (await rowsOf('table[aria-label=Windows]')).map((r) => r.slice(1))).toEqual([
      ['100', '100', '0 of 2', '0', 'ok'],
      ['100', '100', '2 of 2', '1', 'breach'],
      ['100', '100', '0 of 2', '0', 'ok'],
    ]);
    const chart = page.locator('.drift-chart svg');
    expect(await chart.getAttribute('data-points')).toBe('3');
    expect(await chart.locator('circle.drifted').count()).toBe(1);
    expect(await chart.locator('circle.clean').count()).toBe(2);
    expect(await chart.locator('line.threshold').count()).toBe(1);

    // The drifted window: its columns with test, p-value, threshold and verdict, and the full report.
    const drifted = fixture.results[1] ?? {};
    await page.locator('table[aria-label=Windows] tbody tr').nth(1).locator('a').click();
    await poll(() => page.url()).toBe(
      ui(`#/models/${MODEL}/monitoring?monitor=${fixture.inputs}&result=${String(drifted.result_id)}`),
    );
    await poll(() => page.locator('.result-summary').innerText()).toBe(
      '100 rows, 100 labelled; 2 of 2 columns drifted (share 1, threshold 0.5): dataset drift',
    );
    const expected = columnsOf(drifted).map((c) => [
      String(c.column),
      String(c.type),
      String(c.method),
      formatNumber(Number(c.score)),
      formatNumber(Number(c.threshold)),
      'yes',
    ]);
    expect(expected.map((r) => r[2]).sort()).toEqual(['chisquare', 'ks']);
    expect(await rowsOf('table[aria-label="Columns of the window"]')).toEqual(expected);
    const frame = page.locator('iframe.report-frame');
    await poll(() => frame.getAttribute('srcdoc')).toContain('Dataset drift detected');
    // No script may run in the frame; the report's own stylesheet applies (adopted, not inline).
    expect(await frame.getAttribute('sandbox')).toBe('allow-same-origin');
    const report = page.frameLocator('iframe.report-frame');
    await poll(() => report.locator('body').evaluate((b) => b.ownerDocument.adoptedStyleSheets.length)).toBe(
      1,
    );
    expect(await report.locator('body').innerText()).toContain('Dataset drift detected');
    expect(
      await report.locator('body').evaluate((b) => b.ownerDocument.querySelectorAll('style, script').length),
    ).toBe(0);
    const newTab = page.getByRole('link', { name: 'Open the report in a new tab' });
    expect(await newTab.getAttribute('href')).toBe(
      `api/bosun/v1/monitoring/models/${MODEL}/monitors/${fixture.inputs}/results/${String(drifted.result_id)}/report`,
    );
    expect(await newTab.getAttribute('target')).toBe('_blank');

    // The model's alerts: the one `inputs` fired and resolved, the one `income` keeps firing.
    const alerts = await rowsOf('table[aria-labelledby=model-alerts-title]');
    expect(alerts.map((r) => r.slice(0, 4))).toEqual([
      ['firing', 'income', 'data_drift', fixture.firingMessage],
      ['resolved', 'inputs', 'data_drift', fixture.resolvedMessage],
    ]);
    expect(alerts[0]?.[5]).toBe('—');
    expect(alerts[1]?.[5]).toMatch(/ago$/);
    await expectAccessible(page, 'the monitoring page');
  });

  it('a clean window shows every column as not drifted; an unknown monitor is reported in place', async () => {
    const { page } = session;
    const clean = fixture.results[2] ?? {};
    await page.goto(
      ui(`#/models/${MODEL}/monitoring?monitor=${fixture.inputs}&result=${String(clean.result_id)}`),
    );
    await poll(() => page.locator('.result-summary').innerText()).toBe(
      '100 rows, 100 labelled; 0 of 2 columns drifted (share 0, threshold 0.5): no dataset drift',
    );
    expect((await rowsOf('table[aria-label="Columns of the window"]')).map((r) => [r[0], r[5]])).toEqual(
      columnsOf(clean).map((c) => [String(c.column), 'no']),
    );
    await page.goto(ui(`#/models/${MODEL}/monitoring?monitor=999`));
    await poll(() => page.locator('[role=alert]').innerText()).toBe('This model has no monitor 999.');
    await page.goto(ui('#/models/no-such-model/monitoring'));
    await poll(() => page.locator('[role=alert]').innerText()).toMatch(
      /^Could not load the monitors: .*no-such-model/,
    );
  });

  it("shows the monitor's long window from its merged sketches, each distance with its error bound", async () => {
    const { page } = session;
    const answer = await call(
      'GET',
      `/api/bosun/v1/monitoring/models/${MODEL}/monitors/${fixture.inputs}/long-window`,
    );
    const long = answer.long_window as Json;
    const drift = long.drift as Json;
    // The three windows of `inputs`, one of them drifted (x moved by 5, city z): 300 rows merged.
    expect([long.windows, long.rows]).toEqual([3, 300]);
    const columns = drift.columns as Json[];
    await page.goto(ui(`#/models/${MODEL}/monitoring?monitor=${fixture.inputs}`));
    await poll(() => page.locator('h2#long-window-title').innerText()).toBe(
      'Long window (last 30 days, from sketches)',
    );
    await poll(() => page.locator('.long-window-summary').innerText()).toContain(
      `3 windows, 300 rows merged`,
    );
    expect(await page.locator('.long-window-summary').innerText()).toContain(
      `approximate, quantiles within ${formatNumber(Number(drift.relative_accuracy) * 100)} %: ` +
        `${drift.dataset_drift === true ? 'dataset drift' : 'no dataset drift'}, ` +
        `${String(drift.drifted_columns)} of ${String(drift.tested_columns)} columns drifted`,
    );
    const expected = columns.map((c) => {
      const current = c.current as Json;
      const fresh = c.new_categories as { value: string; count: number }[];
      return [
        String(c.column),
        String(c.method),
        formatNumber(Number(c.score)),
        c.error_bound === null ? '—' : formatNumber(Number(c.error_bound)),
        formatNumber(Number(c.threshold)),
        `${c.drift_detected === true ? 'drifted' : 'no'}${c.verdict_certain === true ? '' : ' (within the bound)'}`,
        current.missing_rate === null ? '—' : `${formatNumber(Number(current.missing_rate) * 100)} %`,
        fresh.length === 0 ? '—' : fresh.map((n) => `${n.value} (${n.count})`).join(', '),
      ];
    });
    // x is compared by a distance with a bound; city's new category z holds the 100 drifted rows.
    expect(expected.map((r) => r[0])).toEqual(['x', 'city']);
    expect(expected[1]?.[7]).toBe('z (100)');
    expect(await rowsOf('table[aria-label="Long window columns"]')).toEqual(expected);
    // A segment's series has no sketches: the long window is of whole windows only (see the segments test file).
    await expectAccessible(page, 'the monitoring page with its long window');
  });

  it('the global alerts list, from the main navigation, filters by state and links to the model', async () => {
    const { page } = session;
    await page.goto(ui('#/experiments'));
    await page.locator('nav[aria-label=Main]').getByRole('link', { name: 'Alerts' }).click();
    await poll(() => page.locator('h1').innerText()).toBe('Monitoring alerts');
    await poll(() => page.locator('[role=status]').innerText()).toBe('2 alerts (1 firing)');
    const mine = (await rowsOf('table[aria-labelledby=alerts-title]')).filter((r) => r[1] === MODEL);
    expect(mine.map((r) => r.slice(0, 4))).toEqual([
      ['firing', MODEL, 'income', 'data_drift'],
      ['resolved', MODEL, 'inputs', 'data_drift'],
    ]);
    await expectAccessible(page, 'the alerts list');
    await page.getByRole('link', { name: 'Firing' }).click();
    await poll(() => page.url()).toBe(ui('#/alerts?state=firing'));
    await poll(() => page.locator('[role=status]').innerText()).toBe('1 alert (1 firing)');
    expect((await rowsOf('table[aria-labelledby=alerts-title]')).map((r) => r.slice(0, 3))).toEqual([
      ['firing', MODEL, 'income'],
    ]);
    await page.getByRole('link', { name: 'income' }).click();
    await poll(() => page.url()).toBe(ui(`#/models/${MODEL}/monitoring?monitor=${fixture.income}`));
    await poll(() => page.locator('h2#results-title').innerText()).toBe('Results of income');
  });

  it("the model's and the version's pages link to the monitoring page", async () => {
    const { page } = session;
    await page.goto(ui(`#/models/${MODEL}/versions/1`));
    const fromVersion = page.getByRole('link', { name: `Monitors and alerts of ${MODEL}` });
    await poll(() => fromVersion.getAttribute('href')).toBe(`#/models/${MODEL}/monitoring`);
    await page.goto(ui(`#/models/${MODEL}`));
    await page.getByRole('link', { name: `Monitors and alerts of ${MODEL}` }).click();
    await poll(() => page.url()).toBe(ui(`#/models/${MODEL}/monitoring`));
    await poll(() => page.locator('h1').innerText()).toBe(`Monitoring of ${MODEL}`);
  });

  it("creates a monitor from the page (the server's refusal shown in place first), then deletes it", async () => {
    const { page } = session;
    await page.goto(ui(`#/models/${MODEL}/monitoring`));
    await poll(() => page.locator('section > p[role=status]').first().innerText()).toBe('2 monitors');
    await page.locator('summary', { hasText: 'New monitor' }).click();
    const form = page.locator('form.monitor-form');
    await poll(() => form.locator('#monitor-reference option').allInnerTexts()).toEqual([
      'training (200 rows, version 1)',
    ]);
    expect(await form.locator('#monitor-target option').allInnerTexts()).toEqual(['version 1']);
    await form.getByLabel('Name').fill('created-in-ui');
    await form.getByLabel('Window', { exact: true }).fill('2');
    await form.getByLabel('Run every').fill('10');
    await form.getByLabel('Columns').fill('x');
    await form.getByLabel('Drift share').fill('1.5');
    await form.getByLabel('Task').selectOption('classification');
    await form.getByLabel('Accuracy').fill('0.8');
    await form.getByLabel('Fire after').fill('2');
    await expectAccessible(page, 'the new monitor form');
    // The server's validation message, in place; nothing is created.
    await form.getByRole('button', { name: 'Create monitor' }).click();
    await poll(() => form.locator('[role=alert]').innerText()).toBe(
      'Refused: drift_share must be in (0, 1], got 1.5',
    );
    expect(page.url()).toBe(ui(`#/models/${MODEL}/monitoring`));
    const mon = `/api/bosun/v1/monitoring/models/${MODEL}/monitors`;
    expect(((await call('GET', mon)).monitors as Json[]).map((m) => m.name).sort()).toEqual([
      'income',
      'inputs',
    ]);

    await form.getByLabel('Drift share').fill('0.3');
    await form.getByRole('button', { name: 'Create monitor' }).click();
    await poll(() => page.url()).toMatch(new RegExp(`#/models/${MODEL}/monitoring\\?monitor=\\d+$`));
    const id = new URL(page.url()).hash.split('monitor=')[1] ?? '';
    await poll(() => page.locator('section > p[role=status]').first().innerText()).toBe('3 monitors');
    const row = (await rowsOf('table[aria-label=Monitors]')).find((r) => r[0] === 'created-in-ui');
    expect(row?.slice(0, 8)).toEqual([
      'created-in-ui',
      'version 1',
      'evidently',
      '2 min 0 s',
      'every 10 min 0 s',
      'x',
      'never',
      '—',
    ]);
    await poll(() => page.locator('h2#results-title').innerText()).toBe('Results of created-in-ui');
    expect(await page.locator('.empty').last().innerText()).toBe('This monitor has not run yet.');
    // What the server stored: the form's fields in the API's own names.
    const stored = (await call('GET', `${mon}/${id}`)).monitor as Json;
    expect(stored).toMatchObject({
      name: 'created-in-ui',
      version: '1',
      alias: null,
      window_ms: 2 * MINUTE,
      schedule_ms: 10 * MINUTE,
      columns: ['x'],
    });
    expect(stored.config).toMatchObject({
      preset: 'evidently',
      drift_share: 0.3,
      task: 'classification',
      performance_thresholds: { accuracy: 0.8 },
      fire_after: 2,
    });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete monitor' }).click();
    await poll(() => page.url()).toBe(ui(`#/models/${MODEL}/monitoring`));
    await poll(() => page.locator('section > p[role=status]').first().innerText()).toBe('2 monitors');
    expect((await rowsOf('table[aria-label=Monitors]')).map((r) => r[0]).sort()).toEqual([
      'income',
      'inputs',
    ]);
    expect(((await call('GET', mon)).monitors as Json[]).map((m) => m.name).sort()).toEqual([
      'income',
      'inputs',
    ]);
  });
});
