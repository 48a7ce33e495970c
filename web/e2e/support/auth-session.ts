import type { Page } from 'playwright-core';
import { inject } from 'vitest';
import type { AuthE2eContext } from './auth-fixture';

/** The auth-on fixture server (support/auth-fixture.ts). */
export function e2eAuth(): AuthE2eContext {
  return inject('e2eAuth');
}

/** A page of the UI on the auth-on server: `authUi('#/admin/users')`. */
export function authUi(hash: string): string {
  return `${e2eAuth().baseUrl}/${hash}`;
}

/** Signs in through the sign-in form the UI shows to a signed-out browser, and waits for the top bar to say so. */
export async function signInThroughForm(page: Page, username: string, password: string): Promise<void> {
  await page.locator('h1', { hasText: 'Sign in to Bosun' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.user-menu', { hasText: `Signed in as ${username}` }).waitFor();
}

/** An HTTP Basic header for direct API calls in assertions. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A JSON call to the auth-on server; answers status and body. */
export async function authApi(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${e2eAuth().baseUrl}${path}`, init);
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
