import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, openSession, ui, type UiSession } from './support/browser';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

const MODEL = 'ui-e2e-segmented';
const MINUTE = 60_000;
const T0 = Math.floor((Date.now() - 60 * MINUTE) / MINUTE) * MINUTE;
/** A signature as mlflow writes it in MLmodel: x a double, city a string. */
const MLMODEL = `flavors: {}
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "city", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
`;

type Json = Record<string, unknown>;

async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<Json> {
  const res = await fetch(`${e2e().baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** 60 records of city a (as trained) and 30 of city b, whose x moved by 5; two records lack x. */
const records = (start: number) =>
  [
    ...Array.from({ length: 60 }, (_, j) => ({ x: (j + 0.5) / 60, city: 'a' })),
    ...Array.from({ length: 30 }, (_, j) => ({ x: 5 + (j + 0.5) / 30, city: 'b' })),
    { city: 'a' },
    { city: 'b' },
  ].map((features, j) => ({ features, prediction: j % 2, timestamp: start + j * 100, request_id: `s-${j}` }));

let session: UiSession;
let monitorId = '';

/** A model whose version 1 has a signature, a monitor segmented by city that alerts per segment, one window. */
beforeAll(async () => {
  const mlflow = '/api/2.0/mlflow';
  const mon = `/api/bosun/v1/monitoring/models/${MODEL}`;
  await call('POST', `${mlflow}/registered-models/create`, { name: MODEL });
  const run = (await call('POST', `${mlflow}/runs/create`, { experiment_id: '0' })).run as Json;
  const info = run.info as Json;
  const root = String(info.artifact_uri).replace(/^mlflow-artifacts:\//, '');
  const put = await fetch(`${e2e().baseUrl}/api/2.0/mlflow-artifacts/artifacts/${root}/model/MLmodel`, {
    method: 'PUT',
    body: MLMODEL,
  });
  expect(put.status).toBe(200);
  await call('POST', `${mlflow}/model-versions/create`, {
    name: MODEL,
    source: `runs:/${String(info.run_id)}/model`,
    run_id: String(info.run_id),
  });
  const reference = (
    await call('POST', `${mon}/references`, {
      name: 'training',
      rows: Array.from({ length: 200 }, (_, i) => ({
        x: (Math.floor(i / 2) + 0.5) / 100,
        city: i % 2 ? 'b' : 'a',
      })),
    })
  ).reference as Json;
  const monitor = (
    await call('POST', `${mon}/monitors`, {
      name: 'by-city',
      version: '1',
      reference_id: reference.reference_id,
      window_ms: MINUTE,
      config: { min_rows: 5, segment_by: 'city', segment_alerts: true },
    })
  ).monitor as Json;
  monitorId = String(monitor.monitor_id);
  await call('POST', `${mon}/predictions`, { version: '1', records: records(T0) });
  await call('POST', `${mon}/monitors/${monitorId}/run`, { window_end: T0 + MINUTE });
  session = await openSession();
}, 120_000);

/**
 * The fixture server is shared by every browser test file: the model goes again (with its monitor, results and
 * alerts) so that the other files' counts (the global alerts list) see only their own.
 */
afterAll(async () => {
  if (monitorId !== '') {
    await call('DELETE', `/api/bosun/v1/monitoring/models/${MODEL}/monitors/${monitorId}`);
  }
  await call('DELETE', '/api/2.0/mlflow/registered-models/delete', { name: MODEL });
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

describe('monitoring segments and schema checks in the web UI', () => {
  it("shows a window's schema findings, switches to a segment's series, and names the segment of an alert", async () => {
    const { page } = session;
    await page.goto(ui(`#/models/${MODEL}/monitoring?monitor=${monitorId}`));
    await poll(() => page.locator('h2#results-title').innerText()).toBe('Results of by-city');
    // The whole window: 92 records, and against version 1's signature two of them lack x.
    await poll(async () => (await rowsOf('table[aria-label=Windows]')).map((r) => r[1])).toEqual(['92']);
    await poll(() => page.locator('#schema-title').innerText()).toBe("Schema against version 1's signature");
    expect(await rowsOf('table[aria-labelledby=schema-title]')).toEqual([['x', 'missing (required)', '2']]);

    // The segment selector lists the segments; city b drifted on its own.
    const select = page.locator('#segment-select');
    await poll(() => select.locator('option').allInnerTexts()).toEqual([
      'whole window',
      'a (1 window)',
      'b (1 window)',
    ]);
    await select.selectOption('b');
    await poll(async () => (await rowsOf('table[aria-label=Windows]')).map((r) => r.slice(1))).toEqual([
      ['31', '0', '1 of 1', '1', 'breach'],
    ]);
    await poll(() => page.locator('h2#result-title').innerText()).toMatch(/, segment b$/);
    // The full report follows the selector: segment b's rows against the reference's b rows.
    await poll(() => page.locator('h3:has-text("Full report") a').getAttribute('href')).toMatch(
      /\/results\/\d+\/report\?segment=b$/,
    );
    await poll(() => page.locator('h3:has-text("Full report")').innerText()).toContain('(segment b)');
    await expectAccessible(page, 'the monitoring page with a segment selected');

    // The model's alerts: the whole window's schema alert and city b's drift alert, named; city a is clean.
    const conditions = (await rowsOf('table.alerts-table')).map((r) => r[2]);
    expect(conditions).toContain('data_drift (segment b)');
    expect(conditions).toContain('schema');
    expect(conditions).not.toContain('data_drift (segment a)');
  });
});
