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

const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });
const status = () => session.page.locator('.runs-page p[role=status]').innerText();
const headers = () => session.page.locator('[role=grid] [role=columnheader] .column-name').allInnerTexts();
/** The row of the run of this name. */
const rowOf = (name: string) =>
  session.page.locator('[role=grid] [role=row]', {
    has: session.page.getByRole('link', { name, exact: true }),
  });
/** The header row of the group of this value, and its aggregate of the `index`-th scrollable column. */
const groupRow = (value: string) =>
  session.page.locator('[role=grid] [role=row]', {
    has: session.page.locator('.group-toggle', { hasText: new RegExp(`^${value} \\(`) }),
  });
const aggregateTitle = (value: string, index: number) =>
  groupRow(value).locator('[role=gridcell]').nth(index).locator('.aggregate').getAttribute('title');
const focusedText = () => session.page.evaluate(() => document.activeElement?.textContent ?? '');

describe('runs of several experiments in one table (issue 11, point 4)', () => {
  it('experiments chosen on the experiments page open one table: shareable URL, Experiment column, one search', async () => {
    const { page, runSearches } = session;
    const { runs_experiment: runsExp, artifacts_experiment: artExp } = e2e().data;
    await page.goto(ui('#/experiments'));
    await poll(() => page.locator('h1').innerText()).toBe('Experiments');
    await page.getByRole('checkbox', { name: 'Select ui-e2e-runs' }).check();
    await page.getByRole('checkbox', { name: 'Select ui-e2e-artifacts' }).check();
    const bar = page.getByRole('region', { name: 'Selected experiments' });
    await poll(() => bar.locator('strong').innerText()).toBe('2 experiments selected');
    await expectAccessible(page, 'the experiments page with experiments selected');
    runSearches.length = 0;
    await bar.getByRole('link', { name: 'Open their runs in one table' }).click();
    await poll(() => page.locator('h1').innerText()).toBe('Runs of 2 experiments');
    expect(page.url()).toBe(ui(`#/runs?experiments=${runsExp.id}%2C${artExp.id}`));
    // 7 active runs of the first, the trainer and its 3 children of the second (children under their parent).
    await poll(status).toBe('11 runs in all');
    expect(runSearches.at(-1)?.experiment_ids).toEqual([runsExp.id, artExp.id]);
    expect(runSearches.at(-1)?.max_results).toBe(200);
    // The names arrive with their own requests, after the runs: until then the list shows the ids.
    await poll(() => page.locator('.experiment-list').innerText()).toBe('ui-e2e-runs, ui-e2e-artifacts');
    expect((await headers()).slice(0, 4)).toEqual(['Run name', 'Experiment', 'Status', 'Started']);
    await poll(() => rowOf('tree-a').locator('[role=gridcell]').first().innerText()).toBe('ui-e2e-runs');
    await poll(() => rowOf('trainer').locator('[role=gridcell]').first().innerText()).toBe(
      'ui-e2e-artifacts',
    );
    expect((await gridRowNames(page)).sort()).toEqual(
      [...runsExp.runs.map((r) => r.name), runsExp.failed.name, artExp.parent.name].sort(),
    );
    await expectAccessible(page, 'the runs table of two experiments');
  });

  it('sorts and filters across the experiments on the server, exports the experiment id, and pages as one table', async () => {
    const { page, runSearches } = session;
    const { runs_experiment: runsExp, artifacts_experiment: artExp, many_experiment: many } = e2e().data;
    const cols = 'metrics.accuracy';
    await page.goto(
      ui(`#/runs?experiments=${runsExp.id},${artExp.id}&flat=1&sort=-metrics.accuracy&cols=${cols}`),
    );
    await poll(status).toBe('11 runs in all');
    // Flat: the children are rows of their own, sorted with the other experiment's runs by accuracy.
    await poll(async () => (await gridRowNames(page)).slice(0, 5)).toEqual([
      'tree-e',
      'linear-b',
      'child-2',
      'tree-c',
      'child-1',
    ]);
    expect(runSearches.at(-1)?.order_by).toEqual(['metrics.`accuracy` DESC']);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV (11 loaded)' }).click(),
    ]);
    const lines = readFileSync(await download.path(), 'utf8').split('\r\n');
    expect(lines[0]).toBe('run_id,experiment_id,run_name,status,start_time,metrics.accuracy');
    const best = runsExp.runs.find((r) => r.name === 'tree-e');
    expect(lines[1]?.split(',').filter((_, i) => i !== 4)).toEqual([
      best?.id,
      runsExp.id,
      'tree-e',
      'FINISHED',
      '0.97',
    ]);
    expect(lines[3]?.split(',')[1]).toBe(artExp.id);

    await page.getByRole('combobox', { name: 'Filter' }).fill("params.optimizer = 'adam'");
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(status).toBe('3 runs in all');
    expect(hashQuery(page.url()).get('experiments')).toBe(`${runsExp.id},${artExp.id}`);

    // More runs than one page: the first 200 of both experiments, the next page on scroll.
    runSearches.length = 0;
    await page.goto(ui(`#/runs?experiments=${many.id},${runsExp.id}`));
    await poll(status).toBe('200 runs loaded, more on the server (scroll to load)');
    // (The browser may repeat a request on a connection it found closed: distinct requests are counted.)
    const asked = () =>
      new Set(
        runSearches.map((s) => JSON.stringify([s.experiment_ids, s.max_results, s.page_token ?? null])),
      );
    expect(asked()).toEqual(new Set([JSON.stringify([[many.id, runsExp.id], 200, null])]));
    await page.locator('[role=grid]').evaluate((grid) => grid.scrollTo({ top: grid.scrollHeight }));
    await poll(status).toBe(`${many.count + 7} runs in all`);
    expect(
      new Set(runSearches.filter((s) => typeof s.page_token === 'string').map((s) => JSON.stringify(s))),
    ).toHaveProperty('size', 1);
  });
});

describe('grouping by a param or tag, with aggregate metrics (issue 11, point 4)', () => {
  it('groups the rows by a param: counts, min/max/mean of each metric column, collapsible, state in the URL', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}?sort=-metrics.accuracy`));
    await poll(status).toBe('7 runs in all');
    await page.getByLabel('Group by').selectOption('params.model');
    expect(hashQuery(page.url()).get('group')).toBe('params.model');
    const trees = exp.runs.filter((r) => r.model === 'tree').sort((a, b) => b.accuracy - a.accuracy);
    const linears = exp.runs.filter((r) => r.model === 'linear').sort((a, b) => b.accuracy - a.accuracy);
    // Groups in the order of their best run (the server's sort), each followed by its runs.
    await poll(() => gridRowNames(page)).toEqual([
      'tree (4 runs)',
      ...trees.map((r) => r.name),
      'crashed',
      'linear (3 runs)',
      ...linears.map((r) => r.name),
    ]);
    expect(await page.locator('.group-note').innerText()).toBe(
      '2 groups by param model; aggregates over the 7 loaded runs (every matching run).',
    );
    const accuracyCell = (group: string) => aggregateTitle(group, 2);
    expect(await headers()).toEqual(['Run name', 'Status', 'Started', 'accuracy', 'loss', 'lr', 'model']);
    // The crashed run logged no accuracy: the tree group's aggregates are over its 3 other runs.
    const mean = (xs: number[]) => Number((xs.reduce((a, b) => a + b, 0) / xs.length).toPrecision(6));
    expect(await accuracyCell('tree')).toBe(
      `mean ${mean(trees.map((r) => r.accuracy))} · min 0.71 · max 0.97 (3 runs)`,
    );
    expect(await accuracyCell('linear')).toBe(
      `mean ${mean(linears.map((r) => r.accuracy))} · min 0.65 · max 0.93 (3 runs)`,
    );
    await expectAccessible(page, 'the runs table grouped by a param');

    // Collapsing a group hides its runs; the URL (shared) brings the grouping back.
    await page.getByRole('button', { name: /^tree/ }).click();
    await poll(() => gridRowNames(page)).toEqual([
      'tree (4 runs)',
      'linear (3 runs)',
      ...linears.map((r) => r.name),
    ]);
    const shared = page.url();
    await page.goto(ui('#/experiments'));
    await page.goto(shared);
    await poll(async () => (await gridRowNames(page))[0]).toBe('tree (4 runs)');
    await page.getByLabel('Group by').selectOption('');
    const byAccuracy = [...exp.runs].sort((a, b) => b.accuracy - a.accuracy).map((r) => r.name);
    await poll(() => gridRowNames(page)).toEqual([...byAccuracy, 'crashed']);
    expect(hashQuery(page.url()).has('group')).toBe(false);
  });

  it('aggregates over the loaded runs, says so, and loads every page of the group key on demand', async () => {
    const { page } = session;
    const { many_experiment: many } = e2e().data;
    await page.goto(ui(`#/experiments/${many.id}?sort=-metrics.idx&group=params.parity&cols=metrics.idx`));
    await poll(status).toBe('200 runs loaded, more on the server (scroll to load)');
    const note = page.locator('.group-note');
    await poll(() => note.innerText()).toBe(
      '2 groups by param parity; aggregates over the 200 loaded runs (more on the server). Load all matching runs (up to 10,000)',
    );
    const idxCell = (group: string) => aggregateTitle(group, 2);
    // The first page: idx 229 down to 30.
    expect(await idxCell('odd')).toBe('mean 130 · min 31 · max 229 (100 runs)');
    await page.getByRole('button', { name: 'Load all matching runs (up to 10,000)' }).click();
    await poll(status).toBe(`${many.count} runs in all`);
    await poll(() => note.innerText()).toBe(
      '2 groups by param parity; aggregates over the 230 loaded runs (every matching run).',
    );
    await page.getByRole('button', { name: /^odd/ }).click();
    await poll(async () => (await gridRowNames(page)).slice(0, 2)).toEqual([
      'odd (115 runs)',
      'even (115 runs)',
    ]);
    // (The odd group collapsed, so that the even group's header is in view.)
    expect(await idxCell('odd')).toBe('mean 115 · min 1 · max 229 (115 runs)');
    expect(await idxCell('even')).toBe('mean 114 · min 0 · max 228 (115 runs)');
  });
});

describe('nested runs (issue 11, point 4)', () => {
  it('children sit under their parent, collapsed with a count; a parent not loaded still shows its children', async () => {
    const { page } = session;
    const { artifacts_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}`));
    await poll(status).toBe('4 runs in all');
    expect(await gridRowNames(page)).toEqual(['trainer']);
    const toggle = page.getByRole('button', { name: 'Show 3 child runs of trainer' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    // Under the parent, newest first as the server sorts them.
    await poll(() => gridRowNames(page)).toEqual(['trainer', 'child-2', 'child-1', 'child-0']);
    expect(
      await page.getByRole('button', { name: 'Hide 3 child runs of trainer' }).getAttribute('aria-expanded'),
    ).toBe('true');
    await expectAccessible(page, 'the runs table with a parent expanded');

    // A filter that matches only the children: their parent, not among the runs, still heads them.
    await page.getByRole('combobox', { name: 'Filter' }).fill("attributes.run_name LIKE 'child-%'");
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(status).toBe('3 runs in all');
    const parentRow = `Parent run ${exp.parent.id.slice(0, 8)}… (not loaded)`;
    await poll(() => gridRowNames(page)).toEqual([parentRow]);
    await page.getByRole('button', { name: `Show 3 child runs of parent run ${exp.parent.id}` }).click();
    await poll(() => gridRowNames(page)).toEqual([parentRow, 'child-2', 'child-1', 'child-0']);
    expect(await page.getByRole('link', { name: parentRow }).getAttribute('href')).toBe(
      `#/experiments/${exp.id}/runs/${exp.parent.id}`,
    );

    // Flat: every run a row of its own, as the server sorts them.
    await page.getByLabel('Nest child runs').uncheck();
    expect(hashQuery(page.url()).get('flat')).toBe('1');
    await poll(() => gridRowNames(page)).toEqual(['child-2', 'child-1', 'child-0']);
  });
});

describe('keyboard, lifecycle, CSV and bulk actions with groups and nesting (issue 11, point 4)', () => {
  it('arrows move over group and run rows, Space selects a run or a group, Enter opens or collapses', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}?sort=-metrics.accuracy&group=params.model`));
    await poll(async () => (await gridRowNames(page))[0]).toBe('tree (4 runs)');
    await page.getByRole('button', { name: /^tree/ }).focus();
    await page.keyboard.press('ArrowDown');
    await poll(focusedText).toBe('tree-e');
    await page.keyboard.press(' ');
    const bar = page.getByRole('region', { name: 'Selected runs' });
    await poll(() => bar.locator('strong').innerText()).toBe('1 run selected');
    expect(await page.getByRole('checkbox', { name: 'Select tree-e' }).isChecked()).toBe(true);
    await page.keyboard.press('ArrowUp');
    await poll(focusedText).toBe('tree (4 runs)');
    // Space on a group selects its runs (tree-e already was); Enter collapses it.
    await page.keyboard.press(' ');
    await poll(() => bar.locator('strong').innerText()).toBe('4 runs selected');
    await page.keyboard.press('Enter');
    await poll(() => gridRowNames(page)).toEqual([
      'tree (4 runs)',
      'linear (3 runs)',
      ...exp.runs
        .filter((r) => r.model === 'linear')
        .sort((a, b) => b.accuracy - a.accuracy)
        .map((r) => r.name),
    ]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await poll(focusedText).toBe('linear-b');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('h1').innerText()).toBe('linear-b');
  });

  it('bulk tag of a group and CSV export of the grouped rows in their order; lifecycle keeps the grouping', async () => {
    const { page } = session;
    const { many_experiment: many } = e2e().data;
    const query = new URLSearchParams({
      filter: 'metrics.idx < 6',
      sort: 'metrics.idx',
      group: 'params.parity',
      cols: 'metrics.idx\ntags.grouped',
    });
    await page.goto(ui(`#/experiments/${many.id}?${query.toString()}`));
    await poll(status).toBe('6 runs in all');
    expect(await gridRowNames(page)).toEqual([
      'even (3 runs)',
      'many-000',
      'many-002',
      'many-004',
      'odd (3 runs)',
      'many-001',
      'many-003',
      'many-005',
    ]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV (6 loaded)' }).click(),
    ]);
    const lines = readFileSync(await download.path(), 'utf8').split('\r\n');
    expect(lines.slice(1, 7).map((l) => l.split(',')[1])).toEqual([
      'many-000',
      'many-002',
      'many-004',
      'many-001',
      'many-003',
      'many-005',
    ]);
    await page.getByRole('checkbox', { name: 'Select the 3 runs of group odd' }).check();
    const bar = page.getByRole('region', { name: 'Selected runs' });
    await poll(() => bar.locator('strong').innerText()).toBe('3 runs selected');
    await bar.getByLabel('Tag', { exact: true }).fill('grouped');
    await bar.getByLabel('Tag value').fill('odd');
    await bar.getByRole('button', { name: 'Set tag' }).click();
    await poll(() => rowOf('many-003').locator('[role=gridcell]').last().innerText()).toBe('odd');
    expect(await rowOf('many-002').locator('[role=gridcell]').last().innerText()).toBe('');
    // The grouping applies to deleted runs too; none here.
    await page.getByLabel('Show').selectOption('deleted');
    await poll(status).toBe('0 runs in all');
    expect(hashQuery(page.url()).get('group')).toBe('params.parity');
  });
});
