import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTrackingService } from './test-support/fake-tracking-service.js';
import { startTestServer, type TestServer } from './test-support/test-server.js';

const api = '/api/2.0/mlflow';
let server: TestServer;
let fake: FakeTrackingService;

beforeAll(async () => {
  fake = new FakeTrackingService();
  server = await startTestServer({ tracking: fake });
});
afterAll(async () => server.close());

async function createRun(): Promise<string> {
  const res = await server.call('POST', `${api}/runs/create`, { experiment_id: '0', start_time: 1000 });
  expect(res.status).toBe(200);
  const run = res.json?.run as { info: { run_id: string } };
  return run.info.run_id;
}

describe('experiments', () => {
  it('create returns {experiment_id}; get and get-by-name return {experiment} with snake_case fields', async () => {
    const created = await server.call('POST', `${api}/experiments/create`, {
      name: 'wire-exp',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(created.status).toBe(200);
    const id = created.json?.experiment_id;
    expect(typeof id).toBe('string');

    const got = await server.call('GET', `${api}/experiments/get?experiment_id=${String(id)}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      experiment: {
        experiment_id: id,
        name: 'wire-exp',
        artifact_location: `mlflow-artifacts:/${String(id)}`,
        lifecycle_stage: 'active',
        creation_time: expect.any(Number),
        last_update_time: expect.any(Number),
        tags: [{ key: 'team', value: 'ml' }],
      },
    });
    const byName = await server.call('GET', `${api}/experiments/get-by-name?experiment_name=wire-exp`);
    expect(byName.json).toEqual(got.json);
  });

  it('omits empty tag lists and answers the /ajax-api prefix too', async () => {
    const res = await server.call('GET', `/ajax-api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect(res.status).toBe(200);
    expect(res.json?.experiment).not.toHaveProperty('tags');
  });

  it('search accepts POST bodies and GET query strings, enums by name or number', async () => {
    const post = await server.call('POST', `${api}/experiments/search`, {
      max_results: '1',
      view_type: 'ALL',
    });
    expect(post.status).toBe(200);
    expect((post.json?.experiments as unknown[]).length).toBe(1);
    expect(post.json?.next_page_token).toBe('1');
    expect(fake.lastCall('searchExperiments')?.[0]).toEqual({ maxResults: 1, viewType: 'ALL' });

    const get = await server.call(
      'GET',
      `${api}/experiments/search?max_results=5&view_type=3&order_by=name&order_by=creation_time`,
    );
    expect(get.status).toBe(200);
    expect(fake.lastCall('searchExperiments')?.[0]).toEqual({
      maxResults: 5,
      viewType: 'ALL',
      orderBy: ['name', 'creation_time'],
    });
    expect(get.json).not.toHaveProperty('next_page_token');
  });

  it('accepts lowerCamelCase field names', async () => {
    const res = await server.call('POST', `${api}/experiments/set-experiment-tag`, {
      experimentId: '0',
      key: 'camel',
      value: 'yes',
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    expect(fake.lastCall('setExperimentTag')).toEqual(['0', 'camel', 'yes']);
  });
});

describe('runs', () => {
  let runId: string;
  beforeEach(async () => {
    runId = await createRun();
  });

  it('create and get return the run with run_id AND run_uuid, without end_time while unset', async () => {
    const res = await server.call('GET', `${api}/runs/get?run_id=${runId}`);
    expect(res.status).toBe(200);
    const run = res.json?.run as Record<string, Record<string, unknown>>;
    expect(run.info).toMatchObject({ run_id: runId, run_uuid: runId, status: 'RUNNING', start_time: 1000 });
    expect(run.info).not.toHaveProperty('end_time');
    expect(run.data).toEqual({});
    expect(run.inputs).toEqual({});
    expect(run.outputs).toEqual({});
  });

  it('falls back to run_uuid when run_id is absent', async () => {
    const get = await server.call('GET', `${api}/runs/get?run_uuid=${runId}`);
    expect(get.status).toBe(200);
    const set = await server.call('POST', `${api}/runs/set-tag`, { run_uuid: runId, key: 'k', value: 'v' });
    expect(set.status).toBe(200);
    expect(fake.lastCall('setTag')).toEqual([runId, 'k', 'v']);
  });

  it('update takes the status by name or number and returns {run_info}', async () => {
    const res = await server.call('POST', `${api}/runs/update`, {
      run_id: runId,
      status: 3,
      end_time: '2000',
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      run_info: expect.objectContaining({
        run_id: runId,
        run_uuid: runId,
        status: 'FINISHED',
        end_time: 2000,
      }),
    });
    const byName = await server.call('POST', `${api}/runs/update`, { run_id: runId, status: 'KILLED' });
    expect((byName.json?.run_info as { status: string }).status).toBe('KILLED');
  });

  it('accepts NaN and ±Infinity as strings and numeric strings as int64, and emits them as strings', async () => {
    const batch = await server.call('POST', `${api}/runs/log-batch`, {
      run_id: runId,
      metrics: [
        { key: 'nan', value: 'NaN', timestamp: '1700000000000', step: '3' },
        { key: 'inf', value: 'Infinity', timestamp: 1, step: 0 },
        { key: 'ninf', value: '-Infinity', timestamp: 1 },
        { key: 'num', value: '0.25', timestamp: 1 },
      ],
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 't', value: 'x' }],
    });
    expect(batch.status).toBe(200);
    const logged = fake.lastCall('logBatch')?.[1] as {
      metrics: { value: number; step: number; timestamp: number }[];
    };
    expect(logged.metrics.map((m) => m.value)).toEqual([NaN, Infinity, -Infinity, 0.25]);
    expect(logged.metrics[0]).toMatchObject({ step: 3, timestamp: 1_700_000_000_000 });
    expect(logged.metrics[2]?.step).toBe(0);

    const run = (await server.call('GET', `${api}/runs/get?run_id=${runId}`)).json?.run as {
      data: { metrics: { key: string; value: unknown }[]; params: unknown[] };
    };
    const values = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
    expect(values).toEqual({ nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', num: 0.25 });
    expect(run.data.params).toEqual([{ key: 'alpha', value: '0.5' }]);

    const history = await server.call(
      'GET',
      `${api}/metrics/get-history?run_id=${runId}&metric_key=nan&max_results=25000`,
    );
    expect(history.json).toEqual({
      metrics: [{ key: 'nan', value: 'NaN', timestamp: 1_700_000_000_000, step: 3 }],
    });
  });

  it('log-metric accepts camelCase, defaults step to 0 and keeps model/dataset fields', async () => {
    const res = await server.call('POST', `${api}/runs/log-metric`, {
      runId,
      key: 'loss',
      value: 1.5,
      timestamp: 10,
      modelId: 'm-1',
      datasetName: 'train',
    });
    expect(res.status).toBe(200);
    expect(fake.lastCall('logMetric')).toEqual([
      runId,
      { key: 'loss', value: 1.5, timestamp: 10, step: 0, modelId: 'm-1', datasetName: 'train' },
    ]);
  });

  it('log-inputs, outputs and search round-trip datasets and models', async () => {
    const inputs = await server.call('POST', `${api}/runs/log-inputs`, {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'train' }],
          dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' },
        },
      ],
    });
    expect(inputs.status).toBe(200);
    const outputs = await server.call('POST', `${api}/runs/outputs`, {
      run_id: runId,
      models: [{ model_id: 'm-9', step: 2 }],
    });
    expect(outputs.status).toBe(200);
    const search = await server.call('POST', `${api}/runs/search`, {
      experiment_ids: ['0'],
      run_view_type: 'ACTIVE_ONLY',
      max_results: 50000,
    });
    expect(search.status).toBe(200);
    const run = (search.json?.runs as { info: { run_id: string } }[]).find((r) => r.info.run_id === runId);
    expect(run).toMatchObject({
      inputs: {
        dataset_inputs: [
          {
            tags: [{ key: 'mlflow.data.context', value: 'train' }],
            dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' },
          },
        ],
      },
      outputs: { model_outputs: [{ model_id: 'm-9', step: 2 }] },
    });
  });

  it('bulk-interval history reads repeated run_ids and tags points with run_id', async () => {
    const other = await createRun();
    for (const id of [runId, other]) {
      await server.call('POST', `${api}/runs/log-metric`, {
        run_id: id,
        key: 'acc',
        value: 0.5,
        timestamp: 5,
        step: 1,
      });
    }
    const res = await server.call(
      'GET',
      `${api}/metrics/get-history-bulk-interval?run_ids=${runId}&run_ids=${other}&metric_key=acc&max_results=10`,
    );
    expect(res.status).toBe(200);
    expect((res.json?.metrics as { run_id: string }[]).map((m) => m.run_id)).toEqual([runId, other]);
  });
});

describe('logged models', () => {
  it('create / get / finalize return {model: {info, data}}; tags, params and delete work', async () => {
    const created = await server.call('POST', `${api}/logged-models`, {
      experiment_id: '0',
      name: 'model',
      params: [{ key: 'p', value: '1' }],
      tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
    });
    expect(created.status).toBe(200);
    const model = created.json?.model as { info: Record<string, unknown>; data: Record<string, unknown> };
    const id = model.info.model_id as string;
    expect(model.info).toMatchObject({
      experiment_id: '0',
      name: 'model',
      status: 'LOGGED_MODEL_PENDING',
      artifact_uri: `mlflow-artifacts:/0/models/${id}/artifacts`,
      creation_timestamp_ms: expect.any(Number),
      last_updated_timestamp_ms: expect.any(Number),
    });
    expect(model.data).toEqual({ params: [{ key: 'p', value: '1' }] });

    const finalized = await server.call('PATCH', `${api}/logged-models/${id}`, {
      model_id: id,
      status: 'LOGGED_MODEL_READY',
    });
    expect((finalized.json?.model as typeof model).info.status).toBe('LOGGED_MODEL_READY');

    expect(
      (await server.call('PATCH', `${api}/logged-models/${id}/tags`, { tags: [{ key: 'a', value: 'b' }] }))
        .json,
    ).toEqual({});
    expect(
      (await server.call('POST', `${api}/logged-models/${id}/params`, { params: [{ key: 'q', value: '2' }] }))
        .status,
    ).toBe(200);
    // The client sends no body (and no Content-Type) on this DELETE.
    expect((await server.call('DELETE', `${api}/logged-models/${id}/tags/a`)).status).toBe(200);

    const got = await server.call('GET', `${api}/logged-models/${id}?allow_deleted=True`);
    expect((got.json?.model as typeof model).data.params).toEqual([
      { key: 'p', value: '1' },
      { key: 'q', value: '2' },
    ]);
    const search = await server.call('POST', `${api}/logged-models/search`, {
      experiment_ids: ['0'],
      order_by: [{ field_name: 'creation_time', ascending: false }],
    });
    expect((search.json?.models as unknown[]).length).toBeGreaterThan(0);
    expect(fake.lastCall('searchLoggedModels')?.[0]).toMatchObject({
      orderBy: [{ fieldName: 'creation_time', ascending: false }],
    });

    expect((await server.call('DELETE', `${api}/logged-models/${id}`, { model_id: id })).json).toEqual({});
    const gone = await server.call('GET', `${api}/logged-models/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
