import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from '../../shared/test-support/test-python.js';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';
import { writeWheel } from '../test-support/wheels.js';

describe('local executor: a Python step with the unchanged mlflow client', () => {
  let h: PipelineHarness;
  let python: string;
  beforeAll(async () => {
    python = testPython();
    h = await startPipelineHarness('sqlite');
  });
  afterAll(async () => h.close());

  it('logs into its own step run, and records the interpreter and pip freeze', async () => {
    writeFileSync(
      join(h.codeDir, 'train.py'),
      [
        'import json, sys, mlflow',
        'lr = float(sys.argv[1])',
        'mlflow.log_metric("accuracy", 0.5 + lr)',
        'mlflow.log_param("from_client", "yes")',
        'json.dump(mlflow.active_run().info.run_id, open(sys.argv[2], "w"))',
      ].join('\n'),
    );
    writeFileSync(join(h.codeDir, 'steps.py'), 'def scale(x: float) -> float:\n    return x * 10\n');
    const pipelines = h.service({ python });
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'py',
        steps: {
          train: {
            script: { path: 'train.py', args: ['{{inputs.lr}}', '{{outputs.run}}'] },
            inputs: { lr: { type: 'float', value: 0.25 } },
            outputs: { run: { type: 'string' } },
          },
          scale: {
            function: 'steps:scale',
            inputs: { x: { type: 'float', value: 0.5 } },
            outputs: { y: { type: 'float' } },
          },
        },
      },
      createdBy: 't',
    });
    const { run, done } = await pipelines.start({ name: 'py', params: {}, createdBy: 't' });
    const status = await done;
    const details = await pipelines.getRun(run.runId);
    if (status !== 'succeeded') console.log(await pipelines.logs(run.runId));
    expect(status).toBe('succeeded');
    const train = details.steps.find((s) => s.step === 'train')!;
    // The client logged into the step's run (MLFLOW_RUN_ID), seen through the tracking service.
    expect(train.outputs!['run']).toEqual({ kind: 'value', value: train.mlflowRunId });
    const stepRun = await h.platform.tracking.getRun(train.mlflowRunId!);
    expect(stepRun.data.metrics.find((m) => m.key === 'accuracy')?.value).toBe(0.75);
    expect(stepRun.data.params).toContainEqual({ key: 'from_client', value: 'yes' });
    const tags = Object.fromEntries(stepRun.data.tags.map((t) => [t.key, t.value]));
    expect(tags['bosun.environment.python']).toBe(python);
    expect(tags['bosun.environment.freeze_digest']).toMatch(/^sha256:/);
    expect(tags['mlflow.parentRunId']).toBe(run.runId);
    expect(details.steps.find((s) => s.step === 'scale')!.outputs!['y']).toEqual({ kind: 'value', value: 5 });
  });

  it('runs a step that declares requirements in an environment built once and reused by the next run', async () => {
    const wheel = writeWheel(h.codeDir, 'bosunstepdep', '1.0', 'from-the-wheel');
    writeFileSync(
      join(h.codeDir, 'uses_dep.py'),
      [
        'import sys, bosunstepdep, mlflow',
        'print(bosunstepdep.VALUE, sys.prefix)',
        'mlflow.log_metric("ok", 1)',
      ].join('\n'),
    );
    const pipelines = h.service({ python });
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'with-requirements',
        steps: {
          script: { script: { path: 'uses_dep.py' }, requirements: [wheel], cache: { enabled: false } },
          command: {
            command: ['python', '-c', 'import bosunstepdep; print(bosunstepdep.VALUE)'],
            requirements: [wheel],
          },
        },
      },
      createdBy: 't',
    });
    const tagsOf = async (runId: string) => {
      const details = await pipelines.getRun(runId);
      return Promise.all(
        details.steps.map(async (s) => {
          const run = await h.platform.tracking.getRun(s.mlflowRunId!);
          return Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
        }),
      );
    };
    const first = await pipelines.start({ name: 'with-requirements', params: {}, createdBy: 't' });
    expect(await first.done).toBe('succeeded');
    const logs = await pipelines.logs(first.run.runId);
    expect(logs.find((l) => l.step === 'script')!.stdout).toMatch(/^from-the-wheel .+/);
    expect(logs.find((l) => l.step === 'command')!.stdout).toBe('from-the-wheel\n');
    const firstTags = await tagsOf(first.run.runId);
    // Both steps declare the same requirements: one environment, built by whichever started first.
    expect(new Set(firstTags.map((t) => t['bosun.environment.venv'])).size).toBe(1);
    expect(firstTags.map((t) => t['bosun.environment.venv_reused']).sort()).toEqual(['false', 'true']);
    expect(firstTags[0]!['bosun.environment.python']).toMatch(/\/bin\/python$/);
    expect(firstTags[0]!['bosun.environment.python']).not.toBe(python);

    const second = await pipelines.start({ name: 'with-requirements', params: {}, createdBy: 't' });
    expect(await second.done).toBe('succeeded');
    const secondTags = await tagsOf(second.run.runId);
    const ran = secondTags.filter((t) => t['bosun.environment.venv'] !== undefined);
    expect(ran.map((t) => t['bosun.environment.venv_reused'])).toEqual(['true']); // the command step is a cache hit
  });
});
