import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testEngines } from '../../db/test-support/test-databases.js';
import { loadServerConfig, type ServerConfig } from '../../shared/config.js';
import type { Clock } from '../../shared/clock.js';
import { startServer, type RunningServer } from '../start-server.js';
import {
  authServerConfig,
  sendJson,
  serverDatabase,
  type JsonReply,
  type ServerDatabase,
} from '../test-support/auth-database.js';
import { testAdmin } from '../test-support/auth-test-server.js';
import { basicAuthorization } from '../test-support/json-request.js';
import { testStartOptions } from '../test-support/test-start-options.js';

const hour = 60 * 60 * 1000;
const alicePassword = 'Alice-Strong-Pass-7';
const bobPassword = 'Bob-Strong-Pass-8';
const asAdmin = basicAuthorization(testAdmin.username, testAdmin.password);
const session = '/api/bosun/v1/session';
const search = '/api/2.0/mlflow/experiments/search?max_results=10';
const basicFailure = {
  error_code: 'UNAUTHENTICATED',
  message: 'Authentication required: invalid or missing credentials.',
};

type Reply = JsonReply;

const send = (
  server: RunningServer,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> => sendJson(server.address, method, path, options);

/** The `bosun_session=<token>` pair of a sign-in's Set-Cookie, for the Cookie header. */
function cookieOf(reply: Reply): string {
  const set = reply.headers.get('set-cookie') ?? '';
  const pair = set.split(';')[0] ?? '';
  expect(pair).toMatch(/^bosun_session=bss_[A-Za-z0-9_-]{43}$/);
  return pair;
}

describe.each(testEngines)('browser sign-in on %s', (engine) => {
  let database: ServerDatabase;
  let server: RunningServer;
  let second: RunningServer;
  let now = Date.now();
  const clock: Clock = { nowMs: () => now };
  let origin: string;

  const signIn = (username: string, password: string, headers: Record<string, string> = {}) =>
    send(server, 'POST', session, { body: { username, password }, headers: { origin, ...headers } });
  const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({ cookie, origin, ...extra });

  beforeAll(async () => {
    database = await serverDatabase(engine, 'bosun_sessions');
    server = await startServer(authServerConfig(database), {
      ...testStartOptions,
      platform: { ...testStartOptions.platform, clock },
    });
    origin = server.address;
    second = await startServer(authServerConfig(database), testStartOptions);
    for (const [username, password] of [
      ['alice', alicePassword],
      ['bob', bobPassword],
      ['carol', 'Carol-Strong-Pass-9'],
      ['dave', 'Dave-Strong-Pass-10'],
    ]) {
      const created = await send(server, 'POST', '/api/2.0/mlflow/users/create', {
        body: { username, password },
        headers: { authorization: asAdmin },
      });
      expect(created.status).toBe(200);
    }
  });
  afterAll(async () => {
    await second?.close();
    await server?.close();
    await database?.dispose();
  });

  it('signs in with a password: an HttpOnly, SameSite=Strict cookie whose Max-Age is the lifetime', async () => {
    const reply = await signIn('alice', alicePassword, { 'user-agent': 'Playwright/1' });
    expect(reply.status).toBe(200);
    const setCookie = reply.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^bosun_session=bss_[A-Za-z0-9_-]{43}; /);
    const attributes = setCookie.split('; ').slice(1);
    expect(attributes).toEqual(['Max-Age=43200', 'Path=/', 'HttpOnly', 'SameSite=Strict']);
    expect(reply.json).toMatchObject({
      auth_enabled: true,
      auth_method: 'session',
      user: { username: 'alice', is_admin: false },
      grants: [],
      default_permission: 'READ',
      capabilities: {
        create_experiments: true,
        manage_users: false,
        read_audit_log: false,
        manage_secrets: false,
      },
      session: { expires_at: now + 12 * hour, idle_expires_at: now + 2 * hour, user_agent: 'Playwright/1' },
    });
    // Nothing secret in the answer.
    expect(JSON.stringify(reply.json)).not.toContain('bss_');
  });

  it('marks the cookie Secure when the browser came over TLS (a proxy or the page says so)', async () => {
    const proxied = await signIn('alice', alicePassword, { 'x-forwarded-proto': 'https' });
    expect(proxied.headers.get('set-cookie')).toMatch(/; SameSite=Strict; Secure$/);
    // Behind a TLS proxy that keeps the Host, the page's Origin is https://<that host>.
    const page = await signIn('alice', alicePassword, { origin: origin.replace(/^http:/, 'https:') });
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toMatch(/; SameSite=Strict; Secure$/);
  });

  it('the cookie signs in on MLflow and Bosun routes, reads and same-origin writes', async () => {
    const cookie = cookieOf(await signIn('alice', alicePassword));
    const me = await send(server, 'GET', '/api/bosun/v1/users/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect((me.json.user as { username: string }).username).toBe('alice');
    expect((await send(server, 'GET', search, { headers: { cookie } })).status).toBe(200);
    const created = await send(server, 'POST', '/api/2.0/mlflow/experiments/create', {
      body: { name: `alice-${engine}` },
      headers: withCookie(cookie),
    });
    expect(created.status).toBe(200);
    const whoAmI = await send(server, 'GET', session, { headers: { cookie } });
    expect(whoAmI.json).toMatchObject({
      auth_method: 'session',
      grants: [{ resource_type: 'experiment', resource: created.json.experiment_id, permission: 'MANAGE' }],
    });
    // Browser pages' fetches (Sec-Fetch-Dest: empty) get no Basic challenge, which would open the browser's dialog.
    const other = await send(server, 'POST', '/api/2.0/mlflow/experiments/create', {
      body: { name: 'x' },
      headers: { 'sec-fetch-dest': 'empty', origin },
    });
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toBeNull();
    const curl = await send(server, 'GET', search);
    expect(curl.headers.get('www-authenticate')).toBe('Basic realm="bosun"');
  });

  it('refuses cookie writes from another site, or with no Origin at all, in the API error format', async () => {
    const cookie = cookieOf(await signIn('alice', alicePassword));
    const create = (headers: Record<string, string>) =>
      send(server, 'POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'csrf' }, headers });
    const cases: Record<string, string>[] = [
      { cookie, origin: 'http://evil.example' },
      { cookie, origin: 'null' },
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie },
      { cookie, 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of cases) {
      const refused = await create(headers);
      expect({ status: refused.status, code: refused.json.error_code }).toEqual({
        status: 403,
        code: 'PERMISSION_DENIED',
      });
      expect(refused.json.message).toMatch(/^Cross-site request refused/);
    }
    const listed = await send(server, 'GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=csrf', {
      headers: { cookie },
    });
    expect(listed.status).toBe(404);
    // Sign-in itself is refused from another site (login CSRF), and so is sign-out.
    const foreign = await send(server, 'POST', session, {
      body: { username: 'alice', password: alicePassword },
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    const signOut = await send(server, 'DELETE', session, { headers: { cookie } });
    expect(signOut.status).toBe(403);
    expect((await send(server, 'GET', session, { headers: { cookie } })).status).toBe(200);
    // Same-origin by Sec-Fetch-Site alone is enough.
    expect((await create({ cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('answers a wrong password and a lockout exactly as HTTP Basic does, without the Basic challenge', async () => {
    const wrong = await signIn('bob', 'Not-Bobs-Password-1');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(basicFailure);
    expect(wrong.headers.get('www-authenticate')).toBeNull();
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const unknown = await signIn('nobody', 'Not-Bobs-Password-1');
    expect(unknown.json).toEqual(wrong.json);
    const basicWrong = await send(server, 'GET', search, {
      headers: { authorization: basicAuthorization('bob', 'Not-Bobs-Password-1') },
    });
    expect(basicWrong.json).toEqual(wrong.json);
    for (let i = 0; i < 3; i += 1) await signIn('bob', 'Not-Bobs-Password-1'); // 5 failures: locked out
    const locked = await signIn('bob', bobPassword);
    expect(locked.status).toBe(401);
    expect(locked.json).toEqual(basicFailure);
    expect(locked.headers.get('set-cookie')).toBeNull();
    const basicLocked = await send(server, 'GET', search, {
      headers: { authorization: basicAuthorization('bob', bobPassword) },
    });
    expect({ status: basicLocked.status, json: basicLocked.json }).toEqual({
      status: 401,
      json: locked.json,
    });
  });

  it('takes its lockout from BOSUN_LOCKOUT_FAILURES and BOSUN_LOCKOUT_MINUTES; 0 minutes turns it off', async () => {
    const configWith = (env: Record<string, string>): ServerConfig => ({
      ...loadServerConfig(
        { port: 0, backendStoreUri: database.uri, artifactsDestination: `${database.dir}/artifacts` },
        env,
      ),
      logLevel: 'silent',
      authEnabled: true,
    });
    expect(configWith({}).lockout).toEqual({ maxFailures: 5, lockoutMs: 15 * 60_000 });
    for (const [username, password] of [
      ['erin', 'Erin-Strong-Pass-12'],
      ['frank', 'Frank-Strong-Pass-13'],
    ]) {
      const created = await send(server, 'POST', '/api/2.0/mlflow/users/create', {
        body: { username, password },
        headers: { authorization: asAdmin },
      });
      expect(created.status).toBe(200);
    }
    const strict = await startServer(
      configWith({ BOSUN_LOCKOUT_FAILURES: '2', BOSUN_LOCKOUT_MINUTES: '30' }),
      testStartOptions,
    );
    const off = await startServer(
      configWith({ BOSUN_LOCKOUT_FAILURES: '2', BOSUN_LOCKOUT_MINUTES: '0' }),
      testStartOptions,
    );
    try {
      const signInAt = (target: RunningServer, username: string, password: string) =>
        send(target, 'POST', session, { body: { username, password }, headers: { origin: target.address } });
      for (let i = 0; i < 2; i += 1) {
        expect((await signInAt(strict, 'erin', 'Not-Erins-Password-1')).status).toBe(401);
        expect((await signInAt(off, 'frank', 'Not-Franks-Password-1')).status).toBe(401);
      }
      // Two failures lock erin out on the strict server, even with her right password...
      expect((await signInAt(strict, 'erin', 'Erin-Strong-Pass-12')).status).toBe(401);
      // ...while with 0 minutes the same two failures leave frank free to sign in.
      expect((await signInAt(off, 'frank', 'Frank-Strong-Pass-13')).status).toBe(200);
    } finally {
      await off.close();
      await strict.close();
    }
    for (const [name, value] of [
      ['BOSUN_LOCKOUT_FAILURES', '0'],
      ['BOSUN_LOCKOUT_FAILURES', '2.5'],
      ['BOSUN_LOCKOUT_MINUTES', '-1'],
      ['BOSUN_LOCKOUT_MINUTES', 'soon'],
      ['BOSUN_LOCKOUT_MINUTES', ''],
    ] as const) {
      expect(() => configWith({ [name]: value })).toThrow(`Invalid ${name} '${value}'`);
    }
  });

  it('refuses bad sign-in bodies with 400 in the API format', async () => {
    const missing = await send(server, 'POST', session, { body: { username: 'alice' }, headers: { origin } });
    expect(missing.status).toBe(400);
    expect(missing.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const form = await fetch(server.address + session, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: 'username=alice&password=x',
    });
    expect(form.status).toBe(415);
  });

  it('ends a session at its absolute expiry and after two hours unused (the injected clock)', async () => {
    const start = now;
    const cookie = cookieOf(await signIn('alice', alicePassword));
    try {
      for (let t = 1; t < 12; t += 1) {
        now = start + t * hour;
        expect((await send(server, 'GET', session, { headers: { cookie } })).status).toBe(200);
      }
      now = start + 12 * hour;
      const expired = await send(server, 'GET', session, { headers: { cookie } });
      expect(expired.status).toBe(401);
      expect(expired.json).toEqual(basicFailure);
      // The stale cookie is cleared, and no Basic dialog is asked for.
      expect(expired.headers.get('set-cookie')).toBe(
        'bosun_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
      );
      expect(expired.headers.get('www-authenticate')).toBeNull();

      now = start;
      const idle = cookieOf(await signIn('alice', alicePassword));
      now = start + 2 * hour - 1;
      expect((await send(server, 'GET', session, { headers: { cookie: idle } })).status).toBe(200);
      now = start + 4 * hour - 1; // used at 2h - 1 ms: idle until 4h - 1 ms
      expect((await send(server, 'GET', session, { headers: { cookie: idle } })).status).toBe(401);
    } finally {
      now = start;
    }
  });

  it('sign-out ends the session on the server and clears the cookie', async () => {
    const cookie = cookieOf(await signIn('alice', alicePassword));
    const out = await send(server, 'DELETE', session, { headers: withCookie(cookie) });
    expect(out.status).toBe(200);
    expect((out.json.session as { revoked_at?: number }).revoked_at).toBeTypeOf('number');
    expect(out.headers.get('set-cookie')).toBe(
      'bosun_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    );
    // A copy of the cookie kept elsewhere signs nobody in any more.
    expect((await send(server, 'GET', search, { headers: { cookie } })).status).toBe(401);
  });

  it('a password reset by an administrator, or deleting the user, ends their sessions', async () => {
    const carol = cookieOf(await signIn('carol', 'Carol-Strong-Pass-9'));
    const reset = await send(server, 'PATCH', '/api/2.0/mlflow/users/update-password', {
      body: { username: 'carol', password: 'Carol-New-Pass-11' },
      headers: { authorization: asAdmin },
    });
    expect(reset.status).toBe(200);
    expect((await send(server, 'GET', session, { headers: { cookie: carol } })).status).toBe(401);

    const dave = cookieOf(await signIn('dave', 'Dave-Strong-Pass-10'));
    const deleted = await send(server, 'DELETE', '/api/2.0/mlflow/users/delete', {
      body: { username: 'dave' },
      headers: { authorization: asAdmin },
    });
    expect(deleted.status).toBe(200);
    expect((await send(server, 'GET', session, { headers: { cookie: dave } })).status).toBe(401);
  });

  it('lists and revokes a user’s sessions: the user themself or administrators, nobody else', async () => {
    const mine = cookieOf(await signIn('alice', alicePassword));
    const other = cookieOf(await signIn('alice', alicePassword));
    const aliceSessions = '/api/bosun/v1/users/alice/sessions';
    const listed = await send(server, 'GET', aliceSessions, { headers: { cookie: mine } });
    expect(listed.status).toBe(200);
    const sessions = listed.json.sessions as { id: number; current: boolean }[];
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(JSON.stringify(listed.json)).not.toContain('bss_');
    const mineId = sessions.find((s) => s.current)?.id;
    // Newest first: `other` began after `mine`.
    const otherId = sessions[0]?.id;
    expect(otherId).toBeGreaterThan(mineId ?? Infinity);

    const carol = basicAuthorization('carol', 'Carol-New-Pass-11');
    const byOther = await send(server, 'GET', aliceSessions, { headers: { authorization: carol } });
    expect({ status: byOther.status, code: byOther.json.error_code }).toEqual({
      status: 403,
      code: 'PERMISSION_DENIED',
    });
    const revokeByOther = await send(server, 'DELETE', aliceSessions, { headers: { authorization: carol } });
    expect(revokeByOther.status).toBe(403);

    const one = await send(server, 'DELETE', `${aliceSessions}/${otherId}`, {
      headers: { authorization: asAdmin },
    });
    expect(one.status).toBe(200);
    expect((await send(server, 'GET', session, { headers: { cookie: other } })).status).toBe(401);
    expect((await send(server, 'GET', session, { headers: { cookie: mine } })).status).toBe(200);
    const bad = await send(server, 'DELETE', `${aliceSessions}/01`, { headers: { authorization: asAdmin } });
    expect({ status: bad.status, code: bad.json.error_code }).toEqual({
      status: 400,
      code: 'INVALID_PARAMETER_VALUE',
    });
    const unknown = await send(server, 'DELETE', `${aliceSessions}/999999`, {
      headers: { authorization: asAdmin },
    });
    expect(unknown.status).toBe(404);

    const all = await send(server, 'DELETE', aliceSessions, { headers: { authorization: asAdmin } });
    expect(all.status).toBe(200);
    expect(all.json.revoked).toBeGreaterThanOrEqual(1);
    expect((await send(server, 'GET', session, { headers: { cookie: mine } })).status).toBe(401);
  });

  it('audits sign-in success and failure (naming the user, never the password) and sign-out', async () => {
    const since = Date.now() - 1;
    await signIn('alice', 'Wrong-Password-For-Alice-1');
    const cookie = cookieOf(await signIn('alice', alicePassword));
    expect((await send(server, 'DELETE', session, { headers: withCookie(cookie) })).status).toBe(200);
    const entries = async (action: string) => {
      const page = await send(
        server,
        'GET',
        `/api/bosun/v1/audit-log?since=${since}&action=${encodeURIComponent(action)}`,
        { headers: { authorization: asAdmin } },
      );
      return (page.json.entries ?? []) as Record<string, unknown>[];
    };
    await vi.waitFor(async () => {
      const signIns = (await entries(`POST ${session}`)).map((e) => [
        e.actor,
        e.outcome,
        e.resource_type,
        e.resource_id,
      ]);
      expect(signIns).toEqual(
        expect.arrayContaining([
          ['anonymous', 'unauthenticated', 'user', 'alice'],
          ['alice', 'success', 'user', 'alice'],
        ]),
      );
      const signOuts = (await entries(`DELETE ${session}`)).map((e) => [e.actor, e.outcome]);
      expect(signOuts).toContainEqual(['alice', 'success']);
    });
    const everything = await send(server, 'GET', `/api/bosun/v1/audit-log?since=${since}`, {
      headers: { authorization: asAdmin },
    });
    expect(everything.status).toBe(200);
    expect(JSON.stringify(everything.json)).not.toContain(alicePassword);
    expect(JSON.stringify(everything.json)).not.toContain('Wrong-Password-For-Alice-1');
  });

  it('documents the session routes in the OpenAPI document, sign-in without a security requirement', async () => {
    type Operation = { security?: unknown[]; responses: Record<string, unknown> };
    const doc = await send(server, 'GET', '/api/bosun/v1/openapi.json');
    const paths = doc.json.paths as Record<string, Record<string, Operation>>;
    const signInOp = paths['/api/bosun/v1/session']?.post;
    expect(signInOp?.security).toEqual([]);
    expect(Object.keys(signInOp?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '415']),
    );
    expect(JSON.stringify(signInOp?.responses['200'])).toContain('capabilities');
    for (const [path, method] of [
      ['/api/bosun/v1/session', 'get'],
      ['/api/bosun/v1/session', 'delete'],
      ['/api/bosun/v1/users/{username}/sessions', 'get'],
      ['/api/bosun/v1/users/{username}/sessions', 'delete'],
      ['/api/bosun/v1/users/{username}/sessions/{session_id}', 'delete'],
    ] as const) {
      expect(paths[path]?.[method]?.security, `${method} ${path}`).toEqual([
        { basicAuth: [] },
        { bearerAuth: [] },
      ]);
    }
  });

  it('a session begun on one server is good on another server of the same database, and ends on both', async () => {
    const cookie = cookieOf(await signIn('alice', alicePassword));
    const elsewhere = { cookie, origin: second.address };
    const me = await send(second, 'GET', session, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect((me.json.user as { username: string }).username).toBe('alice');
    const created = await send(second, 'POST', '/api/2.0/mlflow/experiments/create', {
      body: { name: `two-servers-${engine}` },
      headers: elsewhere,
    });
    expect(created.status).toBe(200);
    expect((await send(second, 'DELETE', session, { headers: elsewhere })).status).toBe(200);
    expect((await send(server, 'GET', session, { headers: { cookie } })).status).toBe(401);
    expect((await send(second, 'GET', session, { headers: { cookie } })).status).toBe(401);
  });
});

describe('browser sign-in with auth off', () => {
  let database: ServerDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    database = await serverDatabase('sqlite', 'bosun_sessions_off');
    server = await startServer(authServerConfig(database, { authEnabled: false }), testStartOptions);
  });
  afterAll(async () => {
    await server?.close();
    await database?.dispose();
  });

  it('who am I says that auth is off, and sign-in is refused with 400', async () => {
    const whoAmI = await send(server, 'GET', session);
    expect(whoAmI.status).toBe(200);
    expect(whoAmI.json).toMatchObject({ auth_enabled: false, grants: [] });
    expect(whoAmI.json.user).toBeUndefined();
    const signIn = await send(server, 'POST', session, {
      body: { username: 'admin', password: testAdmin.password },
      headers: { origin: server.address },
    });
    expect({ status: signIn.status, code: signIn.json.error_code }).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
    });
    expect(signIn.headers.get('set-cookie')).toBeNull();
  });
});
