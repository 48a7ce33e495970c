import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (this file is web/e2e/support/fixture-server.ts). */
export const repo = resolve(import.meta.dirname, '../../..');

/** A Bosun server (the built dist/) on a free local port, with its own throwaway folder. */
export interface FixtureServer {
  baseUrl: string;
  /** The server's folder: its SQLite file, artifacts, and the working folder of the populate script. */
  dir: string;
  /** Stops the server (SIGTERM, waits for it to exit) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Builds dist/ and the UI (`npm run build`) unless BOSUN_TEST_SKIP_BUILD=1, as the python suites do. Under
 * vitest's NODE_ENV=test: web/vite.config.ts makes the production build whatever NODE_ENV is, and the sessions
 * (ui-session.ts) flag React's development build if one is served.
 */
export function buildUnlessSkipped(): void {
  if (process.env['BOSUN_TEST_SKIP_BUILD'] !== '1') {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
  }
}

/** The path of Debian's Chromium, installed from the archive if missing (scripts/ensure-chromium.sh). */
export function debianChromium(): string {
  return execFileSync('bash', [join(repo, 'scripts/ensure-chromium.sh')], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
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
 * Starts `bosun server` from dist/ on 127.0.0.1 with a fresh SQLite file and artifact folder in a new temporary
 * folder (named `dirPrefix…`, also its TMPDIR), the given environment on top of PATH and BOSUN_LOG_LEVEL=warn,
 * and waits until it answers /health. `label` names the server in errors ("the auth-on Bosun server"); the error
 * carries the server's output. On failure the server is stopped and its folder removed.
 */
export async function startFixtureServer(options: {
  label: string;
  dirPrefix: string;
  env: Record<string, string>;
}): Promise<FixtureServer> {
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
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
      // TMPDIR: the server's folder, so the work folders of the pipeline steps it runs go with it.
      env: { PATH: process.env['PATH'] ?? '', TMPDIR: dir, BOSUN_LOG_LEVEL: 'warn', ...options.env },
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
    for (let i = 0; ; i++) {
      if (server.exitCode !== null) throw new Error(`${options.label} exited (${server.exitCode}):\n${log}`);
      const healthy = await fetch(`${baseUrl}/health`).then(
        (r) => r.ok,
        () => false, // Not listening yet.
      );
      if (healthy) break;
      if (i >= 600) throw new Error(`${options.label} did not answer /health:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, dir, stop };
}

/**
 * Runs a populate script of web/e2e/fixtures with the test Python against the server (MLFLOW_TRACKING_URI, HOME
 * and the working folder are the server's), plus `env`; answers what it printed.
 */
export function populateFixture(
  python: string,
  script: string,
  server: FixtureServer,
  env: Record<string, string> = {},
): string {
  return execFileSync(python, [join(repo, 'web/e2e/fixtures', script)], {
    cwd: server.dir,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: server.dir,
      MLFLOW_TRACKING_URI: server.baseUrl,
      PYTHONUNBUFFERED: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The JSON a populate script printed on its line starting with `marker ` (e.g. `BOSUN_E2E_DATA {…}`). */
export function printedData(output: string, marker: string, script: string): unknown {
  const line = output.split('\n').find((l) => l.startsWith(`${marker} `));
  if (line === undefined) throw new Error(`${script} printed no data line:\n${output}`);
  return JSON.parse(line.slice(marker.length + 1)) as unknown;
}
