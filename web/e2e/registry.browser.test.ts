import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, hashQuery, openSession, ui, type UiSession } from './support/browser';

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
  session.page.on('dialog', (dialog) => void dialog.accept());
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const api = (path: string, init?: RequestInit) =>
  fetch(`${e2e().baseUrl}${path}`, init).then((r) => r.json() as Promise<Record<string, unknown>>);
const registry = () => e2e().data.registry;
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

describe('model registry (issue 11, point 8)', () => {
  it('lists registered models with their latest version and aliases, and searches by name', async () => {
    const { page } = session;
    const { model } = registry();
    await page.goto(ui('#/models'));
    const table = 'table[aria-label="Registered models"]';
    await expect.poll(async () => (await rowsOf(table)).map((r) => r[0])).toContain(model);
    const row = (await rowsOf(table)).find((r) => r[0] === model);
    expect(row?.slice(0, 3)).toEqual([model, '2', '@champion → v1']);
    await expectAccessible(page, 'the models list');

    await page.getByLabel('Search by name').fill('REGISTRY-model');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await rowsOf(table)).map((r) => r[0])).toEqual([model]);
    expect(hashQuery(page.url()).get('q')).toBe('REGISTRY-model');
    await page.getByLabel('Search by name').fill('no-such-model');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => page.locator('.empty').innerText())
      .toBe("No model's name contains “no-such-model”.");
  });

  it('a model page shows versions, aliases, description and tags; description and tags are edited in place', async () => {
    const { page } = session;
    const { model, versions } = registry();
    await page.goto(ui('#/models'));
    await page.getByRole('link', { name: model }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe(model);
    expect(page.url()).toBe(ui(`#/models/${model}`));
    const versionRows = await rowsOf('table[aria-labelledby=model-versions-title]');
    expect(versionRows.map((r) => r.slice(0, 4))).toEqual([
      ['Version 2', 'None', '—', versions[1]?.run_id],
      ['Version 1', 'None', '@champion', versions[0]?.run_id],
    ]);
    expect(await rowsOf('table[aria-labelledby=model-aliases-title]')).toEqual([
      ['@champion', 'Version 1', 'Remove alias champion'],
    ]);
    expect(await page.locator('.description').innerText()).toBe('Classifies flowers.');
    expect(await rowsOf('table[aria-labelledby=model-tags-title]')).toEqual([
      ['team', 'botany', 'Remove tag team'],
    ]);
    await expectAccessible(page, 'the model page');

    await page.getByRole('button', { name: 'Edit description' }).click();
    await page.getByLabel('Description').fill('Classifies flowers, carefully.');
    await page.getByRole('button', { name: 'Save description' }).click();
    await expect.poll(() => page.locator('.description').innerText()).toBe('Classifies flowers, carefully.');
    await page.locator('#model-tags-title-key').fill('owner');
    await page.locator('#model-tags-title-value').fill('qa');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect
      .poll(() => rowsOf('table[aria-labelledby=model-tags-title]'))
      .toEqual([
        ['owner', 'qa', 'Remove tag owner'],
        ['team', 'botany', 'Remove tag team'],
      ]);
    const stored = (await api(`/api/2.0/mlflow/registered-models/get?name=${model}`)).registered_model as {
      description: string;
      tags: { key: string; value: string }[];
    };
    expect(stored.description).toBe('Classifies flowers, carefully.');
    expect(stored.tags).toContainEqual({ key: 'owner', value: 'qa' });
  });

  it('a version page links its source run and logged model, shows the signature and a clickable lineage graph', async () => {
    const { page } = session;
    const { model, versions, experiment_id } = registry();
    const v1 = versions[0];
    await page.goto(ui(`#/models/${model}`));
    await page.getByRole('link', { name: 'Version 1', exact: true }).first().click();
    await expect.poll(() => page.locator('h1').innerText()).toBe(`${model} version 1`);
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toMatch(/Stage\s+None/);
    expect(facts).toMatch(/Aliases\s+@champion/);
    expect(await page.getByRole('link', { name: v1?.run_id ?? '' }).getAttribute('href')).toBe(
      `#/experiments/${experiment_id}/runs/${v1?.run_id}`,
    );
    expect(await page.getByRole('link', { name: v1?.model_id ?? '' }).getAttribute('href')).toBe(
      `#/experiments/${experiment_id}/logged-models/${v1?.model_id}`,
    );
    await expect
      .poll(() => rowsOf('table[aria-labelledby=signature-title]'))
      .toEqual(
        expect.arrayContaining([
          ['input', 'petal', 'double'],
          ['input', 'sepal', 'double'],
        ]),
      );

    const nodes = page.locator('.lineage [data-node]');
    expect(
      await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent)),
    ).toEqual([
      `Version ${model} v1`,
      `Run ${v1?.run_name}`,
      expect.stringMatching(/^Dataset.*flowers/),
      'Logged model classifier',
      'Alias @champion',
    ]);
    expect(await page.locator('.lineage line').count()).toBe(4);
    await expectAccessible(page, 'the version page');
    await page.getByRole('link', { name: `Run ${v1?.run_name}` }).click();
    await expect.poll(() => page.url()).toBe(ui(`#/experiments/${experiment_id}/runs/${v1?.run_id}`));
    await expect.poll(() => page.locator('h1').innerText()).toBe(v1?.run_name);
  });

  it('changes a version’s stage and aliases from its page', async () => {
    const { page } = session;
    const { model } = registry();
    await page.goto(ui(`#/models/${model}/versions/2`));
    await expect.poll(() => page.locator('dl.facts').innerText()).toMatch(/Stage\s+None/);
    await page.getByLabel('Stage').selectOption('Staging');
    await expect.poll(() => page.locator('dl.facts').innerText()).toMatch(/Stage\s+Staging/);
    await page.getByLabel('Alias', { exact: true }).fill('candidate');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(() => page.locator('dl.facts').innerText()).toMatch(/Aliases\s+@candidate/);
    const stored = (await api(`/api/2.0/mlflow/model-versions/get?name=${model}&version=2`))
      .model_version as {
      current_stage: string;
      aliases: string[];
    };
    expect(stored).toMatchObject({ current_stage: 'Staging', aliases: ['candidate'] });
    await page.getByRole('button', { name: 'Remove @candidate' }).click();
    await expect.poll(() => page.locator('dl.facts').innerText()).toMatch(/Aliases\s+—/);
  });

  it('renames and deletes a model', async () => {
    const { page } = session;
    await page.goto(ui('#/models/ui-e2e-scratch-model'));
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('ui-e2e-scratch-renamed');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => page.url()).toBe(ui('#/models/ui-e2e-scratch-renamed'));
    await expect.poll(() => page.locator('h1').innerText()).toBe('ui-e2e-scratch-renamed');
    await page.getByRole('button', { name: 'Delete model' }).click();
    await expect.poll(() => page.url()).toBe(ui('#/models'));
    await expect
      .poll(() => page.locator('table[aria-label="Registered models"]').innerText())
      .not.toContain('ui-e2e-scratch');
    const gone = await api('/api/2.0/mlflow/registered-models/get?name=ui-e2e-scratch-renamed');
    expect(gone.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
