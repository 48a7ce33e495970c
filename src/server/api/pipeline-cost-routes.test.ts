import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  expectError,
  startAuthTestServer,
  type AuthTestServer,
} from '../test-support/auth-test-server.js';
import { makeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

const api = '/api/bosun/v1/pipelines';

const classesFile = (): string => {
  const dir = makeTestTempDir('bosun-cost-classes-');
  const path = join(dir, 'resource-classes.yaml');
  writeFileSync(
    path,
    [
      'classes:',
      '  - { name: cpu.small, price_per_hour: 0.36, capacity: on-demand, spot_price_per_hour: 0.12 }',
      '  - { name: gpu.spot, price_per_hour: 3.6, capacity: spot }',
      '',
    ].join('\n'),
  );
  return path;
};

const pipeline = (name: string, resourceClass: string) => `apiVersion: bosun.dev/v1
kind: Pipeline
name: ${name}
steps:
  hello:
    command: [sh, -c, 'echo hello']
    resources: { class: ${resourceClass} }
`;

describe('pipeline resource classes over HTTP', () => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-pipeline-cost-', { resourceClassesFile: classesFile() });
  });
  afterAll(async () => t.close());

  it('refuses to run a pipeline that names an unknown class, listing the known ones', async () => {
    const defined = await t.call('POST', `${api}/definitions`, { document: pipeline('tpu-job', 'tpu.big') });
    expect(defined.status).toBe(200);
    const started = await t.call('POST', `${api}/runs`, { pipeline: 'tpu-job' });
    expectError(started, 400, 'INVALID_PARAMETER_VALUE');
    expect(started.json.message).toBe(
      "Pipeline 'tpu-job' step 'hello': unknown resource class 'tpu.big': the server defines 'cpu.small', 'gpu.spot'",
    );
  });
});

describe('pipeline cost routes', () => {
  let t: AuthTestServer;
  const bob = basic('bob', 'Bob-password-123-long');
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-pipeline-cost-routes-', {
      resourceClassesFile: classesFile(),
      defaultPermission: 'NO_PERMISSIONS',
    });
    const created = await t.call('POST', '/api/2.0/mlflow/users/create', {
      username: 'bob',
      password: 'Bob-password-123-long',
    });
    expect(created.status).toBe(200);
  });
  afterAll(async () => t.close());

  async function settled(runId: string): Promise<Record<string, unknown>> {
    for (;;) {
      const answer = await t.call('GET', `${api}/runs/${runId}`);
      if ((answer.json.run as { status: string }).status !== 'running') return answer.json;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('answers the cost of a run, a pipeline and a model version, to readers only', async () => {
    expect(
      (await t.call('POST', `${api}/definitions`, { document: pipeline('priced', 'cpu.small') })).status,
    ).toBe(200);
    const started = await t.call('POST', `${api}/runs`, { pipeline: 'priced' });
    const runId = (started.json.run as { run_id: string }).run_id;
    const details = await settled(runId);
    const step = (details.steps as Record<string, unknown>[])[0] ?? {};
    expect(step).toMatchObject({ step: 'hello', resource_class: 'cpu.small', cost_usd: expect.any(Number) });
    expect(details.cost).toMatchObject({ steps: 1, unpriced_steps: 0, cost_usd: step.cost_usd });

    const cost = await t.call('GET', `${api}/runs/${runId}/cost`);
    expect(cost.status).toBe(200);
    expect(cost.json).toMatchObject({
      run_id: runId,
      pipeline: 'priced',
      status: 'succeeded',
      total: { cost_usd: step.cost_usd, saved_usd: null, steps: 1, cached_steps: 0 },
      steps: [{ step: 'hello', resource_class: 'cpu.small', cost_usd: step.cost_usd, attempt: 1 }],
    });

    const byPipeline = await t.call('GET', `${api}/definitions/priced/cost?from=2000-01-01&to=2999-01-01`);
    expect(byPipeline.json).toMatchObject({
      pipeline: 'priced',
      from: Date.parse('2000-01-01'),
      to: Date.parse('2999-01-01'),
      runs: 1,
      total: { cost_usd: step.cost_usd },
    });
    expectError(
      await t.call('GET', `${api}/definitions/priced/cost?from=someday`),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await t.call('GET', `${api}/definitions/priced/cost?from=2000&to=1000`),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(await t.call('GET', `${api}/definitions/nope/cost`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await t.call('GET', `${api}/runs/${'0'.repeat(32)}/cost`), 404, 'RESOURCE_DOES_NOT_EXIST');

    // A version registered from the step's run: costed by the pipeline run that made it.
    const stepRun = String(step.mlflow_run_id);
    await t.call('POST', '/api/2.0/mlflow/registered-models/create', { name: 'priced-model' });
    const version = await t.call('POST', '/api/2.0/mlflow/model-versions/create', {
      name: 'priced-model',
      source: `runs:/${stepRun}/model`,
      run_id: stepRun,
    });
    expect(version.status).toBe(200);
    const byVersion = await t.call('GET', `${api}/models/priced-model/versions/1/cost`);
    expect(byVersion.json).toMatchObject({
      name: 'priced-model',
      version: '1',
      source_run_id: stepRun,
      pipeline_run_id: runId,
      pipeline: 'priced',
      total: { cost_usd: step.cost_usd },
      steps: [{ step: 'hello' }],
    });
    expectError(
      await t.call('GET', `${api}/models/priced-model/versions/9/cost`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );

    // Bob has no permission on the pipeline's experiment nor on the model.
    expectError(await t.call('GET', `${api}/runs/${runId}/cost`, undefined, bob), 403, 'PERMISSION_DENIED');
    expectError(
      await t.call('GET', `${api}/definitions/priced/cost`, undefined, bob),
      403,
      'PERMISSION_DENIED',
    );
    expectError(
      await t.call('GET', `${api}/models/priced-model/versions/1/cost`, undefined, bob),
      403,
      'PERMISSION_DENIED',
    );
  });
});

describe('a bad resource classes file', () => {
  it('refuses to start the server, naming the file and field', async () => {
    const dir = makeTestTempDir('bosun-cost-bad-');
    const path = join(dir, 'rc.yaml');
    writeFileSync(path, 'classes:\n  - { name: a, price_per_hour: cheap, capacity: on-demand }\n');
    await expect(
      startAuthTestServer('bosun-pipeline-cost-bad-', { resourceClassesFile: path }),
    ).rejects.toThrow(`Resource classes file '${path}' is not valid:\n  classes[0].price_per_hour`);
  });
});
