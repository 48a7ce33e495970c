import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, openSession, type UiSession } from './support/browser';
import { authApi, authUi, basic, e2eAuth, signInThroughForm } from './support/auth-session';

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
  session.page.on('dialog', (dialog) => void dialog.accept());
  const { admin } = e2eAuth().data;
  await session.page.goto(authUi('#/admin/users'));
  await signInThroughForm(session.page, admin.username, admin.password);
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const rowsOf = (selector: string) =>
  session.page
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) =>
        [...r.querySelectorAll('th, td')]
          .slice(0, 4)
          .map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim()),
      ),
    );
const asAdmin = () => basic(e2eAuth().data.admin.username, e2eAuth().data.admin.password);

/** The sign-in form's answer to `username` in a fresh browser context (no cookie). */
async function trySignIn(browser: Browser, username: string, password: string): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(authUi('#/experiments'));
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const outcome = page.locator('[role=alert], .user-menu');
    await outcome.first().waitFor();
    return await outcome.first().innerText();
  } finally {
    await context.close();
  }
}

describe('administration (issue 11, point 10)', () => {
  it('users: create, admin flag, disable (the user is told at sign-in), enable, reset the password', async () => {
    const { page, browser } = session;
    await expect.poll(() => page.locator('h1').innerText()).toBe('Users');
    expect(await page.locator('nav[aria-label=Main] a').allInnerTexts()).toEqual([
      'Experiments',
      'Models',
      'Alerts',
      'Pipelines',
      'Administration',
    ]);
    await expect
      .poll(() => rowsOf('table[aria-label=Users]'))
      .toEqual([
        ['admin you', 'administrator', 'active', expect.any(String)],
        ['alice', 'user', 'active', expect.any(String)],
        ['bob', 'user', 'active', expect.any(String)],
      ]);
    await expectAccessible(page, 'the users page');

    await page.getByLabel('New user').fill('carol');
    await page.getByLabel('Password', { exact: true }).fill('Carol-Strong-Pass-9');
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => page.locator('.notice').innerText()).toBe('User carol created.');
    await expect
      .poll(async () => (await rowsOf('table[aria-label=Users]')).map((r) => r[0]))
      .toContain('carol');

    await page.getByRole('button', { name: 'Make admin carol' }).click();
    await expect
      .poll(async () => (await rowsOf('table[aria-label=Users]')).find((r) => r[0] === 'carol')?.[1])
      .toBe('administrator');
    await page.getByRole('button', { name: 'Remove admin carol' }).click();
    await expect
      .poll(async () => (await rowsOf('table[aria-label=Users]')).find((r) => r[0] === 'carol')?.[1])
      .toBe('user');

    await page.getByRole('button', { name: 'Disable carol' }).click();
    await expect.poll(() => page.locator('.notice').innerText()).toBe('carol is disabled; 0 sessions ended.');
    await expect
      .poll(async () => (await rowsOf('table[aria-label=Users]')).find((r) => r[0] === 'carol')?.[2])
      .toBe('disabled');
    expect(await trySignIn(browser, 'carol', 'Carol-Strong-Pass-9')).toBe(
      'Sign-in refused: This account is disabled: ask an administrator to enable it before signing in again.',
    );
    await page.getByRole('button', { name: 'Enable carol' }).click();
    await expect.poll(() => page.locator('.notice').innerText()).toBe('carol is enabled.');

    await page.getByRole('button', { name: 'Reset password of carol' }).click();
    await page.getByLabel('New password for carol').fill('Carol-Newer-Pass-10');
    await page.getByRole('button', { name: 'Save password' }).click();
    await expect
      .poll(() => page.locator('.notice').innerText())
      .toBe('Password of carol reset; their sessions ended.');
    expect(await trySignIn(browser, 'carol', 'Carol-Strong-Pass-9')).toMatch(/^Sign-in refused: /);
    expect(await trySignIn(browser, 'carol', 'Carol-Newer-Pass-10')).toContain('Signed in as carol');
  });

  it('API tokens: a new token is shown once and works; revoked, it no longer does', async () => {
    const { page } = session;
    await page.getByRole('link', { name: 'API tokens' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('API tokens');
    await page.getByLabel('New token name').fill('ci-pipeline');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await expect.poll(() => shown.innerText().catch(() => '')).toMatch(/^bsn_[A-Za-z0-9_-]{43}$/);
    const token = await shown.innerText();
    const me = () => authApi('/api/bosun/v1/users/me', { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);
    await expect
      .poll(() => rowsOf('table[aria-labelledby=tokens-title]'))
      .toEqual([['ci-pipeline', `${token.slice(0, 12)}…`, expect.any(String), expect.any(String)]]);
    await expectAccessible(page, 'the tokens page');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('body').innerText()).not.toContain(token);
    await page.reload();
    await expect.poll(() => rowsOf('table[aria-labelledby=tokens-title]')).toHaveLength(1);
    expect(await page.locator('body').innerText()).not.toContain(token);

    await page.getByRole('button', { name: 'Revoke ci-pipeline' }).click();
    await expect
      .poll(() => page.locator('table[aria-labelledby=tokens-title] tbody tr td').nth(3).innerText())
      .toBe('revoked');
    expect((await me()).status).toBe(401);
  });

  it('permissions: a user’s grants per experiment; a grant opens the experiment to them, a revoke closes it', async () => {
    const { page } = session;
    const { users, experiments } = e2eAuth().data;
    const aliceReads = () =>
      authApi(`/api/2.0/mlflow/experiments/get?experiment_id=${experiments.nlp.id}`, {
        headers: { authorization: basic(users.alice.username, users.alice.password) },
      }).then((r) => r.status);
    await page.goto(authUi('#/admin/permissions?user=alice'));
    await expect
      .poll(() => rowsOf('table[aria-labelledby=grants-title]'))
      .toEqual([
        ['experiment', experiments.vision.id, 'MANAGE', `Revoke MANAGE on ${experiments.vision.id}`],
      ]);
    await expectAccessible(page, 'the permissions page');
    expect(await aliceReads()).toBe(403);
    await page.getByLabel('Resource').fill(experiments.nlp.id);
    await page.getByLabel('Permission', { exact: true }).selectOption('READ');
    await page.getByRole('button', { name: 'Grant' }).click();
    await expect
      .poll(() => rowsOf('table[aria-labelledby=grants-title]'))
      .toContainEqual(['experiment', experiments.nlp.id, 'READ', `Revoke READ on ${experiments.nlp.id}`]);
    expect(await aliceReads()).toBe(200);
    await page.getByRole('button', { name: `Revoke READ on ${experiments.nlp.id}` }).click();
    await expect.poll(() => rowsOf('table[aria-labelledby=grants-title]')).toHaveLength(1);
    expect(await aliceReads()).toBe(403);
  });

  it('audit log: filtered by actor in the URL, paged, and the chain verified with the result shown', async () => {
    const { page } = session;
    await page.goto(authUi('#/admin/audit'));
    const table = 'table[aria-label="Audit records"]';
    const seqs = async () => (await rowsOf(table)).map((r) => Number(r[0]));
    await expect.poll(async () => (await seqs()).length).toBe(50);
    const first = await seqs();
    expect(first).toEqual([...first].sort((a, b) => b - a));
    // Long routes and ids wrap inside their cells: the page fits the 1280-px window, every column on screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    const outcome = await page.locator(`${table} th`, { hasText: 'Status' }).boundingBox();
    expect((outcome?.x ?? Infinity) + (outcome?.width ?? 0)).toBeLessThanOrEqual(1280);
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(async () => Math.max(...(await seqs()))).toBeLessThan(Math.min(...first));
    await expectAccessible(page, 'the audit log');

    await page.getByLabel('Actor').fill('alice');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain('actor=alice');
    await expect
      .poll(async () => new Set((await rowsOf(table)).map((r) => r[2])))
      .toEqual(new Set(['alice']));

    const before = await authApi('/api/bosun/v1/audit-log/verify', { headers: { authorization: asAdmin() } });
    expect(before.json.valid).toBe(true);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const result = page.getByTestId('audit-verification');
    await expect
      .poll(() => result.innerText().catch(() => ''))
      .toMatch(/^Chain intact: \d+ records verified\.$/);
    const verified = Number(/(\d+)/.exec(await result.innerText())?.[1]);
    expect(verified).toBeGreaterThanOrEqual(Number(before.json.records));
  });

  it('secrets: paths and versions without values; a value only on an explicit reveal (audited); rotate and destroy', async () => {
    const { page } = session;
    const { secret } = e2eAuth().data;
    await page.goto(authUi('#/admin/secrets'));
    await page.getByLabel('Paths starting with').fill('apps/');
    await page.getByRole('button', { name: 'List' }).click();
    await expect
      .poll(() => page.locator('ul[aria-label="Secret paths"] button').allInnerTexts())
      .toEqual([secret.path]);
    await page.getByRole('button', { name: secret.path }).click();
    await expect.poll(() => page.locator('#secret-title').innerText()).toBe(secret.path);
    const versions = 'table[aria-labelledby=secret-title]';
    await expect
      .poll(() => rowsOf(versions))
      .toEqual([
        ['2', expect.any(String), 'live', '••••••••'],
        ['1', expect.any(String), 'live', '••••••••'],
      ]);
    expect(await page.locator('body').innerText()).not.toContain(secret.values[1]);
    await expectAccessible(page, 'the secrets page');

    await page.getByRole('button', { name: 'Reveal version 2' }).click();
    await expect.poll(async () => (await rowsOf(versions))[0]?.[3]).toBe(secret.values[1]);
    const audit = await authApi('/api/bosun/v1/audit-log?max_results=20', {
      headers: { authorization: asAdmin() },
    });
    const reads = (audit.json.entries as { action: string; resource_id: string; actor: string }[]).filter(
      (e) => e.action === 'GET /api/bosun/v1/secrets/data/*' && e.resource_id === secret.path,
    );
    expect(reads[0]?.actor).toBe('admin');

    await page.getByLabel('New value').fill('third-Secret-3');
    await page.getByRole('button', { name: 'Rotate (write a new version)' }).click();
    await expect
      .poll(async () => (await rowsOf(versions)).map((r) => r.slice(0, 4)))
      .toEqual([
        ['3', expect.any(String), 'live', '••••••••'],
        ['2', expect.any(String), 'live', '••••••••'],
        ['1', expect.any(String), 'live', '••••••••'],
      ]);
    await page.getByRole('button', { name: 'Destroy version 1' }).click();
    await expect.poll(async () => (await rowsOf(versions))[2]?.slice(2, 4)).toEqual(['destroyed', '—']);
    const stored = await authApi(`/api/bosun/v1/secrets/data/${secret.path}?version=3`, {
      headers: { authorization: asAdmin() },
    });
    expect(stored.json.value).toBe('third-Secret-3');
  });
});
