import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, openSession, ui, type UiSession } from './support/browser';

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const tableRows = (label: string) =>
  session.page
    .locator(`table[aria-labelledby=${label}] tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText)),
    );

describe('run page (issue 11, points 2 and 5)', () => {
  it('the run URL the mlflow client printed opens the run: name, status, params, metrics, tags', async () => {
    const { page } = session;
    const run = e2e().data.runs_experiment.runs.find((r) => r.name === 'linear-b');
    const printed = e2e().printedRunUrls['linear-b'];
    expect(printed).toBe(`${e2e().baseUrl}/#/experiments/${e2e().data.runs_experiment.id}/runs/${run?.id}`);
    await page.goto(printed ?? '');
    await expect.poll(() => page.locator('h1').innerText()).toBe('linear-b');
    expect(await page.locator('dl.facts').innerText()).toMatch(/Status\s+FINISHED/);
    expect(await page.locator('dl.facts').innerText()).toContain(run?.id);
    expect(await tableRows('params-title')).toEqual([
      ['lr', run?.lr],
      ['model', 'linear'],
    ]);
    expect(await tableRows('metrics-title')).toEqual([
      ['accuracy', String(run?.accuracy), '4'],
      ['loss', String(Math.round((1 - (run?.accuracy ?? 0)) * 10000) / 10000), '4'],
    ]);
    expect(await tableRows('tags-title')).toEqual([['team', 'nlp', 'Delete']]);
    expect(await page.locator('h2').allInnerTexts()).toEqual([
      'Description',
      'Parameters (2)',
      'Metrics (2)',
      'Tags (1)',
      'Datasets (0)',
      'Models',
      'Charts',
      'Artifacts',
    ]);
    expect(await page.title()).toBe(`Run ${run?.id} · Bosun`);
    await expectAccessible(page, 'the run page');
  });

  it('a run opened from the runs table links back to its experiment', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}`));
    await page.getByRole('link', { name: exp.failed.name }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe(exp.failed.name);
    expect(page.url()).toBe(ui(`#/experiments/${exp.id}/runs/${exp.failed.id}`));
    expect(await page.locator('dl.facts').innerText()).toMatch(/Status\s+FAILED/);
    await page.getByRole('link', { name: `Experiment ${exp.id}` }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('ui-e2e-runs');
  });

  it('an unknown run shows the server’s message; an unknown page says so', async () => {
    const { page } = session;
    const missing = 'f'.repeat(32);
    const answer = await fetch(`${e2e().baseUrl}/api/2.0/mlflow/runs/get?run_id=${missing}`).then(
      (r) => r.json() as Promise<{ message: string }>,
    );
    await page.goto(ui(`#/experiments/0/runs/${missing}`));
    await expect
      .poll(() => page.locator('[role=alert]').innerText())
      .toBe(`Could not load the run: ${answer.message}`);
    await page.goto(ui('#/nowhere/at/all'));
    await expect.poll(() => page.locator('h1').innerText()).toBe('Page not found');
    await expectAccessible(page, 'the not-found page');
  });
});
