import { inject } from 'vitest';
import type { AuthE2eContext } from './auth-fixture';

export { signInThroughForm } from './ui-session';

/** The auth-on fixture server (support/auth-fixture.ts). */
export function e2eAuth(): AuthE2eContext {
  return inject('e2eAuth');
}

/** A page of the UI on the auth-on server: `authUi('#/admin/users')`. */
export function authUi(hash: string): string {
  return `${e2eAuth().baseUrl}/${hash}`;
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
