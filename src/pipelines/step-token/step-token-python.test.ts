import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from '../../shared/test-support/test-python.js';
import { startAuthPipelineHarness, type AuthPipelineHarness } from '../test-support/auth-harness.js';

// Issue 12, point 2: with auth on, the unchanged mlflow client in a step logs into the step's run with the token
// it finds in MLFLOW_TRACKING_TOKEN (without one it got 401). Needs the test venv (excluded from test:fast).
describe('pipeline step token: the unchanged mlflow client (sqlite)', () => {
  let h: AuthPipelineHarness;
  let python: string;
  beforeAll(async () => {
    python = testPython();
    h = await startAuthPipelineHarness('sqlite');
  });
  afterAll(async () => h.close());

  it('logs a metric into the step run with auth on', async () => {
    writeFileSync(
      join(h.codeDir, 'train.py'),
      ['import mlflow', 'mlflow.log_metric("accuracy", 0.875)', 'mlflow.log_param("lr", "0.1")'].join('\n'),
    );
    const pipelines = h.platform.pipelines;
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'train',
        steps: { train: { command: [python, 'train.py'] } },
      },
      codeDir: h.codeDir,
      createdBy: 'alice',
    });
    const pipelineExperiment = (await h.platform.tracking.getExperimentByName('train')).experimentId;
    await h.platform.permissions.putGrant('experiment', pipelineExperiment, h.alice.id, 'EDIT');
    const { run, done } = await pipelines.start({ name: 'train', params: {}, createdBy: 'alice' });
    const status = await done;
    if (status !== 'succeeded') console.log(JSON.stringify(await pipelines.logs(run.runId)));
    expect(status).toBe('succeeded');
    const details = await pipelines.getRun(run.runId);
    const stepRun = await h.platform.tracking.getRun(details.steps[0]?.mlflowRunId ?? '');
    expect(stepRun.data.metrics.find((m) => m.key === 'accuracy')?.value).toBe(0.875);
    expect(stepRun.data.params).toContainEqual({ key: 'lr', value: '0.1' });
  });
});
