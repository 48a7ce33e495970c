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

const tableRows = (selector: string) =>
  session.page
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText.trim())),
    );

/** The overview's facts as a map of label → text. */
const facts = () =>
  session.page.locator('dl.facts[aria-label=Overview]').evaluate((dl) => {
    const out: Record<string, string> = {};
    for (const dt of dl.querySelectorAll('dt')) {
      const dd = dt.nextElementSibling as HTMLElement | null;
      out[(dt as HTMLElement).innerText] = dd?.innerText.trim() ?? '';
    }
    return out;
  });

async function api<T>(path: string): Promise<T> {
  return fetch(`${e2e().baseUrl}${path}`).then((r) => r.json() as Promise<T>);
}

describe('run page (issue 11, point 5)', () => {
  it('shows the overview: status, times, duration, user, source, git commit and the child runs as links', async () => {
    const { page } = session;
    const exp = e2e().data.artifacts_experiment;
    await page.goto(ui(`#/experiments/${exp.id}/runs/${exp.parent.id}`));
    await poll(() => page.locator('h1#run-title').innerText()).toBe('trainer');
    await poll(async () => (await facts())['Child runs']).toBe('child-0, child-1, child-2');
    const { run } = await api<{ run: { info: { start_time: number; end_time: number; user_id: string } } }>(
      `/api/2.0/mlflow/runs/get?run_id=${exp.parent.id}`,
    );
    const shown = await facts();
    const when = (ms: number) =>
      new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(
        new Date(ms),
      );
    expect(shown).toMatchObject({
      Status: 'FINISHED',
      'Run ID': exp.parent.id,
      Started: when(run.info.start_time),
      Ended: when(run.info.end_time),
      User: run.info.user_id,
      Source: 'train.py (LOCAL)',
      'Parent run': '—',
    });
    expect(shown['Duration']).toMatch(/^\d+(\.\d)? s$|^\d+ min \d+ s$/);
    expect(shown['Git commit']).toMatch(new RegExp(`^${exp.git_commit.slice(0, 12)}( on \\S+)?$`));
    expect(
      await page.locator('dd span[title]', { hasText: exp.git_commit.slice(0, 12) }).getAttribute('title'),
    ).toBe(exp.git_commit);
    const childLinks = await page
      .locator('.child-runs a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
    expect(childLinks).toEqual(exp.children.map((c) => `#/experiments/${exp.id}/runs/${c.id}`));

    await page.locator('.child-runs a', { hasText: 'child-1' }).click();
    await poll(() => page.locator('h1#run-title').innerText()).toBe('child-1');
    expect(page.url()).toBe(ui(`#/experiments/${exp.id}/runs/${exp.children[1]?.id}`));
    expect((await facts())['Parent run']).toBe(exp.parent.id);
    expect(await tableRows('table[aria-labelledby=params-title]')).toEqual([
      ['optimizer', 'adam'],
      ['seed', '1'],
    ]);
    await page.getByRole('link', { name: exp.parent.id }).click();
    await poll(() => page.locator('h1#run-title').innerText()).toBe('trainer');
    await expectAccessible(page, 'the run page');
  });

  it('renders the description as markdown without running or rendering its raw HTML or javascript: links', async () => {
    const { page } = session;
    const exp = e2e().data.artifacts_experiment;
    await page.goto(ui(`#/experiments/${exp.id}/runs/${exp.parent.id}`));
    const md = page.locator('.description .markdown');
    await poll(() => md.locator('h1').innerText()).toBe('Trainer notes');
    expect(await md.locator('strong').innerText()).toBe('logistic regression');
    expect(await md.locator('code').innerText()).toBe('iris');
    expect(await md.getByRole('link', { name: 'the docs' }).getAttribute('href')).toBe(
      'https://example.org/docs',
    );
    // micromark drops the javascript: URL: the text stays, the link goes nowhere.
    const bad = await md.locator('a', { hasText: 'bad link' }).getAttribute('href');
    expect(bad ?? '').not.toMatch(/javascript/i);
    // The raw HTML is shown as text, not parsed: no script element, no img, nothing ran.
    expect(await md.innerText()).toContain('<script>window.__pwned = 1</script>');
    expect(await md.locator('script, img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('lists params, latest metrics, datasets, the logged model and the registered version made from the run', async () => {
    const { page } = session;
    const exp = e2e().data.artifacts_experiment;
    await page.goto(ui(`#/experiments/${exp.id}/runs/${exp.parent.id}`));
    await poll(() => page.locator('#logged-models-title').count()).toBe(1);
    expect(await tableRows('table[aria-labelledby=params-title]')).toEqual([
      ['C', '1.0'],
      ['solver', 'lbfgs'],
    ]);
    // test_acc was logged on the logged model inside the run, so the run has it too (as MLflow records it).
    expect(await tableRows('table[aria-labelledby=metrics-title]')).toEqual([
      ['test_acc', '0.88', '0'],
      ['val_acc', '0.91', '2'],
    ]);
    const rows = await tableRows('table[aria-labelledby=datasets-title]');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.[0]).toBe('iris-train');
    expect(rows[0]?.[1]).toMatch(/^[0-9a-f]{8}$/);
    expect(rows[0]?.slice(2)).toEqual(['code', 'training']);
    expect(await page.locator('#logged-models-title').innerText()).toBe('Logged models (1)');
    const model = page.locator('ul[aria-labelledby=logged-models-title] a');
    expect(await model.innerText()).toBe(exp.logged_model.name);
    expect(await model.getAttribute('href')).toBe(
      `#/experiments/${exp.id}/logged-models/${exp.logged_model.id}`,
    );
    expect(await page.locator('#versions-title').innerText()).toBe('Registered versions (1)');
    const version = page.locator('ul[aria-labelledby=versions-title] li');
    expect(await version.innerText()).toBe(`${exp.registered_model} version 1`);
    expect(await page.locator('main h2').allInnerTexts()).toEqual([
      'Description',
      'Parameters (2)',
      'Metrics (2)',
      'Tags (1)',
      'Datasets (1)',
      'Models',
      'Charts',
      'Artifacts',
    ]);
  });

  it('sets and deletes a tag through the API, and shows the server’s refusal in place', async () => {
    const { page } = session;
    const exp = e2e().data.artifacts_experiment;
    const child = exp.children[2];
    await page.goto(ui(`#/experiments/${exp.id}/runs/${child?.id}`));
    await poll(() => page.locator('#tags-title').innerText()).toBe('Tags (0)');
    const form = page.getByRole('form', { name: 'Set a tag' });
    await form.getByLabel('Key').fill('reviewed');
    await form.getByLabel('Value').fill('yes, by ana');
    await form.getByRole('button', { name: 'Set tag' }).click();
    await poll(() => page.locator('#tags-title').innerText()).toBe('Tags (1)');
    expect(await tableRows('table[aria-labelledby=tags-title]')).toEqual([
      ['reviewed', 'yes, by ana', 'Delete'],
    ]);
    const tagsOf = async () =>
      (
        await api<{ run: { data: { tags: { key: string; value: string }[] } } }>(
          `/api/2.0/mlflow/runs/get?run_id=${child?.id}`,
        )
      ).run.data.tags.filter((t) => !t.key.startsWith('mlflow.'));
    expect(await tagsOf()).toEqual([{ key: 'reviewed', value: 'yes, by ana' }]);
    await expectAccessible(page, 'the run page with a tag');

    // A key the server refuses: its message, in place.
    await form.getByLabel('Key').fill('bad/../key');
    await form.getByRole('button', { name: 'Set tag' }).click();
    await poll(() => page.locator('[role=alert]').innerText()).toMatch(/^The tag was not changed: .+/);
    const refusal = await fetch(`${e2e().baseUrl}/api/2.0/mlflow/runs/set-tag`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ run_id: child?.id, key: 'bad/../key', value: '' }),
    }).then((r) => r.json() as Promise<{ message: string }>);
    expect(await page.locator('[role=alert]').innerText()).toBe(
      `The tag was not changed: ${refusal.message}`,
    );

    await page.getByRole('button', { name: 'Delete tag reviewed' }).click();
    await poll(() => page.locator('#tags-title').innerText()).toBe('Tags (0)');
    expect(await tagsOf()).toEqual([]);
  });
});
