import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { testPython } from '../../src/shared/test-support/test-python';
import { startAuthFixture } from './support/auth-fixture';
import type { E2eContext, FixtureData } from './support/fixture-data';

const repo = resolve(import.meta.dirname, '../..');

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

async function waitForHealth(baseUrl: string, server: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`The Bosun server exited (${server.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The Bosun server did not answer /health:\n${log()}`);
}

/**
 * One real Bosun server for every browser test: the built dist/ (built here first unless
 * BOSUN_TEST_SKIP_BUILD=1, as the python suites do), a throwaway SQLite file and artifact folder, populated by
 * the real mlflow client (web/e2e/fixtures/populate.py in the mlflow 3.x test environment, created if missing).
 * Chromium comes from Debian's archive (scripts/ensure-chromium.sh); nothing is downloaded.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env['BOSUN_TEST_SKIP_BUILD'] !== '1') {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
  }
  const chromium = execFileSync('bash', [join(repo, 'scripts/ensure-chromium.sh')], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const python = testPython();

  const dir = mkdtempSync(join(tmpdir(), 'bosun-ui-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let serverLog = '';
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
      // Webhooks (their signing secrets need the secret store's master key) to the registry fixture's local
      // receiver (populate_registry.py) are allowed.
      env: {
        PATH: process.env['PATH'] ?? '',
        BOSUN_LOG_LEVEL: 'warn',
        BOSUN_WEBHOOK_ALLOW_PRIVATE: 'true',
        BOSUN_MASTER_KEY: randomBytes(32).toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (c: Buffer) => (serverLog += c.toString()));
  server.stderr?.on('data', (c: Buffer) => (serverLog += c.toString()));
  const stop = async (): Promise<void> => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, server, () => serverLog);
    const output = execFileSync(python, [join(import.meta.dirname, 'fixtures/populate.py')], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        MLFLOW_TRACKING_URI: baseUrl,
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const dataLine = output.split('\n').find((l) => l.startsWith('BOSUN_E2E_DATA '));
    if (dataLine === undefined) throw new Error(`populate.py printed no data line:\n${output}`);
    const data = JSON.parse(dataLine.slice('BOSUN_E2E_DATA '.length)) as FixtureData;
    const printedRunUrls: Record<string, string> = {};
    for (const match of output.matchAll(/View run (\S+) at: (\S+)/g)) {
      if (match[1] !== undefined && match[2] !== undefined) printedRunUrls[match[1]] = match[2];
    }
    const printedExperimentUrls = [...output.matchAll(/View experiment at: (\S+)/g)].flatMap((m) =>
      m[1] === undefined ? [] : [m[1]],
    );
    const context: E2eContext = { baseUrl, chromium, data, printedRunUrls, printedExperimentUrls };
    project.provide('e2e', context);
  } catch (err) {
    await stop();
    throw err;
  }
  // The second server, authentication on, for sign-in and administration (support/auth-fixture.ts).
  let authFixture: Awaited<ReturnType<typeof startAuthFixture>>;
  try {
    authFixture = await startAuthFixture(python);
  } catch (err) {
    await stop();
    throw err;
  }
  project.provide('e2eAuth', authFixture.context);
  return async () => {
    await authFixture.stop();
    await stop();
  };
}
