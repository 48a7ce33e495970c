import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCommand } from '../../cli/server-command.js';
import { createPostgresDatabase } from '../../db/test-support/test-databases.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-processes.js';

/** A step program in the code folder: prints its working folder. */
const SHOW = "console.log('cwd=' + process.cwd());\n";

interface StepOutcome {
  status: string;
  reason: string | null;
  stdout: string;
}

/**
 * The composition root's wiring of `--worker-code` and `--code-bundle-max-mb`: `bosun server` started as the CLI
 * starts it (its command parses the flags, `startServer` opens the platform), a real `bosun worker` process, a
 * pipeline run through the HTTP API; what the step sees (or why it failed) shows which code shipping was built.
 * PostgreSQL only (the workers' queue is pg-boss's): needs BOSUN_TEST_PG_URI.
 */
describe('bosun server --pipeline-executor workers: --worker-code and --code-bundle-max-mb reach the executor', () => {
  let dir: string;
  let codeDir: string;
  let pg: { uri: string; drop(): Promise<void> };
  let worker: WorkerProcess | undefined;

  /** Starts the server with these flags, as `bosun server FLAGS` does. */
  const startWith = async (flags: string[]): Promise<RunningServer> => {
    let started: RunningServer | undefined;
    const command = serverCommand({
      start: async (config) => (started = await startServer(config, { handleSignals: false })),
      env: {},
      print: () => undefined,
    });
    command.exitOverride();
    await command.parseAsync(
      [
        '--port',
        '0',
        '--backend-store-uri',
        pg.uri,
        '--artifacts-destination',
        join(dir, 'artifacts'),
        '--log-level',
        'silent',
        '--pipeline-executor',
        'workers',
        ...flags,
      ],
      { from: 'user' },
    );
    if (started === undefined) throw new Error('bosun server did not start');
    return started;
  };

  /** Defines the pipeline (its code in `codeDir`), runs it on the server and returns how its step ended. */
  const runStep = async (address: string): Promise<StepOutcome> => {
    const api = `${address}/api/bosun/v1/pipelines`;
    const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${api}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const document = {
      apiVersion: 'bosun.dev/v1',
      kind: 'Pipeline',
      name: 'wiring',
      steps: {
        show: { command: [process.execPath, 'show.js'], retry: { limit: 0 }, cache: { enabled: false } },
      },
    };
    await post('/definitions', { document, code_dir: codeDir });
    const { run } = (await post('/runs', { pipeline: 'wiring', params: {} })) as { run: { run_id: string } };
    const details = await waitFor('the pipeline run to end', async () => {
      const res = await fetch(`${api}/runs/${run.run_id}`);
      const body = (await res.json()) as {
        run: { status: string };
        steps: { state: string; reason: string | null }[];
      };
      return body.run.status === 'running' || body.run.status === 'queued' ? undefined : body;
    });
    const logs = (await (await fetch(`${api}/runs/${run.run_id}/logs?step=show`)).json()) as {
      logs: { stdout: string }[];
    };
    return {
      status: details.run.status,
      reason: details.steps[0]?.reason ?? null,
      stdout: logs.logs[0]?.stdout ?? '',
    };
  };

  /**
   * Starts the server with `flags`, runs the pipeline on it (the worker, started with the first server, takes the
   * step) and stops the server again.
   */
  const runOn = async (flags: string[]): Promise<StepOutcome> => {
    const server = await startWith(flags);
    try {
      worker ??= startWorkerProcess(
        {
          backendStoreUri: pg.uri,
          artifactsDestination: join(dir, 'artifacts'),
          trackingUri: server.address,
          dir,
        },
        'w1',
      );
      return await runStep(server.address);
    } finally {
      await server.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-worker-code-wiring-'));
    codeDir = join(dir, 'code');
    mkdirSync(codeDir);
    writeFileSync(join(codeDir, 'show.js'), SHOW);
    pg = await createPostgresDatabase('bosun_wiring');
  });

  afterAll(async () => {
    if (worker !== undefined) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bundles = () => readdirSync(join(dir, 'work-w1', 'code')).filter((name) => !name.startsWith('.'));

  it('--worker-code bundle: the worker runs the step in its unpacked copy of the code folder', async () => {
    const outcome = await runOn(['--worker-code', 'bundle', '--code-bundle-max-mb', '5']);
    expect(outcome.status, worker?.stderr()).toBe('succeeded');
    // One bundle of this code folder, whichever test ran first.
    expect(bundles()).toHaveLength(1);
    expect(outcome.stdout).toBe(`cwd=${join(dir, 'work-w1', 'code', bundles()[0]!)}\n`);
  });

  it('--code-bundle-max-mb: a code folder over the limit fails the step, naming the limit', async () => {
    // show.js is 41 bytes: 0.00001 MB is 10 bytes.
    const outcome = await runOn(['--code-bundle-max-mb', '0.00001']);
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain(
      `the code folder ${codeDir} holds 0.0 MB in 1 files, over the 0.0 MB limit`,
    );
    expect(outcome.reason).toContain('--code-bundle-max-mb');
  });

  it('--worker-code shared: the worker runs the step at the code folder’s own path', async () => {
    const outcome = await runOn(['--worker-code', 'shared']);
    expect(outcome.status, worker?.stderr()).toBe('succeeded');
    expect(outcome.stdout).toBe(`cwd=${codeDir}\n`);
  });
});
