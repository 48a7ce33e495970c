import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type Platform } from '../../platform/index.js';
import { buildApp } from '../app.js';
import { registeredRoutes } from '../auth/index.js';
import { routePlugins } from '../route-plugins.js';
import { testConfig } from '../test-support/test-server.js';
import type { TypedApp } from '../typed-app.js';
import { uiContentSecurityPolicy, webUiRoutes } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'bosun-ui-test-'));
const built = join(dir, 'web');
const notBuilt = join(dir, 'nothing-here');
const script = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
mkdirSync(join(built, 'assets'), { recursive: true });
writeFileSync(
  join(built, 'index.html'),
  '<!doctype html><title>Bosun</title><script type="module" src="./assets/index-AbC123.js"></script>',
);
writeFileSync(join(built, 'assets', 'index-AbC123.js'), script);
writeFileSync(join(built, 'assets', 'index-Xy9.css'), 'body{color:red}');
writeFileSync(join(built, 'assets', 'notes.txt'), 'not a kind of file the build emits');
writeFileSync(join(dir, 'secret.js'), 'outside the UI folder');

const otherPlugins = routePlugins.filter((p) => p.name !== 'ui');
const opened: { platform: Platform; app: TypedApp }[] = [];

async function appWith(
  root: string | undefined,
  overrides: Parameters<typeof testConfig>[0] = {},
): Promise<TypedApp> {
  const sub = mkdtempSync(join(dir, 'server-'));
  const config = testConfig({
    backendStoreUri: `sqlite:///${join(sub, 'bosun.db')}`,
    artifactsDestination: join(sub, 'artifacts'),
    ...overrides,
  });
  const platform = await openPlatform(config);
  const plugins = root === undefined ? otherPlugins : [...otherPlugins, webUiRoutes(root)];
  const app = await buildApp(platform, { plugins });
  opened.push({ platform, app });
  return app;
}

let app: TypedApp;
beforeAll(async () => {
  app = await appWith(built);
});
afterAll(async () => {
  for (const { app: a, platform } of opened) {
    await a.close();
    await platform.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the web UI is served at / and /assets/', () => {
  it('GET / ⇒ index.html, revalidated on every load, with the strict CSP and the security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('./assets/index-AbC123.js');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(uiContentSecurityPolicy);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('the CSP allows no inline script, no eval, nothing from another origin, and no framing of the UI', () => {
    const directives = new Map(
      uiContentSecurityPolicy.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(uiContentSecurityPolicy).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
  });

  it('GET /assets/<hashed name> ⇒ the file, immutable for a year, gzipped when the browser accepts it', async () => {
    const plain = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-security-policy']).toBe(uiContentSecurityPolicy);
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);

    const zipped = await app.inject({
      method: 'GET',
      url: '/assets/index-AbC123.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.rawPayload.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(script);

    const css = await app.inject({ method: 'GET', url: '/assets/index-Xy9.css' });
    expect([css.statusCode, css.headers['content-type'], css.body]).toEqual([
      200,
      'text/css; charset=utf-8',
      'body{color:red}',
    ]);
  });

  it('an asset that is not there, of a kind the build does not emit, or outside assets/ ⇒ the API 404, never a file', async () => {
    for (const url of [
      '/assets/index-Missing.js',
      '/assets/notes.txt',
      '/assets/../secret.js',
      '/assets/..%2fsecret.js',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.js',
      '/assets/sub/index-AbC123.js',
      '/assets/',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.body).not.toContain('outside the UI folder');
      expect(res.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    }
  });

  it('when the UI is not built, / explains how to build it (503, HTML), and the API still answers', async () => {
    const bare = await appWith(notBuilt);
    const res = await bare.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain("Bosun's web UI is not built");
    expect(res.body).toContain('npm run build');
    const health = await bare.inject({ method: 'GET', url: '/health' });
    expect([health.statusCode, health.body]).toEqual([200, 'OK']);
  });

  it('with authentication on, the UI files are public (the sign-in comes from the API calls), the API is not', async () => {
    const guarded = await appWith(built, { authEnabled: true });
    expect((await guarded.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    expect((await guarded.inject({ method: 'GET', url: '/assets/index-AbC123.js' })).statusCode).toBe(200);
    const api = await guarded.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/search',
      payload: {},
    });
    expect(api.statusCode).toBe(401);
  });
});

describe('the UI shadows no API route', () => {
  it('adds exactly GET / and GET /assets/* (and their HEAD twins) to the routes the other plugins register', async () => {
    const without = await appWith(undefined);
    const key = (r: { method: string; url: string }): string => `${r.method} ${r.url}`;
    const before = new Set(registeredRoutes(without).map(key));
    const after = registeredRoutes(app).map(key);
    const added = after.filter((k) => !before.has(k)).sort();
    expect(added).toEqual(['GET /', 'GET /assets/*', 'HEAD /', 'HEAD /assets/*']);
    expect([...before].filter((k) => !after.includes(k))).toEqual([]);
    // No API route lives at / or under /assets/, so none can be hidden behind them.
    expect([...before].filter((k) => / (\/|\/assets(\/.*)?)$/.test(k))).toEqual([]);
  });

  it('API routes, probes and unknown API paths answer as without the UI', async () => {
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect([health.statusCode, health.body]).toEqual([200, 'OK']);
    const version = await app.inject({ method: 'GET', url: '/version' });
    expect(version.statusCode).toBe(200);
    expect(version.headers['content-security-policy']).toBeUndefined();
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const search = await app.inject({
        method: 'POST',
        url: `${prefix}/experiments/search`,
        payload: { max_results: 5 },
      });
      expect(search.statusCode).toBe(200);
      expect(search.json()).toHaveProperty('experiments');
    }
    const openapi = await app.inject({ method: 'GET', url: '/api/bosun/v1/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    // The UI's routes are not part of the API document.
    const paths = Object.keys((openapi.json() as { paths: Record<string, unknown> }).paths);
    expect(paths.filter((p) => p === '/' || p.startsWith('/assets'))).toEqual([]);
    for (const url of [
      '/api/2.0/mlflow/no-such-route',
      '/get-artifact-nope',
      '/index.html',
      '/experiments/1',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    }
  });

  it('the default route list serves the UI (as `npm start` does)', () => {
    expect(routePlugins.map((p) => p.name)).toContain('ui');
    const ui = routePlugins.find((p) => p.name === 'ui');
    expect(Object.keys(ui?.policies ?? {}).sort()).toEqual(['GET /', 'GET /assets/*']);
  });
});
