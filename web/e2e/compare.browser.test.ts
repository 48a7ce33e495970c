import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, hashQuery, openSession, ui, type UiSession } from './support/browser';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const exp = () => e2e().data.artifacts_experiment;
const compareUrl = () =>
  ui(
    `#/compare?runs=${exp()
      .children.map((c) => c.id)
      .join(',')}`,
  );

const tableRows = () =>
  session.page
    .locator('table.compare-table tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText.trim())),
    );

describe('compare view (issue 11, point 6)', () => {
  it('puts params and metrics side by side and marks the ones that differ', async () => {
    const { page } = session;
    await page.goto(compareUrl());
    await poll(() => page.locator('h1').innerText()).toBe('Compare 3 runs');
    await poll(() => page.locator('#diff-title').innerText()).toBe('Params and metrics (3 of 4 differ)');
    expect(await page.locator('table.compare-table thead th').allInnerTexts()).toEqual([
      'Value',
      'child-0',
      'child-1',
      'child-2',
    ]);
    const rows = await tableRows();
    expect(rows.map((r) => r.slice(1))).toEqual([
      ['adam', 'adam', 'adam'],
      ['0', '1', '2'],
      ['0.8', '0.85', '0.9'],
      ['0.01005', '0.0101', '0.01015'],
    ]);
    expect(rows.map((r) => r[0])).toEqual([
      'params.optimizer',
      'params.seeddiffers',
      'metrics.accuracydiffers',
      'metrics.lossdiffers',
    ]);
    expect(await page.locator('table.compare-table tbody tr.differs th .mono').allInnerTexts()).toEqual([
      'params.seed',
      'metrics.accuracy',
      'metrics.loss',
    ]);
    await page.getByLabel('Only differences').check();
    expect(hashQuery(page.url()).get('diff')).toBe('1');
    await poll(async () => (await tableRows()).length).toBe(3);
    expect(await page.getByRole('link', { name: 'Metric charts of these runs' }).getAttribute('href')).toBe(
      `#/charts?runs=${exp()
        .children.map((c) => c.id)
        .join('%2C')}`,
    );
    await expectAccessible(page, 'the compare view');
  });

  it('plots any two numeric columns against each other, and every run in parallel coordinates', async () => {
    const { page } = session;
    await page.goto(compareUrl());
    const scatter = page.locator('svg.scatter');
    await poll(() => scatter.getAttribute('aria-label')).toBe(
      'Scatter of metrics.accuracy against params.seed: 3 runs',
    );
    expect(await scatter.locator('circle title').allTextContents()).toEqual([
      'child-0: params.seed = 0, metrics.accuracy = 0.8',
      'child-1: params.seed = 1, metrics.accuracy = 0.85',
      'child-2: params.seed = 2, metrics.accuracy = 0.9',
    ]);
    // Points move with their values: seed 0 left of seed 2, accuracy 0.9 above 0.8.
    const at = await scatter
      .locator('circle')
      .evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]));
    expect(at[0]?.[0]).toBeLessThan(at[2]?.[0] ?? 0);
    expect(at[0]?.[1]).toBeGreaterThan(at[2]?.[1] ?? 0);
    await page.getByLabel('Y', { exact: true }).selectOption('metrics.loss');
    expect(hashQuery(page.url()).get('y')).toBe('metrics.loss');
    await poll(() => scatter.locator('circle title').first().textContent()).toBe(
      'child-0: params.seed = 0, metrics.loss = 0.01005',
    );
    expect(await scatter.locator('text.axis-label').allTextContents()).toEqual([
      'params.seed',
      'metrics.loss',
    ]);

    const parallel = page.locator('svg.parallel');
    expect(await parallel.locator('g.pc-axis text.axis-label').allTextContents()).toEqual([
      'params.seed',
      'metrics.accuracy',
      'metrics.loss',
    ]);
    expect(await parallel.locator('g.run-line > title').allTextContents()).toEqual([
      'child-0',
      'child-1',
      'child-2',
    ]);
    expect(await parallel.locator('g.run-line polyline').count()).toBe(3);
    expect(await parallel.locator('g.pc-axis').first().locator('text.tick').allTextContents()).toEqual([
      '2',
      '0',
    ]);
    await expectAccessible(page, 'the compare view charts');
  });

  it('compares runs of several experiments, a deleted one too, in the order asked', async () => {
    const { page } = session;
    const other = e2e().data.runs_experiment;
    const asked = [exp().children[1], other.runs[0], exp().children[0], other.deleted];
    await page.goto(ui(`#/compare?runs=${asked.map((r) => r?.id).join(',')}`));
    await poll(() => page.locator('h1').innerText()).toBe('Compare 4 runs');
    await poll(() => page.locator('table.compare-table thead th').allInnerTexts()).toEqual([
      'Value',
      ...asked.map((r) => r?.name),
    ]);
  });

  it('asks for two runs or more, and shows the server’s message for an unknown run', async () => {
    const { page } = session;
    await page.goto(ui('#/compare'));
    await poll(() => page.locator('.empty').first().innerText()).toMatch(/^Choose two runs or more/);
    const missing = 'e'.repeat(32);
    const answer = await fetch(`${e2e().baseUrl}/api/2.0/mlflow/runs/get?run_id=${missing}`).then(
      (r) => r.json() as Promise<{ message: string }>,
    );
    await page.goto(ui(`#/compare?runs=${exp().children[0]?.id},${missing}`));
    await poll(() => page.locator('[role=alert]').innerText()).toBe(
      `Could not load the runs: ${answer.message}`,
    );
  });
});
