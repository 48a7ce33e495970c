import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutorEvent } from './executor-deps.js';
import {
  alive,
  startPipelineHarness,
  VirtualClock,
  waitFor,
  type PipelineHarness,
} from '../test-support/executor-harness.js';

let counter = 0;
const doc = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: `control-${++counter}`,
  steps,
  ...extra,
});

/** Defines and runs a document; returns the run's details once it has ended. */
async function runDoc(
  h: PipelineHarness,
  document: ReturnType<typeof doc>,
  options: Parameters<PipelineHarness['service']>[0] = {},
  onEvent: (event: ExecutorEvent) => void = () => undefined,
) {
  const pipelines = h.service(options);
  await pipelines.define({ document, createdBy: 't' });
  const { run, done } = await pipelines.start({ name: document.name, params: {}, createdBy: 't', onEvent });
  const status = await done;
  return { pipelines, status, details: await pipelines.getRun(run.runId) };
}

describe('local executor: control', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness('sqlite');
  });
  afterAll(async () => h.close());

  it('retries a failing step with exponential backoff and jitter (injected clock and random)', async () => {
    const counterFile = join(h.dir, 'attempts');
    writeFileSync(counterFile, '');
    const clock = new VirtualClock();
    const delays: number[] = [];
    const { status, details } = await runDoc(
      h,
      doc({
        flaky: {
          // Fails twice, then succeeds.
          command: ['sh', '-c', `echo x >> ${counterFile}; [ $(wc -l < ${counterFile}) -ge 3 ]`],
          retry: { limit: 3, backoff: { initial: '10s', factor: 2, max: '1h', jitter: 0.5 } },
        },
      }),
      { clock, random: () => 0.25 },
      (event) => {
        if (event.kind === 'step' && event.retryInMs !== undefined) delays.push(event.retryInMs);
      },
    );
    expect(status).toBe('succeeded');
    // delay n = base × (1 − jitter) + base × jitter × random, base = 10 s × 2^(n−1)
    expect(delays).toEqual([6_250, 12_500]);
    // The driver waited for each retry on the (virtual) clock, never longer than its backoff.
    expect(clock.sleeps).toHaveLength(2);
    clock.sleeps.forEach((slept, i) => expect(slept).toBeLessThanOrEqual(delays[i]!));
    expect(details.steps[0]).toMatchObject({
      state: 'succeeded',
      failureAttempts: 2,
      preemptionAttempts: 0,
      attempt: 3,
    });
    // Each attempt was its own MLflow run.
    const runs = await h.platform.tracking.searchRuns({
      experimentIds: [details.run.experimentId],
      filter: "tags.`bosun.pipeline.step` = 'flaky'",
    });
    expect(runs.items.map((r) => r.info.status).sort()).toEqual(['FAILED', 'FAILED', 'FINISHED']);
  });

  it('fails once the failure budget is spent, and counts preemptions (a SIGTERM) in their own budget', async () => {
    const failing = await runDoc(
      h,
      doc({ bad: { command: ['sh', '-c', 'exit 3'], retry: { limit: 1, backoff: { initial: '1s' } } } }),
      { clock: new VirtualClock() },
    );
    expect(failing.status).toBe('failed');
    expect(failing.details.steps[0]).toMatchObject({ state: 'failed', failureAttempts: 1, exitCode: 3 });
    expect(failing.details.steps[0]!.reason).toMatch(/exited with code 3/);
    expect(failing.details.run.error).toMatch(/bad/);

    const preempted = await runDoc(
      h,
      doc({ victim: { command: ['sh', '-c', 'kill -TERM $$'], retry: { limit: 5, preemption_limit: 1 } } }),
      { clock: new VirtualClock() },
    );
    expect(preempted.status).toBe('failed');
    expect(preempted.details.steps[0]).toMatchObject({
      state: 'failed',
      failureAttempts: 0,
      preemptionAttempts: 1,
      attempt: 2,
    });
    expect(preempted.details.steps[0]!.reason).toMatch(/SIGTERM.*preemption budget \(1\) is spent/);
  });

  it('kills the whole process tree when a step times out', async () => {
    const pidFile = join(h.dir, 'grandchild.pid');
    const { status, details } = await runDoc(
      h,
      doc({
        slow: { command: ['sh', '-c', `sleep 300 & echo $! > ${pidFile}; sleep 300`], timeout: '500ms' },
      }),
    );
    expect(status).toBe('failed');
    expect(details.steps[0]!.reason).toMatch(/timed out after 500ms/);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !alive(grandchild));
    expect(alive(grandchild)).toBe(false);
  });

  it('skips steps whose condition is false, and the steps that read them', async () => {
    const { status, details } = await runDoc(
      h,
      doc(
        {
          score: {
            command: ['sh', '-c', 'echo 0.5 > "$1"', 'sh', '{{outputs.value}}'],
            outputs: { value: { type: 'float' } },
          },
          promote: {
            command: ['sh', '-c', 'echo promoted > "$1"', 'sh', '{{outputs.note}}'],
            outputs: { note: { type: 'string' } },
            when: 'steps.score.outputs.value >= params.min',
          },
          announce: {
            command: ['true'],
            inputs: { note: { type: 'string', from: 'steps.promote.outputs.note' } },
          },
          retrain: {
            command: ['true'],
            when: 'steps.score.outputs.value < params.min and params.mode in ["auto", "ci"]',
          },
        },
        { params: { min: { type: 'float', default: 0.8 }, mode: { type: 'string', default: 'auto' } } },
      ),
    );
    expect(status).toBe('succeeded');
    const byStep = Object.fromEntries(details.steps.map((s) => [s.step, s]));
    expect(byStep['promote']).toMatchObject({ state: 'skipped' });
    expect(byStep['promote']!.reason).toMatch(/^condition:/);
    expect(byStep['announce']).toMatchObject({ state: 'skipped' });
    expect(byStep['announce']!.reason).toMatch(/^upstream: promote/);
    expect(byStep['retrain']).toMatchObject({ state: 'succeeded' });
  });

  it('fans out with a concurrency cap and fans the outputs back in, in item order', async () => {
    const log = join(h.dir, 'fanout.log');
    writeFileSync(log, '');
    const { status, details } = await runDoc(
      h,
      doc({
        square: {
          for_each: { items: { value: [1, 2, 3, 4, 5] }, concurrency: 2 },
          command: [
            'sh',
            '-c',
            `echo "start $1" >> ${log}; sleep 0.2; echo "end $1" >> ${log}; echo $(($1 * $1)) > "$2"`,
            'sh',
            '{{inputs.n}}',
            '{{outputs.sq}}',
          ],
          inputs: { n: { type: 'int', from: 'item' } },
          outputs: { sq: { type: 'int' } },
        },
        total: {
          command: ['sh', '-c', 'echo "$1" > "$2"', 'sh', '{{inputs.all}}', '{{outputs.copy}}'],
          inputs: { all: { type: 'list', items: { type: 'int' }, from: 'steps.square.outputs.sq' } },
          outputs: { copy: { type: 'list', items: { type: 'int' } } },
        },
      }),
    );
    expect(status).toBe('succeeded');
    let running = 0;
    let most = 0;
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      running += line.startsWith('start') ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
    const total = details.steps.find((s) => s.step === 'total');
    expect(total!.outputs!['copy']).toEqual({ kind: 'value', value: [1, 4, 9, 16, 25] });
    expect(details.steps.filter((s) => s.step === 'square').map((s) => s.item)).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs exit handlers with the pipeline status, on failure too', async () => {
    const out = join(h.dir, 'exit-status');
    const { status, details } = await runDoc(
      h,
      doc(
        { boom: { command: ['false'] } },
        {
          on_exit: {
            report: {
              command: ['sh', '-c', `echo "$1" > ${out}`, 'sh', '{{inputs.status}}'],
              inputs: {
                status: {
                  type: 'enum',
                  values: ['succeeded', 'failed', 'cancelled'],
                  from: 'pipeline.status',
                },
              },
            },
            celebrate: { command: ['true'], when: "pipeline.status == 'succeeded'" },
          },
        },
      ),
    );
    expect(status).toBe('failed');
    expect(readFileSync(out, 'utf8').trim()).toBe('failed');
    const byStep = Object.fromEntries(details.steps.map((s) => [s.step, s.state]));
    expect(byStep).toEqual({ boom: 'failed', report: 'succeeded', celebrate: 'skipped' });
  });

  it('fails the run when the pipeline times out: running steps are killed, pending ones cancelled', async () => {
    const { status, details } = await runDoc(
      h,
      doc(
        {
          forever: { command: ['sleep', '300'] },
          next: { command: ['true'], after: ['forever'] },
        },
        { timeout: '300ms' },
      ),
    );
    expect(status).toBe('failed');
    expect(details.run.error).toMatch(/the pipeline timed out after 300ms/);
    expect(Object.fromEntries(details.steps.map((s) => [s.step, s.state]))).toEqual({
      forever: 'failed',
      next: 'cancelled',
    });
    expect(details.steps.find((s) => s.step === 'forever')!.reason).toMatch(/timed out/);
  });

  it('cancels a running run: the process tree dies, pending steps are cancelled, exit handlers still run', async () => {
    const pidFile = join(h.dir, 'cancel.pid');
    const out = join(h.dir, 'cancel-status');
    const pipelines = h.service();
    const document = doc(
      {
        wait: { command: ['sh', '-c', `sleep 300 & echo $! > ${pidFile}; wait`] },
        after_wait: { command: ['true'], after: ['wait'] },
      },
      {
        on_exit: {
          report: {
            command: ['sh', '-c', `echo "$1" > ${out}`, 'sh', '{{inputs.s}}'],
            inputs: { s: { type: 'string', from: 'pipeline.status' } },
          },
        },
      },
    );
    await pipelines.define({ document, createdBy: 't' });
    const { run, done } = await pipelines.start({ name: document.name, params: {}, createdBy: 't' });
    await waitFor(async () => {
      try {
        return Number(readFileSync(pidFile, 'utf8')) > 0 || undefined;
      } catch {
        return undefined;
      }
    });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    // Through the database, as `bosun pipeline cancel` from another process does.
    const other = h.service();
    await other.cancel(run.runId);
    expect(await done).toBe('cancelled');
    const details = await pipelines.getRun(run.runId);
    expect(Object.fromEntries(details.steps.map((s) => [s.step, s.state]))).toEqual({
      wait: 'cancelled',
      after_wait: 'cancelled',
      report: 'succeeded',
    });
    expect(readFileSync(out, 'utf8').trim()).toBe('cancelled');
    await waitFor(() => !alive(grandchild));
    const parent = await h.platform.tracking.getRun(run.runId);
    expect(parent.info.status).toBe('KILLED');
    await expect(other.cancel(run.runId)).rejects.toThrow(/already ended/);
  });
});
