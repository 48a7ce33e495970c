import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  e2e,
  expectAccessible,
  gridRowNames,
  hashQuery,
  openSession,
  ui,
  type UiSession,
} from './support/browser';

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const status = () => session.page.locator('.runs-page p[role=status]').innerText();
const headers = () => session.page.locator('[role=grid] [role=columnheader] .column-name').allInnerTexts();
const byAccuracy = (descending: boolean) =>
  [...e2e().data.runs_experiment.runs]
    .sort((a, b) => (descending ? b.accuracy - a.accuracy : a.accuracy - b.accuracy))
    .map((r) => r.name);

describe('runs table of an experiment (issue 11, point 4)', () => {
  it('the experiment URL the mlflow client printed opens its runs: names, columns, values', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    const printed = e2e().printedExperimentUrls.find((u) => u.endsWith(`#/experiments/${exp.id}`));
    expect(printed, `printed experiment URLs: ${e2e().printedExperimentUrls.join(', ')}`).toBeDefined();
    await page.goto(printed ?? '');
    await expect.poll(() => page.locator('h1').innerText()).toBe('ui-e2e-runs');
    // 6 finished runs and the failed one; the deleted run is not among the active ones.
    await expect.poll(status).toBe('7 runs in all');
    const names = await gridRowNames(page);
    expect([...names].sort()).toEqual([...exp.runs.map((r) => r.name), exp.failed.name].sort());
    // Default columns: the fixed ones, then metrics and params of the runs.
    expect(await headers()).toEqual(['Run name', 'Status', 'Started', 'accuracy', 'loss', 'lr', 'model']);
    const best = exp.runs.find((r) => r.name === 'tree-e');
    const row = page.locator('[role=grid] [role=row]', { has: page.getByRole('link', { name: 'tree-e' }) });
    expect(await row.locator('[role=gridcell]').allInnerTexts()).toEqual([
      'FINISHED',
      expect.stringMatching(/ago$/),
      String(best?.accuracy),
      expect.any(String),
      best?.lr,
      best?.model,
    ]);
    const failedRow = page.locator('[role=row]', { has: page.getByRole('link', { name: exp.failed.name }) });
    expect(await failedRow.locator('[role=gridcell]').first().innerText()).toBe('FAILED');
    await expectAccessible(page, 'the runs table');
  });

  it('sorts by a metric on the server (order_by), both ways, and keeps the sort in the URL', async () => {
    const { page, runSearches } = session;
    await page.goto(ui(`#/experiments/${e2e().data.runs_experiment.id}`));
    await expect.poll(status).toBe('7 runs in all');
    await page.getByRole('button', { name: 'metric accuracy', exact: true }).click();
    expect(hashQuery(page.url()).get('sort')).toBe('-metrics.accuracy');
    // The run without the metric sorts last either way, as MLflow's server does.
    await expect.poll(() => gridRowNames(page)).toEqual([...byAccuracy(true), 'crashed']);
    expect(runSearches.at(-1)?.order_by).toEqual(['metrics.`accuracy` DESC']);
    expect(await page.locator('[role=columnheader]', { hasText: 'accuracy' }).getAttribute('aria-sort')).toBe(
      'descending',
    );
    await page.getByRole('button', { name: 'metric accuracy', exact: true }).click();
    await expect.poll(() => gridRowNames(page)).toEqual([...byAccuracy(false), 'crashed']);
    expect(hashQuery(page.url()).get('sort')).toBe('metrics.accuracy');
    expect(runSearches.at(-1)?.order_by).toEqual(['metrics.`accuracy` ASC']);
    await page.getByRole('button', { name: 'Run name', exact: true }).click();
    await expect
      .poll(() => gridRowNames(page))
      .toEqual([...e2e().data.runs_experiment.runs.map((r) => r.name), 'crashed'].sort().reverse());
  });

  it('filters with MLflow’s grammar; a filter the server refuses shows its message in place', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}`));
    await page
      .getByRole('combobox', { name: 'Filter' })
      .fill("metrics.accuracy > 0.85 and params.model = 'tree'");
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(status).toBe('2 runs in all');
    expect((await gridRowNames(page)).sort()).toEqual(['tree-c', 'tree-e']);
    expect(hashQuery(page.url()).get('filter')).toBe("metrics.accuracy > 0.85 and params.model = 'tree'");

    const bad = 'metrics.accuracy >>> 1';
    const refusal = await fetch(`${e2e().baseUrl}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [exp.id], filter: bad }),
    }).then((r) => r.json() as Promise<{ error_code: string; message: string }>);
    expect(refusal.error_code).toBe('INVALID_PARAMETER_VALUE');
    await page.getByRole('combobox', { name: 'Filter' }).fill(bad);
    await page.getByRole('button', { name: 'Apply' }).click();
    const alert = page.locator('#run-filter-error [role=alert]');
    await expect.poll(() => alert.innerText()).toBe(`The server refused the search: ${refusal.message}`);
    expect(await page.getByRole('combobox', { name: 'Filter' }).getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'the runs table with a refused filter');
  });

  it('lifecycle: deleted and all runs', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}`));
    await expect.poll(status).toBe('7 runs in all');
    await page.getByLabel('Show').selectOption('deleted');
    await expect.poll(status).toBe('1 run in all');
    expect(await gridRowNames(page)).toEqual([exp.deleted.name]);
    expect(hashQuery(page.url()).get('lifecycle')).toBe('deleted');
    await page.getByLabel('Show').selectOption('all');
    await expect.poll(status).toBe('8 runs in all');
  });

  it('columns are chosen from params, latest metrics and tags, and the URL keeps them (with the sort)', async () => {
    const { page } = session;
    await page.goto(ui(`#/experiments/${e2e().data.runs_experiment.id}?sort=-metrics.accuracy`));
    await expect.poll(status).toBe('7 runs in all');
    await page.getByText(/^Columns \(/).click();
    await page.getByRole('checkbox', { name: 'param lr' }).uncheck();
    await page.getByRole('checkbox', { name: 'metric loss' }).uncheck();
    await page.getByRole('checkbox', { name: 'tag team' }).check();
    await expect.poll(headers).toEqual(['Run name', 'Status', 'Started', 'accuracy', 'model', 'team']);
    await expectAccessible(page, 'the runs table with the column picker open');
    const shared = page.url();
    await page.goto(ui('#/experiments'));
    await page.goto(shared);
    await expect.poll(headers).toEqual(['Run name', 'Status', 'Started', 'accuracy', 'model', 'team']);
    await expect.poll(() => gridRowNames(page)).toEqual([...byAccuracy(true), 'crashed']);
    const tree = page.locator('[role=row]', { has: page.getByRole('link', { name: 'tree-a' }) });
    expect(await tree.locator('[role=gridcell]').last().innerText()).toBe('vision');
  });

  it('pages through the search API (200 at a time), draws only the rows in view, and loads more on scroll', async () => {
    const { page, runSearches } = session;
    const { many_experiment: many } = e2e().data;
    runSearches.length = 0;
    await page.goto(ui(`#/experiments/${many.id}?sort=-metrics.idx`));
    await expect.poll(status).toBe('200 runs loaded, more on the server (scroll to load)');
    // Only first pages of 200 so far (the browser may repeat a request on a connection it found closed).
    const asked = () =>
      new Set(runSearches.map((s) => JSON.stringify([s.max_results, s.page_token ?? null])));
    expect(asked()).toEqual(new Set(['[200,null]']));
    const firstNames = await gridRowNames(page);
    expect(firstNames[0]).toBe(`many-${String(many.count - 1).padStart(3, '0')}`);
    // Virtualised: far fewer rows in the DOM than loaded.
    expect(firstNames.length).toBeGreaterThan(10);
    expect(firstNames.length).toBeLessThan(60);
    expect(await page.locator('[role=grid]').getAttribute('aria-rowcount')).toBe('201');

    await page.locator('[role=grid]').evaluate((grid) => grid.scrollTo({ top: grid.scrollHeight }));
    await expect.poll(status).toBe(`${many.count} runs in all`);
    const next = runSearches.filter((s) => s.page_token !== undefined);
    expect(new Set(next.map((s) => JSON.stringify(s)))).toHaveProperty('size', 1);
    expect(next[0]?.max_results).toBe(200);
    expect(typeof next[0]?.page_token).toBe('string');
    await page.locator('[role=grid]').evaluate((grid) => grid.scrollTo({ top: grid.scrollHeight }));
    await expect.poll(async () => (await gridRowNames(page)).at(-1)).toBe('many-000');
    await expectAccessible(page, 'the runs table of many runs, scrolled');
  });

  it('the filter box completes keys of the runs (and attributes) from the keyboard', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}`));
    await expect.poll(status).toBe('7 runs in all');
    const box = page.getByRole('combobox', { name: 'Filter' });
    await box.click();
    await box.pressSequentially('acc');
    const options = page.getByRole('listbox', { name: 'Filter keys' }).getByRole('option');
    await expect.poll(() => options.allInnerTexts()).toEqual(['metrics.accuracy']);
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    await box.press('Tab');
    expect(await box.inputValue()).toBe('metrics.accuracy');
    await box.pressSequentially(' > 0.9 and par');
    await expect.poll(() => options.allInnerTexts()).toEqual(['params.lr', 'params.model']);
    await box.press('ArrowDown');
    await box.press('ArrowDown');
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('metrics.accuracy > 0.9 and params.model');
    await box.pressSequentially(" = 'linear' and attributes.st");
    await expect.poll(() => options.allInnerTexts()).toEqual(['attributes.status', 'attributes.start_time']);
    await expectAccessible(page, 'the filter box with suggestions open');
    await box.press('Escape');
    expect(await box.getAttribute('aria-expanded')).toBe('false');
    await box.pressSequentially("atus = 'FINISHED'");
    await box.press('Enter');
    await expect.poll(status).toBe('1 run in all');
    expect(await gridRowNames(page)).toEqual(['linear-b']);
  });

  it('keyboard: arrows, Page Down and End move between runs, scrolling the grid; Enter opens the run', async () => {
    const { page } = session;
    const { many_experiment: many } = e2e().data;
    await page.goto(ui(`#/experiments/${many.id}?sort=-metrics.idx`));
    await expect.poll(status).toBe('200 runs loaded, more on the server (scroll to load)');
    const name = (i: number) => `many-${String(i).padStart(3, '0')}`;
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    await page.getByRole('link', { name: name(many.count - 1) }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(focused).toBe(name(many.count - 3));
    await page.keyboard.press('ArrowUp');
    await expect.poll(focused).toBe(name(many.count - 2));
    await page.keyboard.press('End');
    // The last loaded row (the 200th); reaching it loads the next page.
    await expect.poll(focused).toBe(name(many.count - 200));
    await expect.poll(status).toBe(`${many.count} runs in all`);
    await page.keyboard.press('End');
    await expect.poll(focused).toBe(name(0));
    await page.keyboard.press('Home');
    await expect.poll(focused).toBe(name(many.count - 1));
    await page.keyboard.press('PageDown');
    const afterPage = await focused();
    expect(Number(afterPage.slice('many-'.length))).toBeLessThan(many.count - 5);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h1').innerText()).toBe(afterPage);
    expect(page.url()).toContain(`#/experiments/${many.id}/runs/`);
  });

  it('exports what is shown as CSV: the rows in order, the chosen columns, full-precision values', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    const cols = ['metrics.accuracy', 'params.model', 'tags.team'].join('\n');
    const query = new URLSearchParams({ filter: "params.model = 'tree'", sort: '-metrics.accuracy', cols });
    await page.goto(ui(`#/experiments/${exp.id}?${query.toString()}`));
    await expect.poll(status).toBe('4 runs in all');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV (4 loaded)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`runs-experiment-${exp.id}.csv`);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('run_id,run_name,status,start_time,metrics.accuracy,params.model,tags.team');
    const trees = exp.runs.filter((r) => r.model === 'tree').sort((a, b) => b.accuracy - a.accuracy);
    expect(lines.slice(1, 4).map((l) => l.split(',').filter((_, i) => i !== 3))).toEqual(
      trees.map((r) => [r.id, r.name, 'FINISHED', String(r.accuracy), 'tree', 'vision']),
    );
    expect(lines[4]?.split(',')).toEqual([
      exp.failed.id,
      'crashed',
      'FAILED',
      expect.any(String),
      '',
      'tree',
      '',
    ]);
    expect(lines[4]?.split(',')[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines.slice(5)).toEqual(['']);
  });

  it('bulk actions on selected runs: tag, delete, then restore them from the deleted ones', async () => {
    const { page } = session;
    const { many_experiment: many } = e2e().data;
    const filter = "params.parity = 'odd' and metrics.idx < 6";
    const query = new URLSearchParams({ filter, sort: 'metrics.idx', cols: 'metrics.idx\ntags.reviewed' });
    await page.goto(ui(`#/experiments/${many.id}?${query.toString()}`));
    await expect.poll(status).toBe('3 runs in all');
    expect(await gridRowNames(page)).toEqual(['many-001', 'many-003', 'many-005']);
    await page.getByRole('checkbox', { name: 'Select many-001' }).check();
    await page.getByRole('checkbox', { name: 'Select many-005' }).check();
    const bar = page.getByRole('region', { name: 'Selected runs' });
    await expect.poll(() => bar.locator('strong').innerText()).toBe('2 runs selected');
    await expectAccessible(page, 'the runs table with runs selected');

    await bar.getByLabel('Tag', { exact: true }).fill('reviewed');
    await bar.getByLabel('Tag value').fill('yes');
    await bar.getByRole('button', { name: 'Set tag' }).click();
    const reviewed = () =>
      page
        .locator('[role=grid] [role=row]:not(.grid-head)')
        .evaluateAll((rows) =>
          rows.map((r) => (r.querySelector('[role=gridcell]:last-child') as HTMLElement).innerText),
        );
    await expect.poll(reviewed).toEqual(['yes', '', 'yes']);
    expect(await bar.count()).toBe(0);

    await page.getByRole('checkbox', { name: 'Select every loaded run' }).check();
    await expect.poll(() => bar.locator('strong').innerText()).toBe('3 runs selected');
    page.once('dialog', (dialog) => void dialog.accept());
    await bar.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(status).toBe('0 runs in all');

    await page.getByLabel('Show').selectOption('deleted');
    await expect.poll(status).toBe('3 runs in all');
    await page.getByRole('checkbox', { name: 'Select every loaded run' }).check();
    await bar.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(status).toBe('0 runs in all');
    await page.getByLabel('Show').selectOption('active');
    await expect.poll(status).toBe('3 runs in all');
    const answer = (await fetch(`${e2e().baseUrl}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [many.id], filter: "tags.reviewed = 'yes'" }),
    }).then((r) => r.json())) as { runs: { info: { run_name: string } }[] };
    expect(answer.runs.map((r) => r.info.run_name).sort()).toEqual(['many-001', 'many-005']);
  });
});
