import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../shared/test-support/wait-for.js';
import type { PipelineService } from '../service/pipeline-service.js';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';
import {
  BLOCKING_STEP,
  running,
  startWorkerProcess,
  stepEvents,
  testWorkerTimings,
  type WorkerProcess,
  type WorkerTarget,
} from './test-support/worker-processes.js';
import { WorkersBackend } from './workers-backend.js';
import type { WorkerStore } from './worker-store.js';

// PostgreSQL only (the queue is pg-boss's): needs BOSUN_TEST_PG_URI; excluded from the SQLite-only fast loop.
describe('workers executor: bosun worker processes on PostgreSQL', () => {
  let h: PipelineHarness;
  let backend: WorkersBackend;
  let pipelines: PipelineService;
  let store: WorkerStore;
  let target: WorkerTarget;
  const workers: WorkerProcess[] = [];
  let counter = 0;

  const start = (name: string, args: string[] = []) => {
    const w = startWorkerProcess(target, name, args);
    workers.push(w);
    return w;
  };
  const registered = (name: string) =>
    waitFor(`worker ${name} registered`, async () =>
      (await store.listWorkers(0)).find((w) => w.name === name && w.state === 'active'),
    );
  const stepDirs: string[] = [];
  const stepDir = () => {
    const dir = join(h.dir, `step-${++counter}`);
    mkdirSync(dir);
    stepDirs.push(dir);
    return dir;
  };
  const blocking = (dir: string, extra: Record<string, unknown> = {}) => ({
    command: [process.execPath, '-e', BLOCKING_STEP, dir],
    ...extra,
  });
  const run = async (steps: Record<string, unknown>) => {
    const name = `workers-${++counter}`;
    await pipelines.define({
      document: { apiVersion: 'bosun.dev/v1', kind: 'Pipeline', name, steps },
      createdBy: 't',
    });
    return pipelines.start({ name, params: {}, createdBy: 't' });
  };
  /** The run's first step run, once the driver has created it. */
  const firstStep = (runId: string) =>
    waitFor('the step run created', async () => (await pipelines.getRun(runId)).steps[0]);
  const workerOf = (workerId: string | undefined) => workerId?.split(':')[0];

  beforeAll(async () => {
    h = await startPipelineHarness('postgres');
    target = {
      backendStoreUri: h.platform.config.backendStoreUri,
      artifactsDestination: join(h.dir, 'artifacts'),
      trackingUri: h.base,
      dir: h.dir,
    };
    backend = new WorkersBackend({
      handle: h.platform.database,
      connectionString: h.platform.config.backendStoreUri,
      pollMs: 50,
      workerTimeoutMs: testWorkerTimings.workerTimeoutMs,
    });
    store = backend.store;
    pipelines = h.service({ backend });
    start('w1', ['--concurrency', '2']);
    start('w2', ['--concurrency', '2']);
    await registered('w1');
    await registered('w2');
  });

  afterAll(async () => {
    // A test that failed midway leaves no step waiting for ever.
    for (const dir of stepDirs) writeFileSync(join(dir, 'release'), '');
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await h.close();
    await backend.close();
  });

  it('runs a GPU step only on a worker with a GPU: it waits in its queue until one starts', async () => {
    const dir = stepDir();
    writeFileSync(join(dir, 'release'), '');
    const { run: pipelineRun, done } = await run({ train: blocking(dir, { resources: { gpu: 1 } }) });
    const step = await firstStep(pipelineRun.runId);
    const queued = await waitFor('the GPU step queued', async () =>
      (await store.attemptsOfStep(step.stepRunId)).find((a) => a.state === 'queued'),
    );
    // w1 and w2 look at the queues every 100 ms; let them have several looks (their heartbeats go on meanwhile).
    const seen = (await store.listWorkers(0)).filter((w) => w.name !== 'w3').map((w) => w.heartbeatAt);
    await waitFor('w1 and w2 heartbeating past the send', async () => {
      const now = (await store.listWorkers(0)).filter((w) => w.name === 'w1' || w.name === 'w2');
      return now.every((w, i) => w.heartbeatAt > (seen[i] ?? 0) + 5 * testWorkerTimings.heartbeatMs)
        ? true
        : undefined;
    });
    expect((await store.getAttempt(queued.jobId))?.state).toBe('queued');
    start('w3', ['--labels', 'gpu=1,cpu=2,memory=4Gi', '--concurrency', '1']);
    expect(await done).toBe('succeeded');
    const attempts = await store.attemptsOfStep(step.stepRunId);
    expect(attempts.map((a) => [a.state, workerOf(a.workerId)])).toEqual([['done', 'w3']]);
    const details = await pipelines.getRun(pipelineRun.runId);
    const mlflowRun = await h.platform.tracking.getRun(details.steps[0]!.mlflowRunId!);
    expect(mlflowRun.data.tags.find((t) => t.key === 'bosun.pipeline.worker')?.value).toBe('w3');
  });

  it("obeys each worker's concurrency: 6 items on workers taking 2, 2 and 1 at once", async () => {
    await registered('w3');
    const dir = stepDir();
    const { run: pipelineRun, done } = await run({
      fan: blocking(dir, {
        for_each: { items: { value: [1, 2, 3, 4, 5, 6] } },
        inputs: { n: { type: 'int', from: 'item' } },
      }),
    });
    await waitFor('5 items started', () => (stepEvents(dir).length >= 5 ? true : undefined));
    const steps = (await pipelines.getRun(pipelineRun.runId)).steps;
    const rows = (await Promise.all(steps.map((s) => store.attemptsOfStep(s.stepRunId)))).flat();
    const perWorker: Record<string, number> = {};
    for (const row of rows.filter((r) => r.state === 'running'))
      perWorker[workerOf(row.workerId) ?? '?'] = (perWorker[workerOf(row.workerId) ?? '?'] ?? 0) + 1;
    expect(perWorker).toEqual({ w1: 2, w2: 2, w3: 1 });
    expect(rows.filter((r) => r.state === 'queued')).toHaveLength(1);
    writeFileSync(join(dir, 'release'), '');
    expect(await done).toBe('succeeded');
    const events = stepEvents(dir);
    expect(events.filter((e) => e.kind === 'start')).toHaveLength(6);
    expect(events.filter((e) => e.kind === 'end')).toHaveLength(6);
  });

  it('cancelling a run stops the step process on the worker running it', async () => {
    const dir = stepDir();
    const { run: pipelineRun, done } = await run({ hold: blocking(dir) });
    const [started] = await waitFor('the step started', () => {
      const e = stepEvents(dir);
      return e.length > 0 ? e : undefined;
    });
    expect(running(started!.pid)).toBe(true);
    await pipelines.cancel(pipelineRun.runId);
    expect(await done).toBe('cancelled');
    await waitFor('the step process gone', () => (running(started!.pid) ? undefined : true));
    const step = await firstStep(pipelineRun.runId);
    expect(step.state).toBe('cancelled');
    const mlflowRun = await h.platform.tracking.getRun(started!.runId!);
    expect(mlflowRun.info.status).toBe('KILLED');
    expect(stepEvents(dir).filter((e) => e.kind === 'end')).toHaveLength(0);
  });

  it('cancelling a run whose step waits in its queue (no worker can take it) ends it and cancels the job', async () => {
    const dir = stepDir();
    const { run: pipelineRun, done } = await run({ huge: blocking(dir, { resources: { gpu: 8 } }) });
    const step = await firstStep(pipelineRun.runId);
    const queued = await waitFor('the step queued', async () =>
      (await store.attemptsOfStep(step.stepRunId)).find((a) => a.state === 'queued'),
    );
    await pipelines.cancel(pipelineRun.runId);
    expect(await done).toBe('cancelled');
    const row = await store.getAttempt(queued.jobId);
    expect(row?.state).toBe('done');
    expect(JSON.parse(row?.result ?? '{}')).toEqual({ kind: 'killed', why: 'cancelled' });
    expect(await backend.queue.jobState(queued.queue, queued.jobId)).toBe('cancelled');
    expect(stepEvents(dir)).toHaveLength(0);
  });

  it('a server shutting down stops its steps on the workers; they count as preempted by the shutdown', async () => {
    const server = h.service({ backend });
    const dir = stepDir();
    const name = `workers-${++counter}`;
    await server.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name,
        steps: { hold: blocking(dir, { retry: { preemption_limit: 0 } }) },
      },
      createdBy: 't',
    });
    const { run: pipelineRun } = await server.start({ name, params: {}, createdBy: 't' });
    const [started] = await waitFor('the step started', () => {
      const e = stepEvents(dir);
      return e.length > 0 ? e : undefined;
    });
    await server.shutdown();
    await waitFor('the step process gone', () => (running(started!.pid) ? undefined : true));
    const step = await firstStep(pipelineRun.runId);
    expect(step.state).toBe('failed');
    expect(step.reason).toContain('preempted: the server running it shut down');
  });

  it('a server killed mid-step: the worker stops the step once the step lease runs out', async () => {
    const server = h.service({ backend, leaseMs: 1500 });
    const dir = stepDir();
    const name = `workers-${++counter}`;
    await server.define({
      document: { apiVersion: 'bosun.dev/v1', kind: 'Pipeline', name, steps: { hold: blocking(dir) } },
      createdBy: 't',
    });
    const { run: pipelineRun } = await server.start({ name, params: {}, createdBy: 't' });
    const [started] = await waitFor('the step started', () => {
      const e = stepEvents(dir);
      return e.length > 0 ? e : undefined;
    });
    const step = await firstStep(pipelineRun.runId);
    server.crashForTests();
    // Nobody renews the step's lease now: the worker sees it run out and stops the step itself.
    await waitFor('the step process gone', () => (running(started!.pid) ? undefined : true));
    const attempt = await waitFor('the result stored', async () =>
      (await store.attemptsOfStep(step.stepRunId)).find((a) => a.state === 'done'),
    );
    expect(JSON.parse(attempt.result ?? '{}')).toMatchObject({ kind: 'killed', why: 'lease-lost' });
    expect(stepEvents(dir).filter((e) => e.kind === 'end')).toHaveLength(0);
  });

  it('a worker killed mid-step (SIGKILL): the step finishes on another worker, exactly once', async () => {
    const dir = stepDir();
    const { run: pipelineRun, done } = await run({ hold: blocking(dir, { retry: { preemption_limit: 2 } }) });
    const [first] = await waitFor('the step started', () => {
      const e = stepEvents(dir);
      return e.length > 0 ? e : undefined;
    });
    const step = await firstStep(pipelineRun.runId);
    const [attempt] = await waitFor('the attempt claimed', async () => {
      const a = await store.attemptsOfStep(step.stepRunId);
      return a[0]?.workerId !== undefined ? a : undefined;
    });
    const victim = workers.find((w) => w.name === workerOf(attempt!.workerId));
    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    // The worker's guard kills the step's process group at once; the server hands the attempt back later.
    await waitFor('the first copy gone', () => (running(first!.pid) ? undefined : true));
    await waitFor('the step started again', () => (stepEvents(dir).length >= 2 ? true : undefined));
    writeFileSync(join(dir, 'release'), '');
    expect(await done).toBe('succeeded');

    const events = stepEvents(dir);
    const starts = events.filter((e) => e.kind === 'start');
    expect(starts).toHaveLength(2);
    // No copy was alive when the second started, and only the second ran to its end.
    expect(starts[1]!.overlap).toBe(0);
    expect(events.filter((e) => e.kind === 'end').map((e) => e.pid)).toEqual([starts[1]!.pid]);
    const details = await pipelines.getRun(pipelineRun.runId);
    expect(details.steps[0]).toMatchObject({ state: 'succeeded', attempt: 2, preemptionAttempts: 1 });
    const attempts = await store.attemptsOfStep(step.stepRunId);
    expect(attempts.map((a) => a.state)).toEqual(['lost', 'done']);
    const second = workerOf(attempts[1]!.workerId);
    expect(second).not.toBe(victim!.name);
    const mlflowRun = await h.platform.tracking.getRun(details.steps[0]!.mlflowRunId!);
    expect(mlflowRun.data.tags.find((t) => t.key === 'bosun.pipeline.worker')?.value).toBe(second);
  });

  it('SIGTERM: the worker stops taking steps and, after its grace period, hands its step back as preempted', async () => {
    start('w4', ['--labels', 'gpu=2', '--grace-period', '1']);
    await registered('w4');
    const dir = stepDir();
    const { run: pipelineRun, done } = await run({
      big: blocking(dir, { resources: { gpu: 2 }, retry: { preemption_limit: 0 } }),
    });
    const [started] = await waitFor('the step started', () => {
      const e = stepEvents(dir);
      return e.length > 0 ? e : undefined;
    });
    const w4 = workers.find((w) => w.name === 'w4')!;
    w4.child.kill('SIGTERM');
    expect(await done).toBe('failed');
    expect(await w4.exited).toBe(0);
    expect(running(started!.pid)).toBe(false);
    const step = await firstStep(pipelineRun.runId);
    expect(step.state).toBe('failed');
    expect(step.reason).toContain("worker 'w4' shut down");
    expect(step.reason).toContain('preemption budget (0) is spent');
    expect((await store.listWorkers(0)).find((w) => w.name === 'w4')?.state).toBe('stopped');
  });
});
