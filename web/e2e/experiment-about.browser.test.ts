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

/** The experiment's tags as the server has them (mlflow.* included). */
async function serverTags(id: string): Promise<Record<string, string>> {
  const answer = (await fetch(`${e2e().baseUrl}/api/2.0/mlflow/experiments/get?experiment_id=${id}`).then(
    (r) => r.json(),
  )) as { experiment: { tags?: { key: string; value: string }[] } };
  return Object.fromEntries((answer.experiment.tags ?? []).map((t) => [t.key, t.value]));
}

describe('experiment description and tags (issue 11, point 3)', () => {
  it('adds and removes tags, and edits the description, shown as text and never as HTML', async () => {
    const { page } = session;
    const { runs_experiment: exp } = e2e().data;
    await page.goto(ui(`#/experiments/${exp.id}`));
    const tags = page.getByRole('list', { name: 'Experiment tags' }).getByRole('listitem');
    // populate.py created the experiment with the tag owner=e2e.
    await expect.poll(() => tags.allInnerTexts()).toEqual([expect.stringMatching(/^owner: e2e/)]);
    expect(await page.getByText('No description.').count()).toBe(1);

    await page.getByLabel('Tag', { exact: true }).fill('stage');
    await page.getByLabel('Value', { exact: true }).fill('beta');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => tags.count()).toBe(2);
    expect((await tags.allInnerTexts()).map((t) => t.replace(/\s*×$/, ''))).toEqual([
      'owner: e2e',
      'stage: beta',
    ]);
    expect(await serverTags(exp.id)).toMatchObject({ owner: 'e2e', stage: 'beta' });

    await page.getByRole('button', { name: 'Remove tag owner' }).click();
    await expect.poll(() => tags.count()).toBe(1);
    expect(await serverTags(exp.id)).not.toHaveProperty('owner');

    const text = 'Churn model, weekly retrain.\n<b>not bold</b> <img src=x onerror=alert(1)>';
    await page.getByRole('button', { name: 'Edit description' }).click();
    await page.getByLabel('Description').fill(text);
    await page.getByRole('button', { name: 'Save description' }).click();
    const shown = page.locator('p.description');
    await expect.poll(() => shown.innerText()).toBe(text);
    expect(await shown.locator('b, img').count()).toBe(0);
    expect((await serverTags(exp.id))['mlflow.note.content']).toBe(text);
    // System tags (mlflow.*) are not listed among the experiment's tags.
    expect((await tags.allInnerTexts()).join(' ')).not.toContain('mlflow.note.content');
    await expectAccessible(page, 'the runs page with the experiment description and tags');
  });
});
