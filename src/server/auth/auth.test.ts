import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/index.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig, type ServerConfig } from '../../shared/config.js';
import { openApiPath } from '../app.js';
import { startServer, type RunningServer } from '../start-server.js';
import { routePoliciesOf } from '../app.js';
import { registeredRoutes } from './index.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const adminPassword = 'Correct-Horse-42-battery';
const userPassword = 'Another-Strong-Pass-7';

let dir: string;
let server: RunningServer;
let handle: DatabaseHandle;
let users: UserService;

function configFor(overrides: Partial<ServerConfig> = {}, env: NodeJS.ProcessEnv = {}): ServerConfig {
  return {
    ...loadServerConfig(
      {
        port: 0,
        backendStoreUri: `sqlite:///${dir}/bosun.db`,
        artifactsDestination: `${dir}/artifacts`,
        logLevel: 'silent',
      },
      env,
    ),
    ...overrides,
  };
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown> | undefined;
}

async function call(
  path: string,
  init: { method?: string; authorization?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.authorization) headers.authorization = init.authorization;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(server.address + path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json };
}

const search = '/api/2.0/mlflow/experiments/search?max_results=10';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-auth-'));
  server = await startServer(
    configFor({ authEnabled: true }, { BOSUN_ADMIN_USERNAME: 'admin', BOSUN_ADMIN_PASSWORD: adminPassword }),
    testStartOptions,
  );
  // A second connection to the same SQLite file, to make users and tokens as an operator would.
  handle = openDatabase(`sqlite:///${dir}/bosun.db`);
  users = new UserService({ handle, scrypt: testPasswordHashing });
});
afterAll(async () => {
  await server?.close();
  await handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

const triggerFire = '/api/bosun/v1/pipelines/triggers/:pipeline/:name/fire';

describe('authentication on every route', () => {
  it('answers 401 without credentials on every registered route except the public list', async () => {
    const routes = registeredRoutes(server.app);
    const { publicRoutes } = routePoliciesOf(server.app);
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.some((r) => r.url.startsWith('/api/2.0/mlflow-artifacts/'))).toBe(true);
    expect(routes.some((r) => r.url.startsWith('/api/2.0/mlflow/registered-models/'))).toBe(true);
    const open: string[] = [];
    for (const route of routes) {
      const path = route.url.replace(/:[^/]+/g, 'x').replace(/\*/g, 'x');
      const answer = await call(path, { method: route.method });
      if (answer.status !== 401) {
        open.push(`${route.method} ${route.url} -> ${answer.status}`);
        continue;
      }
      // A pipeline trigger's webhook takes the trigger's own token, not a user's credentials.
      const challenge = route.url === triggerFire ? 'Bearer realm="bosun"' : 'Basic realm="bosun"';
      expect(answer.headers.get('www-authenticate')).toBe(challenge);
      if (route.method !== 'HEAD') expect(answer.json?.error_code).toBe('UNAUTHENTICATED');
    }
    const expectedOpen = routes
      .filter((r) => publicRoutes.includes(r.url) && (r.method === 'GET' || r.method === 'HEAD'))
      .map((r) => `${r.method} ${r.url}`);
    // Browser sign-in takes no credentials: it is how a browser gets them (src/server/api/session-routes.ts).
    expectedOpen.push('POST /api/bosun/v1/session');
    expect(open.map((o) => o.replace(/ -> \d+$/, '')).sort()).toEqual(expectedOpen.sort());
    expect(publicRoutes).toEqual([
      '/health',
      '/health/live',
      '/health/ready',
      '/version',
      '/api/bosun/v1/health',
      '/api/bosun/v1/version',
      openApiPath,
      // The web UI's files (src/server/ui): they hold no data.
      '/',
      '/assets/*',
    ]);
  });

  it('serves the public routes without credentials and refuses unknown paths with 401, not 404', async () => {
    expect((await call('/health')).status).toBe(200);
    expect((await call('/version')).status).toBe(200);
    expect((await call('/api/bosun/v1/health')).json).toMatchObject({ status: 'ok' });
    expect((await call('/api/bosun/v1/version')).status).toBe(200);
    expect((await call(openApiPath)).json).toHaveProperty('openapi');
    expect((await call('/health/../api/2.0/mlflow/experiments/search')).status).toBe(401);
    expect((await call('/no/such/route')).status).toBe(401);
    expect((await call('/health', { method: 'POST' })).status).toBe(401);
  });
});

describe('HTTP Basic', () => {
  it('accepts the right password and refuses a wrong one or an unknown user with the same answer', async () => {
    const ok = await call(search, { authorization: basic('admin', adminPassword) });
    expect(ok.status).toBe(200);
    expect(ok.json).toHaveProperty('experiments');
    const wrong = await call(search, { authorization: basic('admin', 'Wrong-password-123') });
    const unknown = await call(search, { authorization: basic('nobody', 'Wrong-password-123') });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(JSON.stringify(wrong.json)).not.toMatch(/admin|nobody|exist|locked/i);
    for (const header of [
      'Basic',
      'Basic !!!',
      'Basic ' + Buffer.from('no-colon').toString('base64'),
      'Digest x',
    ]) {
      expect((await call(search, { authorization: header })).status).toBe(401);
    }
  });

  it('locks a user out after 5 failures: 401 even with the right password', async () => {
    await users.createUser({ username: 'carol', password: userPassword });
    expect((await call(search, { authorization: basic('carol', userPassword) })).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await call(search, { authorization: basic('carol', 'Wrong-password-123') })).status).toBe(401);
    }
    const locked = await call(search, { authorization: basic('carol', userPassword) });
    expect(locked.status).toBe(401);
    expect(locked.json?.error_code).toBe('UNAUTHENTICATED');
  });
});

describe('Bearer tokens', () => {
  it('accepts a valid token and refuses revoked, expired, unknown and malformed ones', async () => {
    const admin = await users.getUser('admin');
    const valid = await users.createToken(admin.id, { name: 'ci' });
    expect((await call(search, { authorization: `Bearer ${valid.token}` })).status).toBe(200);
    // Creating through the API as the token's user works too (the user is attached to the request).
    const created = await call('/api/2.0/mlflow/experiments/create', {
      method: 'POST',
      authorization: `Bearer ${valid.token}`,
      body: { name: 'auth-bearer' },
    });
    expect(created.status).toBe(200);

    const revoked = await users.createToken(admin.id, { name: 'old' });
    expect((await call(search, { authorization: `Bearer ${revoked.token}` })).status).toBe(200);
    await users.revokeToken(admin.id, revoked.info.id);
    expect((await call(search, { authorization: `Bearer ${revoked.token}` })).status).toBe(401);

    // Made by an operator whose clock runs an hour behind: valid when made, expired a second ago for the server.
    // No sleep until it expires (and no race between making it and its expiry on a busy machine).
    const hourBehind = new UserService({
      handle,
      scrypt: testPasswordHashing,
      clock: { nowMs: () => Date.now() - 3_600_000 },
    });
    const expired = await hourBehind.createToken(admin.id, { name: 'short', expiresAt: Date.now() - 1000 });
    expect((await call(search, { authorization: `Bearer ${expired.token}` })).status).toBe(401);

    const unknown = `bsn_${'A'.repeat(43)}`;
    expect((await call(search, { authorization: `Bearer ${unknown}` })).status).toBe(401);
    expect((await call(search, { authorization: 'Bearer nonsense' })).status).toBe(401);
  });
});

function rawGet(path: string, host: string | undefined): Promise<{ status: number; body: string }> {
  const url = new URL(server.address);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'GET',
        setHost: host !== undefined,
        headers: host ? { host } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('Host allowlist and headers', () => {
  it('refuses a foreign Host header (DNS rebinding), even on public routes', async () => {
    const foreign = await rawGet('/health', 'evil.example:5000');
    expect(foreign.status).toBe(400);
    expect(JSON.parse(foreign.body)).toMatchObject({ error_code: 'BAD_REQUEST' });
    expect((await rawGet('/health', `localhost:${new URL(server.address).port}`)).status).toBe(200);
    expect((await rawGet('/health', '127.0.0.1')).status).toBe(200);
  });

  it('sends security headers and no CORS headers', async () => {
    const res = await fetch(server.address + search, {
      headers: { authorization: basic('admin', adminPassword), origin: 'https://evil.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const denied = await call(search);
    expect(denied.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('cross-site writes (CSRF)', () => {
  const create = '/api/2.0/mlflow/experiments/create';
  const post = (name: string, headers: Record<string, string>) =>
    fetch(server.address + create, {
      method: 'POST',
      headers: {
        authorization: basic('admin', adminPassword),
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify({ name }),
    });
  const exists = async (name: string) =>
    (
      await call(`/api/2.0/mlflow/experiments/get-by-name?experiment_name=${name}`, {
        authorization: basic('admin', adminPassword),
      })
    ).status === 200;

  it('refuses a write whose Origin is another site, even with valid credentials, and runs nothing', async () => {
    for (const [name, headers] of [
      ['csrf-origin', { origin: 'https://evil.example' }],
      ['csrf-null', { origin: 'null' }],
      ['csrf-fetch-site', { 'sec-fetch-site': 'cross-site' }],
      ['csrf-port', { origin: 'http://127.0.0.1:1' }],
    ] as const) {
      const res = await post(name, headers);
      expect([name, res.status]).toEqual([name, 403]);
      expect(((await res.json()) as { error_code: string }).error_code).toBe('PERMISSION_DENIED');
      expect(await exists(name)).toBe(false);
    }
  });

  it('accepts writes from this server’s own origin and from clients that send no Origin', async () => {
    const own = await post('same-origin', { origin: server.address, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(200);
    const script = await post('no-origin', {});
    expect(script.status).toBe(200);
    expect(await exists('same-origin')).toBe(true);
  });
});

describe('CORS for configured origins only', () => {
  const app = 'https://app.example.com';
  let cors: RunningServer;
  beforeAll(async () => {
    cors = await startServer(configFor({ authEnabled: true, corsOrigins: [app] }), testStartOptions);
  });
  afterAll(async () => {
    await cors?.close();
  });

  it('answers preflights and credentialed calls of the listed origin, and nothing for others', async () => {
    const preflight = (origin: string) =>
      fetch(cors.address + '/api/2.0/mlflow/experiments/create', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight(app);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(app);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const write = (origin: string, name: string) =>
      fetch(cors.address + '/api/2.0/mlflow/experiments/create', {
        method: 'POST',
        headers: {
          origin,
          'sec-fetch-site': 'cross-site',
          authorization: basic('admin', adminPassword),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name }),
      });
    const fromApp = await write(app, 'from-the-app');
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers.get('access-control-allow-origin')).toBe(app);
    const fromEvil = await write('https://evil.example', 'from-evil');
    expect(fromEvil.status).toBe(403);
    expect(fromEvil.headers.get('access-control-allow-origin')).toBeNull();
    // Credentials are still required: CORS opens the door to the origin, not to anonymous callers.
    const anonymous = await fetch(cors.address + search, { headers: { origin: app } });
    expect(anonymous.status).toBe(401);
  });

  it('refuses a wildcard or an origin with a path at start', () => {
    expect(() => configFor({}, { BOSUN_CORS_ORIGINS: '*' })).toThrow(/exact origin/);
    expect(() => configFor({}, { BOSUN_CORS_ORIGINS: 'https://app.example.com/ui' })).toThrow(/exact origin/);
    expect(
      configFor({}, { BOSUN_CORS_ORIGINS: 'https://a.example.com, http://b.example:8080/' }).corsOrigins,
    ).toEqual(['https://a.example.com', 'http://b.example:8080']);
  });
});

describe('secure defaults at start', () => {
  it('refuses to listen on 0.0.0.0 without auth and says how to enable it', async () => {
    await expect(startServer(configFor({ host: '0.0.0.0' }), testStartOptions)).rejects.toThrow(
      /without authentication.*--auth.*BOSUN_ADMIN_USERNAME.*bosun users create-admin.*--insecure-allow-unauthenticated/s,
    );
  });

  it('starts on 0.0.0.0 without auth when explicitly overridden', async () => {
    const open = await startServer(
      configFor({ host: '0.0.0.0', allowUnauthenticatedRemote: true }),
      testStartOptions,
    );
    try {
      const port = new URL(open.address).port;
      const res = await fetch(`http://127.0.0.1:${port}${search}`);
      expect(res.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('starts on 0.0.0.0 with auth', async () => {
    const secured = await startServer(configFor({ host: '0.0.0.0', authEnabled: true }), testStartOptions);
    try {
      const port = new URL(secured.address).port;
      expect((await fetch(`http://127.0.0.1:${port}${search}`)).status).toBe(401);
    } finally {
      await secured.close();
    }
  });

  it('refuses to start with auth on and no administrator', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bosun-auth-empty-'));
    try {
      const config = { ...configFor({ authEnabled: true }), backendStoreUri: `sqlite:///${empty}/bosun.db` };
      await expect(startServer(config, testStartOptions)).rejects.toThrow(/no administrator exists/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('ignores the bootstrap variables once an administrator exists', async () => {
    const again = await startServer(
      configFor(
        { authEnabled: true },
        { BOSUN_ADMIN_USERNAME: 'mallory', BOSUN_ADMIN_PASSWORD: 'Mallory-Pass-1234' },
      ),
      testStartOptions,
    );
    try {
      expect((await users.listUsers()).map((u) => u.username)).not.toContain('mallory');
    } finally {
      await again.close();
    }
  });
});
