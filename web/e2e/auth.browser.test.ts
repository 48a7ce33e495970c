import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, openSession, type UiSession } from './support/browser';
import { authApi, authUi, basic, e2eAuth, signInThroughForm } from './support/auth-session';

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const storedInBrowser = () =>
  session.page.evaluate(() => ({
    local: Object.keys(window.localStorage),
    session: Object.keys(window.sessionStorage),
    cookie: document.cookie,
  }));

describe('sign-in with authentication on (issue 11, point 10)', () => {
  it('a signed-out browser gets the sign-in form on every page; a wrong password shows the server’s message', async () => {
    const { page } = session;
    await page.goto(authUi('#/experiments'));
    await expect.poll(() => page.locator('h1').innerText()).toBe('Sign in to Bosun');
    expect(await page.title()).toBe('Sign in · Bosun');
    expect(await page.locator('.user-menu').count()).toBe(0);
    await expectAccessible(page, 'the sign-in page');

    const refused = await authApi('/api/bosun/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: e2eAuth().baseUrl },
      body: JSON.stringify({ username: 'alice', password: 'Not-Her-Password-1' }),
    });
    expect(refused.status).toBe(401);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('Not-Her-Password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.locator('[role=alert]').innerText())
      .toBe(`Sign-in refused: ${String(refused.json.message)}`);
    // The password field is emptied; nothing was written to the browser's storage.
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await storedInBrowser()).toEqual({ local: [], session: [], cookie: '' });
  });

  it('alice signs in: her team’s experiment is listed and bob’s is not; administration is not offered', async () => {
    const { page, context } = session;
    const { users, experiments } = e2eAuth().data;
    await signInThroughForm(page, users.alice.username, users.alice.password);
    await expect.poll(() => page.locator('h1').innerText()).toBe('Experiments');
    const names = page.locator('table[aria-label=Experiments] tbody tr td:first-child a');
    await expect.poll(() => names.allInnerTexts()).toEqual([experiments.vision.name]);
    expect(await page.locator('nav[aria-label=Main] a').allInnerTexts()).toEqual([
      'Experiments',
      'Models',
      'Alerts',
      'Pipelines',
      'API tokens',
    ]);

    // The session is an HttpOnly, SameSite=Strict cookie the page's scripts cannot read; nothing else is stored.
    const cookie = (await context.cookies()).find((c) => c.name === 'bosun_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    expect(await storedInBrowser()).toEqual({ local: [], session: [], cookie: '' });

    // Bob's experiment, opened by its URL, is refused by the server; the page says so in the server's words.
    const asAlice = await authApi(`/api/2.0/mlflow/experiments/get?experiment_id=${experiments.nlp.id}`, {
      headers: { authorization: basic(users.alice.username, users.alice.password) },
    });
    expect(asAlice.status).toBe(403);
    await page.goto(authUi(`#/experiments/${experiments.nlp.id}`));
    await expect
      .poll(() => page.locator('[role=alert]').first().innerText())
      .toContain(String(asAlice.json.message));
    expect(await page.locator('body').innerText()).not.toContain('nlp-run');

    await page.goto(authUi('#/admin/users'));
    await expect
      .poll(() => page.locator('[role=alert]').innerText())
      .toBe('You do not have permission to open users.');
    expect(await page.locator('nav[aria-label=Administration] a').allInnerTexts()).toEqual(['API tokens']);
    await expectAccessible(page, 'a page refused to a non-administrator');
  });

  it('sign-out ends the session on the server: the form is back and the old cookie no longer signs in', async () => {
    const { page, context } = session;
    const cookie = (await context.cookies()).find((c) => c.name === 'bosun_session');
    expect(cookie).toBeDefined();
    const withCookie = () =>
      authApi('/api/bosun/v1/session', { headers: { cookie: `bosun_session=${cookie?.value}` } });
    expect((await withCookie()).status).toBe(200);
    await page.goto(authUi('#/experiments'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Sign in to Bosun');
    expect((await context.cookies()).find((c) => c.name === 'bosun_session')).toBeUndefined();
    expect((await withCookie()).status).toBe(401);
    // Signing in again returns to the page the URL names.
    await page.goto(authUi(`#/experiments/${e2eAuth().data.experiments.vision.id}`));
    await signInThroughForm(page, 'alice', e2eAuth().data.users.alice.password);
    await expect.poll(() => page.locator('h1').innerText()).toBe(e2eAuth().data.experiments.vision.name);
  });
});
