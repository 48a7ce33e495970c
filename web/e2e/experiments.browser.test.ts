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

const rowOf = (name: string) =>
  session.page.locator('table[aria-label=Experiments] tbody tr', { hasText: name });
const listedNames = () =>
  session.page.locator('table[aria-label=Experiments] tbody tr td:first-child a').allInnerTexts();

describe('experiments page (issue 11, point 3)', () => {
  it('/ opens the experiments list, served under the strict CSP, with the populated experiments', async () => {
    const { page } = session;
    const response = await page.goto(`${e2e().baseUrl}/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect.poll(listedNames).toContain('ui-e2e-runs');
    const names = await listedNames();
    expect(names).toEqual(expect.arrayContaining(['ui-e2e-runs', 'ui-e2e-many', 'Default']));
    // The deleted experiment is not among the active ones.
    expect(names).not.toContain(e2e().data.deleted_experiment.name);
    const runsRow = rowOf('ui-e2e-runs');
    await expect.poll(() => runsRow.locator('td').nth(1).innerText()).toBe(e2e().data.runs_experiment.id);
    expect(await page.title()).toBe('Experiments · Bosun');
    await expectAccessible(page, 'the experiments list');
  });

  it('search by name narrows the list and is kept in the URL', async () => {
    const { page } = session;
    await page.goto(ui('#/experiments'));
    await page.getByLabel('Search by name').fill('E2E-MA');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(listedNames).toEqual(['ui-e2e-many']);
    expect(page.url()).toContain('q=E2E-MA');
    await page.reload();
    await expect.poll(listedNames).toEqual(['ui-e2e-many']);
    await page.getByLabel('Search by name').fill('no-such-experiment-anywhere');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('.empty').innerText()).toContain('no-such-experiment-anywhere');
  });

  it('create, then a duplicate name shows the server’s message in place', async () => {
    const { page } = session;
    await page.goto(ui('#/experiments'));
    await page.getByLabel('New experiment').fill('ui-e2e-created');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(listedNames).toContain('ui-e2e-created');
    const created = await fetch(
      `${e2e().baseUrl}/api/2.0/mlflow/experiments/get-by-name?experiment_name=ui-e2e-created`,
    ).then((r) => r.json() as Promise<{ experiment: { experiment_id: string } }>);
    await expect
      .poll(() => rowOf('ui-e2e-created').locator('td').nth(1).innerText())
      .toBe(created.experiment.experiment_id);

    await page.getByLabel('New experiment').fill('ui-e2e-created');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const duplicate = await fetch(`${e2e().baseUrl}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ui-e2e-created' }),
    }).then((r) => r.json() as Promise<{ message: string }>);
    const alert = page.locator('form[aria-label="Create experiment"] [role=alert]');
    await expect.poll(() => alert.innerText()).toBe(duplicate.message);
    await expectAccessible(page, 'the experiments list with an error');
  });

  it('rename, delete, and restore from the deleted ones', async () => {
    const { page } = session;
    await page.goto(ui('#/experiments'));
    await rowOf('ui-e2e-created').getByRole('button', { name: 'Rename ui-e2e-created' }).click();
    await page.getByLabel('New name of ui-e2e-created').fill('ui-e2e-renamed');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(listedNames).toContain('ui-e2e-renamed');
    expect(await listedNames()).not.toContain('ui-e2e-created');

    page.once('dialog', (dialog) => void dialog.accept());
    await rowOf('ui-e2e-renamed').getByRole('button', { name: 'Delete ui-e2e-renamed' }).click();
    await expect.poll(listedNames).not.toContain('ui-e2e-renamed');

    await page.getByLabel('Show').selectOption('deleted');
    expect(page.url()).toContain('lifecycle=deleted');
    await expect
      .poll(listedNames)
      .toEqual(expect.arrayContaining(['ui-e2e-renamed', e2e().data.deleted_experiment.name]));
    expect(await listedNames()).not.toContain('ui-e2e-runs');
    await expectAccessible(page, 'the deleted experiments');
    await rowOf('ui-e2e-renamed').getByRole('button', { name: 'Restore ui-e2e-renamed' }).click();
    await expect.poll(listedNames).not.toContain('ui-e2e-renamed');

    await page.getByLabel('Show').selectOption('active');
    await expect.poll(listedNames).toContain('ui-e2e-renamed');
  });

  it('follows the system theme: light and dark backgrounds, both accessible', async () => {
    const dark = await openSession({ colorScheme: 'dark' });
    try {
      await dark.page.goto(ui('#/experiments'));
      await dark.page.locator('table[aria-label=Experiments]').waitFor();
      const background = () =>
        dark.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      expect(await background()).toBe('rgb(15, 19, 24)');
      await expectAccessible(dark.page, 'the experiments list in the dark theme');
      await dark.page.emulateMedia({ colorScheme: 'light' });
      expect(await background()).toBe('rgb(255, 255, 255)');
      expect(dark.problems).toEqual([]);
    } finally {
      await dark.close();
    }
  });
});
