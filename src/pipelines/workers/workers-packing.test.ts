import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../shared/test-support/wait-for.js';
import type { PipelineService } from '../service/pipeline-service.js';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';
import {
  BLOCKING_STEP,
  startWorkerProcess,
  stepEvents,
  testWorkerTimings,
  type WorkerProcess,
} from './test-support/worker-processes.js';
import type { WorkerStore } from './worker-store.js';
import { WorkersBackend } from './workers-backend.js';

// PostgreSQL only (the workers' queue is pg-boss's): needs BOSUN_TEST_PG_URI; not in the SQLite-only fast loop.
describe('workers executor: steps bin-packed by the CPUs and memory a worker offers', () => {
  let h: PipelineHarness;
  let backend: WorkersBackend;
  let pipelines: PipelineService;
  let store: WorkerStore;
  let worker: WorkerProcess | undefined;
  const dirs: string[] = [];
  let counter = 0;

  const stepDir = () => {
    const dir = join(h.dir, `step-${++counter}`);
    mkdirSync(dir);
    dirs.push(dir);
    return dir;
  };
  const run = async (dir: string, resources: Record<string, unknown>) => {
    const name = `packed-${++counter}`;
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name,
        steps: {
          hold: {
            command: [process.execPath, '-e', BLOCKING_STEP, dir],
            resources,
            cache: { enabled: false },
          },
        },
      },
      createdBy: 't',
    });
    return pipelines.start({ name, params: {}, createdBy: 't' });
  };
  const started = (dir: string) => stepEvents(dir).filter((e) => e.kind === 'start').length;
  const queuedAttempt = (runId: string) =>
    waitFor('the step queued', async () => {
      const step = (await pipelines.getRun(runId)).steps[0];
      if (step === undefined) return undefined;
      return (await store.attemptsOfStep(step.stepRunId)).find((a) => a.state === 'queued');
    });
  /** Lets the worker look at its queues several times (its heartbeats count the rounds). */
  const severalPolls = async () => {
    const [before] = (await store.listWorkers(0)).filter((w) => w.name === 'p1');
    await waitFor('the worker heartbeating on', async () => {
      const [now] = (await store.listWorkers(0)).filter((w) => w.name === 'p1');
      return now !== undefined &&
        now.heartbeatAt > (before?.heartbeatAt ?? 0) + 5 * testWorkerTimings.heartbeatMs
        ? true
        : undefined;
    });
  };

  beforeAll(async () => {
    h = await startPipelineHarness('postgres');
    backend = new WorkersBackend({
      handle: h.platform.database,
      connectionString: h.platform.config.backendStoreUri,
      pollMs: 50,
    });
    store = backend.store;
    pipelines = h.service({ backend });
    worker = startWorkerProcess(
      {
        backendStoreUri: h.platform.config.backendStoreUri,
        artifactsDestination: join(h.dir, 'artifacts'),
        trackingUri: h.base,
        dir: h.dir,
      },
      'p1',
      ['--labels', 'cpu=2,memory=4Gi', '--concurrency', '4'],
    );
    await waitFor('worker p1 registered', async () =>
      (await store.listWorkers(0)).find((w) => w.name === 'p1' && w.state === 'active'),
    );
  });

  afterAll(async () => {
    for (const dir of dirs) writeFileSync(join(dir, 'release'), '');
    if (worker !== undefined) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await h?.close();
    await backend?.close();
  });

  it('runs three 1-CPU steps on a 2-CPU worker two at a time, though it has 4 slots', async () => {
    const dir = stepDir();
    const runs = [await run(dir, { cpu: 1 }), await run(dir, { cpu: 1 }), await run(dir, { cpu: 1 })];
    await waitFor('two steps started', () => (started(dir) >= 2 ? true : undefined));
    await waitFor('the third step queued', async () => {
      let queued = 0;
      for (const r of runs) {
        const step = (await pipelines.getRun(r.run.runId)).steps[0];
        if (step !== undefined)
          queued += (await store.attemptsOfStep(step.stepRunId)).filter((a) => a.state === 'queued').length;
      }
      return queued === 1 ? true : undefined;
    });
    await severalPolls();
    expect(started(dir)).toBe(2);
    writeFileSync(join(dir, 'release'), '');
    expect(await Promise.all(runs.map((r) => r.done))).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const events = stepEvents(dir);
    expect(events.filter((e) => e.kind === 'start')).toHaveLength(3);
    // At most two alive at once: no start saw more than one other step running.
    expect(
      Math.max(...events.filter((e) => e.kind === 'start').map((e) => e.overlap ?? 0)),
    ).toBeLessThanOrEqual(1);
  });

  it('holds freed capacity for a waiting 2-CPU step: a 1-CPU step queued after it does not jump ahead', async () => {
    const small = stepDir();
    const big = stepDir();
    const later = stepDir();
    const first = await run(small, { cpu: 1 });
    await waitFor('the 1-CPU step started', () => (started(small) === 1 ? true : undefined));
    const second = await run(big, { cpu: 2, memory: '1Gi' });
    await queuedAttempt(second.run.runId);
    const third = await run(later, { cpu: 1 });
    await queuedAttempt(third.run.runId);
    // One CPU is free, but the 2-CPU step waits for it: the 1-CPU step behind it must not take it.
    await severalPolls();
    expect([started(big), started(later)]).toEqual([0, 0]);
    writeFileSync(join(small, 'release'), '');
    await waitFor('the 2-CPU step started', () => (started(big) === 1 ? true : undefined));
    await severalPolls();
    expect(started(later)).toBe(0);
    writeFileSync(join(big, 'release'), '');
    writeFileSync(join(later, 'release'), '');
    expect(await Promise.all([first.done, second.done, third.done])).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  });
});
