import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';

const python = resolve('.cache/venv-mlflow3/bin/python');

describe.skipIf(!existsSync(python))('local executor: a Python step with the unchanged mlflow client', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
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
});
