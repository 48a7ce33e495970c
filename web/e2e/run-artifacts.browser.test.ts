import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, hashQuery, openSession, ui, type UiSession } from './support/browser';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
});
afterAll(async () => {
  // Chromium reports the sandbox refusing the HTML artifact's script: that refusal is what the test wants.
  const sandboxed = /Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/;
  expect(session.problems.filter((p) => !sandboxed.test(p))).toEqual([]);
  await session.close();
});

const exp = () => e2e().data.artifacts_experiment;
const runUrl = (query = '') => ui(`#/experiments/${exp().id}/runs/${exp().parent.id}${query}`);
const tree = () => session.page.locator('nav[aria-label="Artifact files"]');
const preview = () => session.page.locator('.artifact-preview');

async function open(path: string): Promise<void> {
  const parts = path.split('/');
  for (const folder of parts.slice(0, -1)) {
    const button = tree().getByRole('button', { name: `${folder}/`, exact: true });
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  }
  await tree()
    .getByRole('button', { name: parts[parts.length - 1], exact: true })
    .click();
  await poll(() => preview().locator('h3#preview-title').innerText()).toBe(path);
  expect(hashQuery(session.page.url()).get('artifact')).toBe(path);
}

const tableRows = (selector: string) =>
  session.page
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText.trim())),
    );

describe('artifact browser of the run page (issue 11, point 5)', () => {
  it('lists the artifact tree through the list API, folders first, opening folders on demand', async () => {
    const { page } = session;
    await page.goto(runUrl());
    await poll(() => tree().locator('ul.tree-root > li > button').allInnerTexts()).toEqual([
      'config/',
      'data/',
      'logs/',
      'model/',
      'plots/',
      'report/',
      'summary.json',
    ]);
    await tree().getByRole('button', { name: 'model/', exact: true }).click();
    await poll(() => tree().locator('ul.tree-folder li button').allInnerTexts()).toEqual([
      'conda.yaml',
      'input_example.json',
      'MLmodel',
      'model.skops',
      'python_env.yaml',
      'requirements.txt',
      'serving_input_example.json',
    ]);
    const sizes = await tree().locator('ul.tree-folder li .tree-size').allInnerTexts();
    expect(sizes).toHaveLength(7);
    expect(sizes[3]).toMatch(/^\d+\.\d KB$/);
    expect(sizes.every((s) => /^\d+(\.\d)? (B|KB)$/.test(s))).toBe(true);
    expect(await preview().innerText()).toBe('Choose a file to preview it.');
  });

  it('streams a large log: the first 256 KB only, the next chunk on demand', async () => {
    const { page } = session;
    await page.goto(runUrl());
    await open('logs/train.log');
    const text = preview().locator('pre.preview-text');
    await poll(() => preview().locator('.preview-extent').innerText()).toMatch(
      /^Showing the first 256\.0 KB of 2\.\d MB\.$/,
    );
    const first = await text.innerText();
    expect(first.startsWith('line 00000 step=0 loss=1.000000')).toBe(true);
    expect(first.length).toBeLessThanOrEqual(256 * 1024);
    expect(first).not.toContain(`line ${String(exp().log_lines - 1).padStart(5, '0')}`);
    await expectAccessible(page, 'a text preview');
    await preview().getByRole('button', { name: 'Show more (next 256.0 KB)' }).click();
    await poll(() => preview().locator('.preview-extent').innerText()).toMatch(
      /^Showing the first 512\.0 KB of 2\.\d MB\.$/,
    );
    const more = await text.innerText();
    expect(more.startsWith(first)).toBe(true);
    expect(more.length).toBeGreaterThan(first.length);
    // The download link is the server's own, as an attachment.
    expect(await preview().getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(
      `get-artifact?run_id=${exp().parent.id}&path=logs%2Ftrain.log`,
    );
  });

  it('pretty-prints JSON and YAML, and shows CSV and TSV as tables', async () => {
    const { page } = session;
    await page.goto(runUrl());
    await open('summary.json');
    await poll(() => preview().locator('pre').innerText()).toBe(
      '{\n  "accuracy": 0.91,\n  "classes": [\n    "a",\n    "b"\n  ]\n}',
    );
    await open('config/params.yaml');
    await poll(() => preview().locator('pre').innerText()).toBe('solver: lbfgs\nlimits:\n  iterations: 100');
    await open('data/scores.csv');
    await poll(() => preview().locator('[role=status]').innerText()).toBe('3 rows × 3 columns');
    expect(await preview().locator('thead th').allInnerTexts()).toEqual(['name', 'score', 'team']);
    expect(await tableRows('.artifact-preview table')).toEqual([
      ['alpha', '0.5', 'vision'],
      ['beta', '0.75', 'nlp'],
      ['gamma', '1.25', 'vision'],
    ]);
    await expectAccessible(page, 'a CSV preview');
    await open('data/scores.tsv');
    await poll(() => preview().locator('[role=status]').innerText()).toBe('2 rows × 2 columns');
    expect(await tableRows('.artifact-preview table')).toEqual([
      ['alpha', '0.5'],
      ['beta', '0.75'],
    ]);
  });

  it('shows an image from its bytes, and HTML in a sandboxed frame whose script does not run', async () => {
    const { page } = session;
    await page.goto(runUrl());
    await open('plots/curve.png');
    const img = preview().locator('img');
    await poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(64);
    expect(await img.evaluate((i) => (i as HTMLImageElement).naturalHeight)).toBe(32);
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    expect(await img.getAttribute('alt')).toBe('Image artifact plots/curve.png');

    await open('report/index.html');
    const frame = preview().locator('iframe');
    await poll(() => frame.count()).toBe(1);
    expect(await frame.getAttribute('sandbox')).toBe('');
    const inner = page.frameLocator('.artifact-preview iframe');
    await poll(() => inner.locator('h1').innerText()).toBe('Static report');
    // The script would have changed the heading and written into the UI: neither happened.
    expect(await page.locator('h1#run-title').innerText()).toBe('trainer');
    expect(await preview().locator('p.muted').first().innerText()).toBe(
      'Shown sandboxed: scripts in the file do not run.',
    );
    await expectAccessible(page, 'an HTML preview');
  });

  it('renders an MLmodel file: flavors, signature and input example; the URL reopens the same preview', async () => {
    const { page } = session;
    await page.goto(runUrl('?artifact=model%2FMLmodel'));
    await poll(() => page.locator('#mlmodel-flavors').innerText()).toBe('Flavors (2)');
    expect(
      (await tableRows('table[aria-labelledby=mlmodel-flavors]')).map(([flavor, settings]) => [
        flavor,
        settings?.includes('loader_module: mlflow.sklearn') ||
          settings?.includes('serialization_format: skops'),
      ]),
    ).toEqual([
      ['python_function', true],
      ['sklearn', true],
    ]);
    expect(await page.locator('#mlmodel-inputs').innerText()).toBe('Inputs (2)');
    expect(await tableRows('table[aria-labelledby=mlmodel-inputs]')).toEqual([
      ['x1', 'double', 'yes'],
      ['x2', 'double', 'yes'],
    ]);
    expect(await tableRows('table[aria-labelledby=mlmodel-outputs]')).toEqual([['#0', 'long', 'yes']]);
    expect(await page.locator('table[aria-labelledby=mlmodel-example] thead th').allInnerTexts()).toEqual([
      'x1',
      'x2',
    ]);
    expect(await tableRows('table[aria-labelledby=mlmodel-example]')).toEqual([
      ['0.1', '1'],
      ['0.5', '0.2'],
    ]);
    // The folder leading to the file in the URL opened by itself, the file marked as current.
    expect(await tree().locator('[aria-current=true]').innerText()).toBe('MLmodel');
    await expectAccessible(page, 'an MLmodel preview');
  });
});
