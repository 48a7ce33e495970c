/**
 * Orchestration overhead of Bosun's pipeline executor per no-op step (`true`, cache off), as a wide DAG (N
 * independent steps, at most `parallel` at once) and a deep one (a chain of N). Not a test: prints its figures
 * (one JSON object with `--json`). bench/pipelines/run.sh runs it beside Prefect and Airflow.
 *
 *     npx tsx bench/pipeline-overhead.ts [N=200] [parallel=16] [--json] [--workers K] [--worker-concurrency C]
 *
 * Local (default): the server's own executor, steps as child processes of the server, on SQLite, as
 * `bosun server` runs them. `--workers K`: the server on PostgreSQL (BENCH_PG_URI, default
 * BOSUN_TEST_PG_URI, a fresh database dropped afterwards) with the `workers` executor, and K `bosun worker`
 * processes (each `--concurrency C`, default ceil(parallel / K)) taking the steps through the queue.
 *
 * Each run is timed from `start` (the pipeline run created) to its end (every step's MLflow run finished and its
 * state stored). The no-op itself is measured apart, the same way for every target of bench/pipelines/run.sh:
 * BENCH_NOOP_MS (run.sh measures it once), or bench/pipelines/noop_baseline.py run now in a fresh `python3 -I -S`
 * (`true` started and waited for 50 times). Overhead per step = wall time / N − that. A two-step pipeline runs
 * first, untimed (module loading, the step spawner's start).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPostgresDatabase } from '../src/db/test-support/test-databases.js';
import { openPlatform } from '../src/platform/index.js';
import { PipelineService, stepBaseEnvironment, WorkerStore, WorkersBackend } from '../src/pipelines/index.js';
import { buildApp, routePlugins } from '../src/server/index.js';
import { testConfig } from '../src/server/test-support/test-server.js';
import {
  startWorkerProcess,
  type WorkerProcess,
} from '../src/pipelines/workers/test-support/worker-processes.js';

const args = process.argv.slice(2);
const valued = new Set(['--workers', '--worker-concurrency', '--poll-ms']);
const flags = new Map<string, string>();
const positional: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i] ?? '';
  if (valued.has(a)) flags.set(a, args[++i] ?? '');
  else if (a.startsWith('--')) flags.set(a, 'true');
  else positional.push(a);
}
const flag = (name: string): string | undefined => flags.get(name);
const n = Number(positional[0] ?? 200);
const parallel = Number(positional[1] ?? 16);
const json = flags.has('--json');
const workers = Number(flag('--workers') ?? 0);
const workerConcurrency = Number(flag('--worker-concurrency') ?? Math.ceil(parallel / Math.max(1, workers)));
/** The workers' and the server's pauses between looks at the queue (their defaults are 500 and 250 ms). */
const pollMs = Number(flag('--poll-ms') ?? 50);
const repo = resolve(import.meta.dirname, '..');

interface ShapeResult {
  total_ms: number;
  per_step_ms: number;
  overhead_ms: number;
  /** CPU time (user + system) of this process (the server and its executor) per step: less swayed by load. */
  server_cpu_ms_per_step: number;
  status: string;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-bench-pipelines-'));
  mkdirSync(join(dir, 'code'));
  const pgUri = process.env.BENCH_PG_URI ?? process.env.BOSUN_TEST_PG_URI;
  if (workers > 0 && pgUri === undefined)
    throw new Error('--workers needs BENCH_PG_URI (a PostgreSQL server)');
  if (workers > 0) process.env.BOSUN_TEST_PG_URI = pgUri;
  const pg = workers > 0 ? await createPostgresDatabase('bosun_bench_pipelines') : undefined;
  const backendStoreUri = pg?.uri ?? `sqlite:///${join(dir, 'bosun.db')}`;
  const artifacts = join(dir, 'artifacts');
  const platform = await openPlatform(
    testConfig({
      backendStoreUri,
      artifactsDestination: artifacts,
      serveArtifacts: true,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    }),
  );
  const app = await buildApp(platform, { plugins: routePlugins.filter((p) => p.name !== 'pipelines') });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  const backend =
    pg !== undefined
      ? new WorkersBackend({ handle: platform.database, connectionString: pg.uri, pollMs })
      : undefined;
  const pipelines = new PipelineService({
    handle: platform.database,
    tracking: platform.tracking,
    artifactRoots: platform.artifactRoots,
    defaultCodeDir: join(dir, 'code'),
    baseEnv: stepBaseEnvironment(process.env),
    workRoot: join(dir, 'work'),
    maxParallel: parallel,
    ...(backend !== undefined ? { backend } : {}),
  });
  pipelines.serveAt(base);

  const children: WorkerProcess[] = [];
  if (pg !== undefined) {
    const target = { backendStoreUri: pg.uri, artifactsDestination: artifacts, trackingUri: base, dir };
    for (let i = 0; i < workers; i++) {
      // The workers' own defaults for heartbeats and timeouts (the helper's are quick ones for tests).
      children.push(
        startWorkerProcess(target, `bench-${i}`, [
          ...['--concurrency', String(workerConcurrency), '--poll-ms', String(pollMs)],
          ...['--heartbeat-ms', '5000', '--worker-timeout-ms', '30000'],
        ]),
      );
    }
    const store = new WorkerStore(platform.database);
    for (let i = 0; ; i++) {
      const alive = (await store.listWorkers(Date.now())).filter(
        (w) => w.name.startsWith('bench-') && w.state === 'active',
      );
      if (alive.length >= workers) break;
      if (i > 1200) {
        const logs = children.map((w) => `${w.name}:\n${w.stderr().slice(-2000)}`);
        throw new Error(`the workers did not register within 2 minutes:\n${logs.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const runPipeline = async (name: string, size: number, shape: 'wide' | 'deep') => {
    const steps: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      steps[`s${i}`] = {
        command: ['true'],
        cache: { enabled: false },
        ...(shape === 'deep' && i > 0 ? { after: [`s${i - 1}`] } : {}),
      };
    }
    await pipelines.define({
      document: { apiVersion: 'bosun.dev/v1', kind: 'Pipeline', name, steps },
      createdBy: 'bench',
    });
    const start = performance.now();
    const cpu = process.cpuUsage();
    const { done } = await pipelines.start({ name, params: {}, createdBy: 'bench' });
    const status = (await done) ?? 'not finished';
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, status };
  };

  await runPipeline('bench-warmup', 2, 'deep');
  const noopMs = Number(
    process.env.BENCH_NOOP_MS ??
      execFileSync('python3', ['-I', '-S', join(repo, 'bench/pipelines/noop_baseline.py')], {
        encoding: 'utf8',
      }),
  );

  const results: Record<string, ShapeResult> = {};
  const load: number[] = [loadavg()[0] ?? 0];
  for (const shape of ['wide', 'deep'] as const) {
    const { ms, cpuMs, status } = await runPipeline(`bench-${shape}`, n, shape);
    if (status !== 'succeeded') throw new Error(`the ${shape} run ended ${status}`);
    load.push(loadavg()[0] ?? 0);
    results[shape] = {
      total_ms: ms,
      per_step_ms: ms / n,
      overhead_ms: ms / n - noopMs,
      server_cpu_ms_per_step: cpuMs / n,
      status,
    };
    if (!json) {
      console.log(
        `${shape.padEnd(4)} ${n} no-op steps (max ${parallel} at once${workers > 0 ? `, ${workers} workers × ${workerConcurrency}` : ''}): ` +
          `${status} in ${ms.toFixed(0)} ms = ${(ms / n).toFixed(1)} ms/step wall; 'true' alone ${noopMs.toFixed(1)} ms; ` +
          `overhead ≈ ${(ms / n - noopMs).toFixed(1)} ms per step; server CPU ${(cpuMs / n).toFixed(1)} ms per step`,
      );
    }
  }
  if (json) {
    console.log(
      JSON.stringify({
        engine: 'bosun',
        mode: workers > 0 ? `${workers} workers on PostgreSQL` : 'local (SQLite)',
        n,
        parallel: workers > 0 ? workers * workerConcurrency : parallel,
        ...(workers > 0 ? { workers, worker_concurrency: workerConcurrency, poll_ms: pollMs } : {}),
        noop_ms: noopMs,
        load_1m: load,
        ...results,
      }),
    );
  }
  await pipelines.shutdown();
  for (const worker of children) worker.child.kill('SIGTERM');
  await Promise.all(children.map((w) => w.exited));
  await backend?.close();
  await app.close();
  await platform.close();
  await pg?.drop();
  rmSync(dir, { recursive: true, force: true });
}

await main();
