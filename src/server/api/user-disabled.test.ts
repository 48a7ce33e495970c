import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../db/test-support/test-databases.js';
import { startServer, type RunningServer } from '../start-server.js';
import {
  authServerConfig,
  sendJson,
  serverDatabase,
  type JsonReply,
  type ServerDatabase,
} from '../test-support/auth-database.js';
import { basic, testAdmin } from '../test-support/auth-test-server.js';
import { testStartOptions } from '../test-support/test-start-options.js';

const alicePassword = 'Alice-Strong-Pass-7';
const disabledMessage =
  'This account is disabled: ask an administrator to enable it before signing in again.';
const genericSignIn = 'Authentication required: invalid or missing credentials.';
const asAdmin = basic(testAdmin.username, testAdmin.password);
const asAlice = basic('alice', alicePassword);

describe.each(testEngines)('disabled users on %s', (engine) => {
  let database: ServerDatabase;
  let server: RunningServer;
  let origin: string;

  const send = (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) => sendJson(server.address, method, path, options);
  const setDisabled = (username: string, disabled: boolean, authorization = asAdmin) =>
    send('PATCH', `/api/bosun/v1/users/${username}`, { body: { disabled }, headers: { authorization } });
  const signIn = (password: string) =>
    send('POST', '/api/bosun/v1/session', { body: { username: 'alice', password }, headers: { origin } });
  const cookieOf = (reply: JsonReply): string => (reply.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

  beforeAll(async () => {
    database = await serverDatabase(engine, 'bosun_disabled');
    server = await startServer(authServerConfig(database), testStartOptions);
    origin = server.address;
    const created = await send('POST', '/api/2.0/mlflow/users/create', {
      body: { username: 'alice', password: alicePassword },
      headers: { authorization: asAdmin },
    });
    expect(created.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await database?.dispose();
  });

  it('a disabled user keeps their account but cannot sign in by password, token or cookie; enabling restores it', async () => {
    const cookie = cookieOf(await signIn(alicePassword));
    const token = await send('POST', '/api/bosun/v1/users/alice/tokens', {
      body: { name: 'ci' },
      headers: { authorization: asAlice },
    });
    expect(token.status).toBe(200);
    const bearer = `Bearer ${String(token.json.token)}`;
    expect((await send('GET', '/api/bosun/v1/users/me', { headers: { cookie } })).status).toBe(200);

    const disabled = await setDisabled('alice', true);
    expect(disabled.status).toBe(200);
    expect(disabled.json).toMatchObject({ user: { username: 'alice', disabled: true }, sessions_ended: 1 });

    // The browser session ended with it.
    const withCookie = await send('GET', '/api/bosun/v1/users/me', { headers: { cookie } });
    expect(withCookie.status).toBe(401);
    // The right password and a valid token are told plainly; a wrong password learns nothing.
    for (const authorization of [asAlice, bearer]) {
      const refused = await send('GET', '/api/bosun/v1/users/me', { headers: { authorization } });
      expect(refused.status).toBe(401);
      expect(refused.json).toEqual({ error_code: 'UNAUTHENTICATED', message: disabledMessage });
    }
    const guessed = await send('GET', '/api/bosun/v1/users/me', {
      headers: { authorization: basic('alice', 'Wrong-Password-99') },
    });
    expect(guessed.json).toEqual({ error_code: 'UNAUTHENTICATED', message: genericSignIn });
    const browser = await signIn(alicePassword);
    expect(browser.status).toBe(401);
    expect(browser.json).toEqual({ error_code: 'UNAUTHENTICATED', message: disabledMessage });
    expect(browser.headers.get('set-cookie')).toBeNull();
    expect((await signIn('Wrong-Password-99')).json.message).toBe(genericSignIn);

    const list = await send('GET', '/api/bosun/v1/users', { headers: { authorization: asAdmin } });
    const users = list.json.users as { username: string; disabled: boolean }[];
    expect(users.map((u) => [u.username, u.disabled])).toEqual([
      ['admin', false],
      ['alice', true],
    ]);

    const enabled = await setDisabled('alice', false);
    expect(enabled.json).toMatchObject({ user: { disabled: false }, sessions_ended: 0 });
    expect((await signIn(alicePassword)).status).toBe(200);
    expect((await send('GET', '/api/bosun/v1/users/me', { headers: { authorization: bearer } })).status).toBe(
      200,
    );
  });

  it('only administrators disable users; not themselves; an unknown user is 404', async () => {
    const byAlice = await setDisabled('admin', true, asAlice);
    expect(byAlice.status).toBe(403);
    const self = await setDisabled('admin', true);
    expect(self.status).toBe(400);
    expect(self.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'You cannot disable your own account.',
    });
    const missing = await setDisabled('nobody', true);
    expect(missing.status).toBe(404);
    const badBody = await send('PATCH', '/api/bosun/v1/users/alice', {
      body: { disabled: 'yes' },
      headers: { authorization: asAdmin },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
