import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePipelineHarness } from '../test-support/describe-pipeline-harness.js';

const doc = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'basics',
  steps,
  ...extra,
});

describePipelineHarness('local executor on %s', (h) => {
  it('runs each step as an MLflow run nested in the pipeline run, passing values and artifacts', async () => {
    const pipelines = h.service();
    await pipelines.define({
      document: doc(
        {
          produce: {
            command: [
              'sh',
              '-c',
              'echo "hello $1"; echo oops >&2; printf "%s" "$MLFLOW_RUN_ID" > run_id.txt; mkdir -p "$2"; echo data > "$2/table.csv"; echo 42 > "$3"; printf "\\"%s\\"" "$MLFLOW_EXPERIMENT_ID" > "$4"',
              'sh',
              '{{inputs.who}}',
              '{{outputs.table}}',
              '{{outputs.count}}',
              '{{outputs.experiment}}',
            ],
            inputs: { who: { type: 'string', from: 'params.who' } },
            outputs: {
              table: { type: 'artifact', kind: 'dataset' },
              count: { type: 'int' },
              experiment: { type: 'string' },
            },
          },
          consume: {
            command: [
              'sh',
              '-c',
              'cat "$1/table.csv" > "$3"; echo "n=$2" >> "$3"',
              'sh',
              '{{inputs.table}}',
              '{{inputs.count}}',
              '{{outputs.report}}',
            ],
            inputs: {
              table: { type: 'artifact', kind: 'dataset', from: 'steps.produce.outputs.table' },
              count: { type: 'int', from: 'steps.produce.outputs.count' },
            },
            outputs: { report: { type: 'artifact' } },
          },
        },
        { params: { who: { type: 'string', default: 'world' } } },
      ),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({
      name: 'basics',
      params: { who: 'bosun' },
      createdBy: 'alice',
    });
    expect(await done).toBe('succeeded');
    const details = await pipelines.getRun(run.runId);
    expect(details.run.status).toBe('succeeded');
    expect(details.steps.map((s) => s.step)).toEqual(['produce', 'consume']);
    const [produce, consume] = details.steps;
    expect(produce).toMatchObject({ step: 'produce', state: 'succeeded', exitCode: 0, attempt: 1 });
    expect(produce!.outputs!['count']).toEqual({ kind: 'value', value: 42 });
    expect(consume).toMatchObject({ step: 'consume', state: 'succeeded' });

    // The pipeline run is an MLflow run; each step a nested one with its inputs as params.
    const tracking = h.platform.tracking;
    const parent = await tracking.getRun(run.runId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.data.params).toContainEqual({ key: 'who', value: 'bosun' });
    const child = await tracking.getRun(produce!.mlflowRunId!);
    const tags = Object.fromEntries(child.data.tags.map((t) => [t.key, t.value]));
    expect(tags['mlflow.parentRunId']).toBe(run.runId);
    expect(tags['bosun.step.exit_code']).toBe('0');
    expect(Number(tags['bosun.step.duration_ms'])).toBeGreaterThanOrEqual(0);
    expect(tags['bosun.code.dirty_digest']).toBeDefined();
    expect(child.data.params).toContainEqual({ key: 'who', value: 'bosun' });
    expect(produce!.outputs!['experiment']).toEqual({ kind: 'value', value: parent.info.experimentId });

    // stdout/stderr are artifacts of the step's run; the artifact output went by reference.
    const logs = await pipelines.logs(run.runId, { step: 'produce' });
    expect(logs[0]).toMatchObject({ stdout: 'hello bosun\n', stderr: 'oops\n' });
    const consumeLogs = await pipelines.logs(run.runId, { step: 'consume' });
    expect(consumeLogs[0]!.stdout).toBe('');
    const report = consume!.outputs!['report'];
    expect(report).toMatchObject({ kind: 'artifact', path: 'outputs/report' });
    const consumeRun = await tracking.getRun(consume!.mlflowRunId!);
    const consumeTags = Object.fromEntries(consumeRun.data.tags.map((t) => [t.key, t.value]));
    expect(consumeTags['bosun.input.table.digest']).toMatch(/^sha256:/);
    expect(consumeTags['bosun.input.table.digest']).toBe(
      (produce!.outputs!['table'] as { digest: string }).digest,
    );

    // The steps' work folders (logs as written, the downloaded input, the outputs) are gone: all of it is stored.
    for (const step of [produce!, consume!])
      expect(existsSync(join(h.dir, 'work', step.stepRunId))).toBe(false);
    expect(existsSync(join(h.dir, 'work'))).toBe(true);
  });

  it('refuses bad parameters and documents it cannot run yet', async () => {
    const pipelines = h.service();
    await expect(pipelines.start({ name: 'basics', params: { nope: 1 }, createdBy: 'a' })).rejects.toThrow(
      /no parameter 'nope'/,
    );
    await expect(
      pipelines.define({
        document: { apiVersion: 'bosun.dev/v1', kind: 'Pipeline', name: 'x', steps: {} },
        createdBy: 'a',
      }),
    ).rejects.toThrow(/not valid/);
  });
});
