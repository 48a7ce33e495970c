import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  startPipelineHarness,
  VirtualClock,
  waitFor,
  type PipelineHarness,
} from '../test-support/executor-harness.js';

describe('local executor: caching, plan, resume, recovery', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness('sqlite');
  });
  afterAll(async () => h.close());

  it('reuses results whose cache key is unchanged, records hits on the step run, and plan says why a step runs', async () => {
    const script = join(h.codeDir, 'double.sh');
    writeFileSync(script, 'echo $(($1 * 2)) > "$2"\n');
    const document = {
      apiVersion: 'bosun.dev/v1',
      kind: 'Pipeline',
      name: 'cached',
      params: { n: { type: 'int', default: 2 } },
      steps: {
        double: {
          command: ['sh', 'double.sh', '{{inputs.n}}', '{{outputs.value}}'],
          inputs: { n: { type: 'int', from: 'params.n' } },
          outputs: { value: { type: 'int' } },
        },
        show: {
          command: ['sh', '-c', 'echo "$1" > "$2"', 'sh', '{{inputs.v}}', '{{outputs.v}}'],
          inputs: { v: { type: 'int', from: 'steps.double.outputs.value' } },
          outputs: { v: { type: 'int' } },
        },
        always: { command: ['true'], cache: { enabled: false } },
      },
    };
    const pipelines = h.service();
    await pipelines.define({ document, createdBy: 't' });

    const before = await pipelines.plan({ name: 'cached', params: {} });
    expect(before.map((e) => [e.step, e.decision])).toEqual([
      ['double', 'miss'],
      ['show', 'unknown'],
      ['always', 'disabled'],
    ]);
    expect(before[0]!.reason).toBe('no earlier result of this step');

    const first = await pipelines.start({ name: 'cached', params: {}, createdBy: 't' });
    expect(await first.done).toBe('succeeded');
    expect((await pipelines.plan({ name: 'cached', params: {} })).map((e) => e.decision)).toEqual([
      'hit',
      'hit',
      'disabled',
    ]);

    const second = await pipelines.start({ name: 'cached', params: {}, createdBy: 't' });
    expect(await second.done).toBe('succeeded');
    const details = await pipelines.getRun(second.run.runId);
    const byStep = Object.fromEntries(details.steps.map((s) => [s.step, s]));
    expect(byStep['double']).toMatchObject({
      state: 'cached',
      outputs: { value: { kind: 'value', value: 4 } },
    });
    expect(byStep['show']).toMatchObject({ state: 'cached' });
    expect(byStep['always']).toMatchObject({ state: 'succeeded' });
    const hitRun = await h.platform.tracking.getRun(byStep['double']!.mlflowRunId!);
    const tags = Object.fromEntries(hitRun.data.tags.map((t) => [t.key, t.value]));
    expect(tags['bosun.pipeline.cache']).toBe('hit');
    expect(tags['mlflow.parentRunId']).toBe(second.run.runId);
    const firstDouble = (await pipelines.getRun(first.run.runId)).steps.find((s) => s.step === 'double');
    expect(tags['bosun.pipeline.cached_from_run']).toBe(firstDouble!.mlflowRunId);

    // A new parameter value: that input changed; the step reading its output cannot be known before.
    const changedParam = await pipelines.plan({ name: 'cached', params: { n: 5 } });
    expect(changedParam[0]).toMatchObject({ step: 'double', decision: 'miss', changed: ['input:n'] });
    expect(changedParam[1]).toMatchObject({ step: 'show', decision: 'unknown' });
    // Edited code: the code part changed.
    writeFileSync(script, 'echo $(($1 * 2 + 0)) > "$2"\n');
    const changedCode = await pipelines.plan({ name: 'cached', params: {} });
    expect(changedCode[0]).toMatchObject({ decision: 'miss', changed: ['code'] });
    expect(changedCode[0]!.reason).toBe('changed since the last run: code');
  });

  it('resumes a failed run from its failed steps, keeping what succeeded', async () => {
    const marker = join(h.dir, 'fixed');
    const count = join(h.dir, 'prepare-count');
    writeFileSync(count, '');
    const document = {
      apiVersion: 'bosun.dev/v1',
      kind: 'Pipeline',
      name: 'resumable',
      steps: {
        prepare: {
          command: ['sh', '-c', `echo x >> ${count}; echo 7 > "$1"`, 'sh', '{{outputs.n}}'],
          outputs: { n: { type: 'int' } },
          cache: { enabled: false },
        },
        train: {
          command: [
            'sh',
            '-c',
            `test -f ${marker} && echo "$1" > "$2"`,
            'sh',
            '{{inputs.n}}',
            '{{outputs.n}}',
          ],
          inputs: { n: { type: 'int', from: 'steps.prepare.outputs.n' } },
          outputs: { n: { type: 'int' } },
        },
        report: { command: ['true'], inputs: { n: { type: 'int', from: 'steps.train.outputs.n' } } },
      },
    };
    const pipelines = h.service();
    await pipelines.define({ document, createdBy: 't' });
    const { run, done } = await pipelines.start({ name: 'resumable', params: {}, createdBy: 't' });
    expect(await done).toBe('failed');
    let details = await pipelines.getRun(run.runId);
    expect(Object.fromEntries(details.steps.map((s) => [s.step, s.state]))).toEqual({
      prepare: 'succeeded',
      train: 'failed',
      report: 'skipped',
    });

    writeFileSync(marker, '');
    const resumed = await pipelines.resume(run.runId);
    expect(await resumed.done).toBe('succeeded');
    details = await pipelines.getRun(run.runId);
    expect(details.run).toMatchObject({ status: 'succeeded', resumes: 1 });
    expect(Object.fromEntries(details.steps.map((s) => [s.step, s.state]))).toEqual({
      prepare: 'succeeded',
      train: 'succeeded',
      report: 'succeeded',
    });
    expect(readFileSync(count, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(details.steps.find((s) => s.step === 'train')!.attempt).toBe(2);
    await expect(pipelines.resume(run.runId)).rejects.toThrow(
      /only a failed or cancelled run can be resumed/,
    );
  });

  for (const budget of [1, 0]) {
    it(`after a crash, a new process takes the run over: the orphan dies and the step is ${budget > 0 ? 'retried as a preemption' : 'failed with the reason'}`, async () => {
      const pidFile = join(h.dir, `crash-${budget}.pid`);
      const marker = join(h.dir, `crash-${budget}.second`);
      const document = {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: `crashy-${budget}`,
        steps: {
          // The first attempt hangs (a server killed mid-step); a later one finishes.
          work: {
            command: [
              'sh',
              '-c',
              `if [ -f ${pidFile} ]; then touch ${marker}; exit 0; fi; echo $$ > ${pidFile}; sleep 300`,
            ],
            retry: { preemption_limit: budget },
          },
        },
      };
      const clock = new VirtualClock();
      const first = h.service({ clock, leaseMs: 60_000, owner: 'server-A' });
      await first.define({ document, createdBy: 't' });
      const { run } = await first.start({ name: document.name, params: {}, createdBy: 't' });
      await waitFor(async () => {
        const { steps } = await first.getRun(run.runId);
        return steps[0]?.state === 'running' && steps[0].pid !== undefined && existsSync(pidFile)
          ? true
          : undefined;
      });
      const orphan = Number(readFileSync(pidFile, 'utf8'));
      first.crashForTests();

      const second = h.service({ clock, leaseMs: 60_000, owner: 'server-B' });
      expect(await second.recover()).toEqual([]); // the lease has not expired yet
      clock.offset += 60_001;
      expect(await second.recover()).toEqual([run.runId]);
      const status = await second.done(run.runId);
      await waitFor(() => !alive(orphan));
      const details = await second.getRun(run.runId);
      const step = details.steps[0]!;
      if (budget > 0) {
        expect(status).toBe('succeeded');
        expect(step).toMatchObject({
          state: 'succeeded',
          preemptionAttempts: 1,
          failureAttempts: 0,
          attempt: 2,
          leaseOwner: undefined,
        });
        expect(existsSync(marker)).toBe(true);
      } else {
        expect(status).toBe('failed');
        expect(step.state).toBe('failed');
        expect(step.reason).toMatch(/lease held by server-A expired.*preemption budget \(0\) is spent/);
        expect(existsSync(marker)).toBe(false);
      }
      expect(details.run.leaseOwner).toBeUndefined();
    });
  }
});
