import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, hashQuery, openSession, ui, type UiSession } from './support/browser';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

let session: UiSession;
const historyRequests: string[] = [];
/** A metric history request, on MLflow's routes or Bosun's. */
const isHistory = (url: string): boolean => /\/metrics\/(get-history|sampled-histories)/.test(url);
/** History requests the page aborted (an abort and refetch as the view re-renders shows up here). */
const historyAborted: string[] = [];
/** The order in which history requests were sent and run requests (runs/get, runs/search) answered. */
const requestOrder: string[] = [];
beforeAll(async () => {
  session = await openSession();
  session.page.on('request', (r) => {
    if (isHistory(r.url())) requestOrder.push('history sent');
  });
  session.page.on('requestfinished', (r) => {
    if (r.url().includes('/mlflow/runs/get?')) requestOrder.push('run answered');
    if (r.url().endsWith('/mlflow/runs/search')) requestOrder.push('runs searched');
  });
  session.page.on('requestfailed', (r) => {
    const aborted = r.failure()?.errorText === 'net::ERR_ABORTED';
    if (aborted && isHistory(r.url())) historyAborted.push(r.url());
  });
  // Answered requests only: a request the page aborts (its view re-rendered before the answer) fetched nothing.
  session.page.on('requestfinished', (r) => {
    if (isHistory(r.url())) historyRequests.push(r.url());
  });
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const exp = () => e2e().data.artifacts_experiment;
const childIds = () => exp().children.map((c) => c.id);
const chart = (metric: string) => session.page.locator('figure.metric-chart', { hasText: metric });
const caption = (metric: string) => chart(metric).locator('.chart-facts').innerText();

/** Pixels of the chart's canvas that were painted (not transparent): the lines, axes and labels. */
const paintedPixels = (metric: string) =>
  chart(metric)
    .locator('canvas')
    .evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted += 1;
      return painted;
    });

describe('metric charts (issue 11, point 6)', () => {
  it('draws the sampled history of three runs of 20,000 steps from the columnar sampled-histories route', async () => {
    const { page } = session;
    historyRequests.length = 0;
    requestOrder.length = 0;
    await page.goto(ui(`#/charts?runs=${childIds().join(',')}&metrics=loss`));
    await poll(() => chart('loss').count()).toBe(1);
    // The history named in the URL is asked for with the runs, before any of them is answered.
    expect(requestOrder.slice(0, 1)).toEqual(['history sent']);
    // The three runs (one experiment) come in two requests, not one per run: the first run, then the others
    // searched by id in its experiment.
    await poll(() => requestOrder.filter((e) => e !== 'history sent')).toEqual([
      'run answered',
      'runs searched',
    ]);
    await poll(() => caption('loss')).toBe('3,003 points of 3 runs · y from 0.01005 to 1,000');
    // One sampled request for the three runs, never the whole history.
    expect(historyRequests).toHaveLength(1);
    const asked = new URL(historyRequests[0] ?? '');
    expect(asked.pathname).toBe('/api/bosun/v1/metrics/sampled-histories');
    expect(asked.searchParams.getAll('run_ids')).toEqual(childIds());
    expect(asked.searchParams.get('metric_key')).toBe('loss');
    expect(asked.searchParams.get('max_results')).toBe('1000');
    // What was drawn is what MLflow's own route answers for the same request: 3,003 points, the same y range.
    const mlflowPoints = await page.evaluate(async (query) => {
      const res = await fetch(`api/2.0/mlflow/metrics/get-history-bulk-interval?${query}`);
      const body = (await res.json()) as { metrics: { value: number | string }[] };
      const values = body.metrics.map((m) => Number(m.value)).filter(Number.isFinite);
      return { count: values.length, min: Math.min(...values), max: Math.max(...values) };
    }, asked.searchParams.toString());
    expect(mlflowPoints).toEqual({ count: 3003, min: 0.01005, max: 1000 });
    expect(await chart('loss').locator('.u-legend .u-series .u-label').allInnerTexts()).toEqual([
      'Step',
      'child-0',
      'child-1',
      'child-2',
    ]);
    await poll(() => paintedPixels('loss')).toBeGreaterThan(2000);
    expect(await page.locator('fieldset.metric-choice input:checked').count()).toBe(1);
    expect((await page.locator('fieldset.metric-choice label').allInnerTexts()).map((t) => t.trim())).toEqual(
      ['accuracy', 'loss'],
    );
    await expectAccessible(page, 'the charts page');
  });

  it('fetches each metric history once: no abort and refetch as the page settles or a metric is added', async () => {
    const { page } = session;
    await page.goto(ui('#/experiments'));
    await poll(() => page.locator('h1').innerText()).toBe('Experiments');
    historyRequests.length = 0;
    historyAborted.length = 0;
    await page.goto(ui(`#/charts?runs=${childIds().join(',')}&metrics=loss`));
    await poll(() => caption('loss')).toBe('3,003 points of 3 runs · y from 0.01005 to 1,000');
    await poll(() => paintedPixels('loss')).toBeGreaterThan(2000);
    const metricOf = (url: string) => new URL(url).searchParams.get('metric_key');
    expect(historyRequests.map(metricOf)).toEqual(['loss']);
    expect(historyAborted).toEqual([]);
    // Choosing a second metric fetches its history alone; the loss chart keeps what it has.
    await page.locator('fieldset.metric-choice').getByLabel('accuracy').check();
    await poll(() => caption('accuracy')).toBe('3 points of 3 runs · y from 0.8 to 0.9');
    expect(historyRequests.map(metricOf)).toEqual(['loss', 'accuracy']);
    // A chart setting redraws from the histories already fetched.
    await page.getByRole('group', { name: 'Chart settings' }).getByLabel('Log scale').check();
    await poll(() => hashQuery(page.url()).get('log')).toBe('1');
    await poll(() => caption('loss')).toContain('3,003 points');
    expect(historyRequests.map(metricOf)).toEqual(['loss', 'accuracy']);
    expect(historyAborted).toEqual([]);
  });

  it('keeps every setting in the URL: x axis, log scale, smoothing, envelope, hidden outliers', async () => {
    const { page } = session;
    await page.goto(ui(`#/charts?runs=${childIds().join(',')}&metrics=loss`));
    await poll(() => caption('loss')).toContain('3,003 points');
    const settings = page.getByRole('group', { name: 'Chart settings' });

    await settings.getByLabel('Hide outliers').check();
    await poll(() => caption('loss')).toMatch(
      /^3,003 points of 3 runs · y from 0\.01005 to 1,000 · \d+ outliers outside 0\.01\d* to [\d.]+ hidden$/,
    );
    const hiddenMax = Number(/to ([\d.]+) hidden$/.exec(await caption('loss'))?.[1]);
    expect(hiddenMax).toBeLessThan(1000);
    expect(hashQuery(page.url()).get('outliers')).toBe('hide');

    await settings.getByLabel('Log scale').check();
    expect(hashQuery(page.url()).get('log')).toBe('1');
    await settings.getByLabel('Min/max envelope').check();
    expect(hashQuery(page.url()).get('envelope')).toBe('1');
    await poll(() => chart('loss').locator('.u-legend .u-series .u-label').allInnerTexts()).toEqual([
      'Step',
      'child-0',
      'child-1',
      'child-2',
      'max of runs',
      'min of runs',
    ]);
    await settings.getByLabel('X axis').selectOption('relative');
    expect(hashQuery(page.url()).get('x')).toBe('relative');
    await poll(() => chart('loss').locator('.u-legend .u-series .u-label').first().innerText()).toBe(
      'Time since the run’s first point',
    );
    await settings.getByLabel('Smoothing').fill('0.6');
    expect(hashQuery(page.url()).get('smooth')).toBe('0.6');
    // Smoothing (EMA) pulls the spike down: the largest value drawn is now below 1,000.
    await poll(async () =>
      Number(/to ([\d,.]+)/.exec(await caption('loss'))?.[1]?.replace(/,/g, '')),
    ).toBeLessThan(1000);

    // The URL alone brings the same charts back.
    const url = page.url();
    await page.goto(ui('#/experiments'));
    await page.goto(url);
    await poll(() => caption('loss')).toContain('3,003 points');
    expect(await settings.getByLabel('Log scale').isChecked()).toBe(true);
    expect(await settings.getByLabel('Min/max envelope').isChecked()).toBe(true);
    expect(await settings.getByLabel('Hide outliers').isChecked()).toBe(true);
    expect(await settings.getByLabel('X axis').inputValue()).toBe('relative');
    expect(await settings.getByLabel('Smoothing').inputValue()).toBe('0.6');
    await settings.getByLabel('X axis').selectOption('time');
    await poll(() => chart('loss').locator('.u-legend .u-series .u-label').first().innerText()).toBe(
      'Wall time',
    );
    await poll(() => paintedPixels('loss')).toBeGreaterThan(2000);
    await expectAccessible(page, 'the charts page with every setting');
  });

  it('draws a chart whose code is already loaded at once, without a loading fallback in between', async () => {
    // React holds content back for 300 ms after it shows a Suspense fallback: a chart whose chunk came in while its
    // history was fetched must not suspend. A new page (a new document), its history held until the chart's chunk
    // has been loaded and run.
    const fresh = await openSession();
    try {
      const { page } = fresh;
      await page.addInitScript(() => {
        const w = window as unknown as { sawChartFallback: boolean };
        w.sawChartFallback = false;
        new MutationObserver(() => {
          if (document.body?.innerText.includes('Loading chart…')) w.sawChartFallback = true;
        }).observe(document, { childList: true, subtree: true, characterData: true });
      });
      let release: () => void = () => undefined;
      const released = new Promise<void>((done) => (release = done));
      await page.route('**/api/bosun/v1/metrics/sampled-histories?*', async (route) => {
        await released;
        await route.continue();
      });
      const chunk = page.waitForResponse((r) => /\/assets\/metric-chart-[^/]*\.js$/.test(r.url()));
      await page.goto(ui(`#/charts?runs=${childIds().join(',')}&metrics=loss`));
      const chunkUrl = (await chunk).url();
      // Importing the same URL resolves once the module has run (and after the page's own import of it).
      // (A string, so that vitest does not rewrite the test's own import().)
      await page.evaluate(`import(${JSON.stringify(chunkUrl)}).then(() => true)`);
      release();
      const shown = fresh.page.locator('figure.metric-chart', { hasText: 'loss' }).locator('.chart-facts');
      await poll(() => shown.innerText()).toBe('3,003 points of 3 runs · y from 0.01005 to 1,000');
      expect(
        await page.evaluate(() => (window as unknown as { sawChartFallback: boolean }).sawChartFallback),
      ).toBe(false);
      expect(fresh.problems).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('asks fewer points per run when many runs share a chart: 500 each for 100 runs', async () => {
    const { page } = session;
    const many = e2e().data.many_experiment;
    const found = await page.evaluate(async (experimentId) => {
      const res = await fetch('api/2.0/mlflow/runs/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          experiment_ids: [experimentId],
          max_results: 100,
          order_by: ['attributes.start_time ASC'],
        }),
      });
      return ((await res.json()) as { runs: { info: { run_id: string } }[] }).runs.map((r) => r.info.run_id);
    }, many.id);
    expect(found).toHaveLength(100);
    historyRequests.length = 0;
    requestOrder.length = 0;
    await page.goto(ui(`#/charts?runs=${found.join(',')}&metrics=idx`));
    // Each run logged idx once: 100 points, one a run, whatever the budget.
    await poll(() => caption('idx')).toBe('100 points of 100 runs · y from 0 to 99');
    expect(historyRequests, historyRequests.join('\n')).toHaveLength(1);
    // Not even sent and aborted: the previous page's runs are not charted with this URL's metrics for a render.
    expect(requestOrder.filter((e) => e === 'history sent')).toHaveLength(1);
    const asked = new URL(historyRequests[0] ?? '');
    expect(asked.searchParams.getAll('run_ids')).toEqual(found);
    expect(asked.searchParams.get('max_results')).toBe('500');
  });

  it('a run page charts its own metrics; choosing metrics on the charts page adds a chart', async () => {
    const { page } = session;
    const child = exp().children[0];
    await page.goto(ui(`#/experiments/${exp().id}/runs/${child?.id}`));
    await poll(() => caption('loss')).toBe('1,001 points of 1 run · y from 0.01005 to 1,000');
    await poll(() => caption('accuracy')).toBe('1 point of 1 run · y from 0.8 to 0.8');
    await poll(() => paintedPixels('loss')).toBeGreaterThan(1000);

    await page.goto(ui(`#/charts?runs=${childIds().join(',')}&metrics=loss`));
    await poll(() => chart('loss').count()).toBe(1);
    await page.locator('fieldset.metric-choice').getByLabel('accuracy').check();
    expect(hashQuery(page.url()).get('metrics')).toBe('accuracy,loss');
    await poll(() => caption('accuracy')).toBe('3 points of 3 runs · y from 0.8 to 0.9');
  });

  it('is readable in the dark theme: axes in the theme’s text colour, no contrast violations', async () => {
    const dark = await openSession({ colorScheme: 'dark' });
    try {
      await dark.page.goto(ui(`#/charts?runs=${childIds().join(',')}&metrics=loss`));
      const host = dark.page.locator('figure.metric-chart .chart-canvas');
      await poll(() => host.getAttribute('data-axis-colour')).toBe('#e6edf3');
      const light = session.page;
      await light.goto(ui(`#/charts?runs=${childIds().join(',')}&metrics=loss`));
      await poll(() =>
        light.locator('figure.metric-chart .chart-canvas').getAttribute('data-axis-colour'),
      ).toBe('#1b1f24');
      await expectAccessible(dark.page, 'the charts page in the dark theme');
      expect(dark.problems).toEqual([]);
    } finally {
      await dark.close();
    }
  });
});
