import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../../..');

/** What web/e2e/fixtures/populate_auth.py logged on the auth-on server, as the tests read it. */
export interface AuthFixtureData {
  admin: { username: string; password: string };
  users: Record<'alice' | 'bob', { username: string; password: string }>;
  experiments: Record<'vision' | 'nlp', { id: string; name: string; owner: string }>;
  registry: { model: string; versions: { version: string; run_id: string }[]; approval_id: number };
  secret: { path: string; values: string[] };
}

/** The second fixture server: authentication on, default permission NO_PERMISSIONS, secrets on. */
export interface AuthE2eContext {
  baseUrl: string;
  data: AuthFixtureData;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eAuth: AuthE2eContext;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/**
 * Starts a Bosun server (the built dist/) with authentication on, its first administrator bootstrapped from
 * BOSUN_ADMIN_USERNAME/PASSWORD as operators do, a master key (secrets on) and nobody allowed anything by
 * default; populates it through the real mlflow client signed in with MLFLOW_TRACKING_USERNAME/PASSWORD
 * (fixtures/populate_auth.py). Answers the context and a stop function.
 */
export async function startAuthFixture(
  python: string,
): Promise<{ context: AuthE2eContext; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-ui-e2e-auth-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const admin = { username: 'admin', password: `Admin-${randomBytes(6).toString('hex')}-Pass9` };
  let log = '';
  const server = spawn(
    process.execPath,
    [
      join(repo, 'dist/cli/main.js'),
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--backend-store-uri',
      `sqlite:///${join(dir, 'bosun.db')}`,
      '--artifacts-destination',
      join(dir, 'artifacts'),
    ],
    {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        BOSUN_LOG_LEVEL: 'warn',
        BOSUN_AUTH: 'true',
        BOSUN_ADMIN_USERNAME: admin.username,
        BOSUN_ADMIN_PASSWORD: admin.password,
        BOSUN_DEFAULT_PERMISSION: 'NO_PERMISSIONS',
        BOSUN_MASTER_KEY: randomBytes(32).toString('base64'),
        BOSUN_WEBHOOK_ALLOW_PRIVATE: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  server.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const stop = async (): Promise<void> => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let healthy = false;
    for (let i = 0; i < 600 && !healthy; i++) {
      if (server.exitCode !== null)
        throw new Error(`The auth-on Bosun server exited (${server.exitCode}):\n${log}`);
      healthy = await fetch(`${baseUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (!healthy) await new Promise((r) => setTimeout(r, 250));
    }
    if (!healthy) throw new Error(`The auth-on Bosun server did not answer /health:\n${log}`);
    const output = execFileSync(python, [join(import.meta.dirname, '../fixtures/populate_auth.py')], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        MLFLOW_TRACKING_URI: baseUrl,
        MLFLOW_TRACKING_USERNAME: admin.username,
        MLFLOW_TRACKING_PASSWORD: admin.password,
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = output.split('\n').find((l) => l.startsWith('BOSUN_E2E_AUTH_DATA '));
    if (line === undefined) throw new Error(`populate_auth.py printed no data line:\n${output}`);
    const data = {
      ...(JSON.parse(line.slice('BOSUN_E2E_AUTH_DATA '.length)) as Omit<AuthFixtureData, 'admin'>),
      admin,
    };
    return { context: { baseUrl, data }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
