import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, openSession, ui, type UiSession } from './support/browser';

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

const tableRows = (selector: string) =>
  session.page
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText.trim())),
    );

describe('logged models (issue 11, point 7)', () => {
  it('lists the logged models of an experiment with their source run', async () => {
    const { page } = session;
    await page.goto(ui(`#/experiments/${exp().id}/runs/${exp().parent.id}`));
    await page.getByRole('link', { name: 'Logged models of the experiment' }).click();
    expect(page.url()).toBe(ui(`#/experiments/${exp().id}/logged-models`));
    await poll(() => page.locator('[role=status]').innerText()).toBe('1 model');
    expect(await page.locator('.breadcrumb').innerText()).toBe('Experiments / ui-e2e-artifacts');
    const rows = await tableRows('table[aria-labelledby=logged-models-title]');
    expect(rows).toHaveLength(1);
    const [name, id, status, created, run, metrics] = rows[0] ?? [];
    expect([name, id, status, run, metrics]).toEqual([
      exp().logged_model.name,
      exp().logged_model.id,
      'ready',
      exp().parent.id.slice(0, 12),
      '1',
    ]);
    expect(created).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/);
    expect(await page.getByRole('link', { name: exp().parent.id.slice(0, 12) }).getAttribute('href')).toBe(
      `#/experiments/${exp().id}/runs/${exp().parent.id}`,
    );
    await expectAccessible(page, 'the logged models list');
    // An experiment without logged models says so.
    await page.goto(ui(`#/experiments/${e2e().data.runs_experiment.id}/logged-models`));
    await poll(() => page.locator('.empty').innerText()).toMatch(/^No logged models in this experiment/);
  });

  it('shows a logged model: facts, source run, params, metrics, tags and its artifacts with the MLmodel rendered', async () => {
    const { page } = session;
    await page.goto(ui(`#/experiments/${exp().id}/logged-models`));
    await page.getByRole('link', { name: exp().logged_model.name }).click();
    expect(page.url()).toBe(ui(`#/experiments/${exp().id}/logged-models/${exp().logged_model.id}`));
    await poll(() => page.locator('h1').innerText()).toBe(exp().logged_model.name);
    const facts = await page.locator('dl.facts[aria-label=Overview]').innerText();
    expect(facts).toContain(`Model ID\n${exp().logged_model.id}`);
    expect(facts).toContain('Status\nready');
    expect(facts).toContain(`Source run\n${exp().parent.id}`);
    expect(facts).toMatch(
      new RegExp(`Artifact URI\\nmlflow-artifacts:/${exp().id}/models/${exp().logged_model.id}/artifacts`),
    );
    expect(await tableRows('table[aria-labelledby=model-params-title]')).toEqual([
      ['C', '1.0'],
      ['solver', 'lbfgs'],
    ]);
    expect(await tableRows('table[aria-labelledby=model-metrics-title]')).toEqual([
      ['test_acc', '0.88', '0', '—'],
    ]);
    const tree = page.locator('nav[aria-label="Artifact files"]');
    await poll(() => tree.locator('ul.tree-root > li > button').allInnerTexts()).toEqual(
      expect.arrayContaining(['MLmodel', 'conda.yaml', 'input_example.json']),
    );
    await tree.getByRole('button', { name: 'MLmodel', exact: true }).click();
    await poll(() => page.locator('#mlmodel-flavors').innerText()).toBe('Flavors (2)');
    expect(await page.locator('#mlmodel-inputs').innerText()).toBe('Inputs (2)');
    expect(await tableRows('table[aria-labelledby=mlmodel-example]')).toEqual([
      ['0.1', '1'],
      ['0.5', '0.2'],
    ]);
    expect(await page.locator('dl.facts[aria-label="Model facts"]').innerText()).toContain(
      `model_id\n${exp().logged_model.id}`,
    );
    await expectAccessible(page, 'a logged model');
    await page.getByRole('link', { name: exp().parent.id }).click();
    await poll(() => page.locator('h1#run-title').innerText()).toBe('trainer');
  });

  it('an unknown logged model shows the server’s message', async () => {
    const { page } = session;
    const missing = `m-${'0'.repeat(32)}`;
    const answer = await fetch(`${e2e().baseUrl}/api/2.0/mlflow/logged-models/${missing}`).then(
      (r) => r.json() as Promise<{ message: string }>,
    );
    await page.goto(ui(`#/experiments/${exp().id}/logged-models/${missing}`));
    await poll(() => page.locator('[role=alert]').innerText()).toBe(
      `Could not load the logged model: ${answer.message}`,
    );
  });
});
