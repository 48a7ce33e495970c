import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../server/start-server.js';
import { loadServerConfig } from '../shared/config.js';
import { runCli } from './program.js';
import { testStartOptions } from '../server/test-support/test-start-options.js';

let dir: string;
let uri: string;

async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t), env });
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-users-cli-'));
  uri = `sqlite:///${dir}/bosun.db`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bosun users', () => {
  it('creates the first administrator from BOSUN_ADMIN_PASSWORD, once, and refuses weak or missing passwords', async () => {
    const weak = await cli(['users', 'create-admin', '--username', 'root', '--backend-store-uri', uri], {
      BOSUN_ADMIN_PASSWORD: 'Ab1-tiny',
    });
    expect(weak.code).toBe(1);
    expect(weak.err).toMatch(/INVALID_PARAMETER_VALUE/);
    expect(weak.err).not.toContain('Ab1-tiny');

    // Not on a TTY (vitest): no prompt, a clear error instead.
    const missing = await cli(['users', 'create-admin', '--username', 'root', '--backend-store-uri', uri]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/BOSUN_ADMIN_PASSWORD/);

    const env = { BOSUN_ADMIN_PASSWORD: 'Root-Password-2024!' };
    const ok = await cli(['users', 'create-admin', '--username', 'root', '--backend-store-uri', uri], env);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toMatch(/Created administrator 'root'/);
    expect(ok.out + ok.err).not.toContain(env.BOSUN_ADMIN_PASSWORD);

    const again = await cli(
      ['users', 'create-admin', '--username', 'other', '--backend-store-uri', uri],
      env,
    );
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/INVALID_STATE/);
  });

  it('creates users and tokens that sign in to a server with auth on', async () => {
    const created = await cli(['users', 'create', '--username', 'dana', '--backend-store-uri', uri], {
      BOSUN_USER_PASSWORD: 'Dana-Password-2024!',
    });
    expect(created.code).toBe(0);
    const token = await cli([
      'users',
      'token',
      'create',
      '--username',
      'dana',
      '--name',
      'ci',
      '--expires-in-days',
      '2',
      '--backend-store-uri',
      uri,
    ]);
    expect(token.code).toBe(0);
    expect(token.out.trim()).toMatch(/^bsn_[A-Za-z0-9_-]{43}$/);
    expect(token.err).toMatch(/shown only this once/);
    const bad = await cli([
      'users',
      'token',
      'create',
      '--username',
      'dana',
      '--name',
      'x',
      '--expires-in-days',
      '-1',
      '--backend-store-uri',
      uri,
    ]);
    expect(bad.code).toBe(1);

    const config = loadServerConfig(
      {
        port: 0,
        backendStoreUri: uri,
        artifactsDestination: `${dir}/artifacts`,
        logLevel: 'silent',
        authEnabled: true,
      },
      {},
    );
    const server = await startServer(config, testStartOptions);
    try {
      const path = '/api/2.0/mlflow/experiments/search?max_results=1';
      const withToken = await fetch(server.address + path, {
        headers: { authorization: `Bearer ${token.out.trim()}` },
      });
      expect(withToken.status).toBe(200);
      const basic = Buffer.from('dana:Dana-Password-2024!').toString('base64');
      expect(
        (await fetch(server.address + path, { headers: { authorization: `Basic ${basic}` } })).status,
      ).toBe(200);
      expect((await fetch(server.address + path)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('server flags: --auth and --insecure-allow-unauthenticated reach the config', async () => {
    const seen: boolean[][] = [];
    const { serverCommand } = await import('./server-command.js');
    for (const argv of [['--auth'], ['--no-auth'], ['--insecure-allow-unauthenticated'], []]) {
      const command = serverCommand({
        start: (c) => {
          seen.push([c.authEnabled, c.allowUnauthenticatedRemote]);
          return Promise.resolve({ address: 'x' });
        },
        env: {},
        print: () => undefined,
      });
      await command.parseAsync(argv, { from: 'user' });
    }
    expect(seen).toEqual([
      [true, false],
      [false, false],
      [false, true],
      [false, false],
    ]);
  });
});
