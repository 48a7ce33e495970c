import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import { basicAuthorization, jsonRequest } from '../test-support/json-request.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const passwords = { alice: 'Alice-Strong-Pass-42', bob: 'Bob-Strong-Pass-4242' };
type Who = keyof typeof passwords;
const api = '/api/2.0/mlflow';
const ajax = '/ajax-api/2.0/mlflow';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

describe.each(testEngines)('the web UI’s tracking routes on %s', (engine) => {
  let db: TestDatabase;
  let dir: string;
  let server: RunningServer; // NO_PERMISSIONS without a grant: bob reads nothing of alice's
  let experimentId: string;
  let runA: string;
  let runB: string;

  const as = async (who: Who, method: string, path: string, body?: unknown): Promise<Answer> =>
    jsonRequest(server.address, method, path, body, {
      authorization: basicAuthorization(who, passwords[who]),
    });
  const expectInvalid = (answer: Answer, message: string): void => {
    expect({ status: answer.status, code: answer.json.error_code }).toEqual({
      status: 400,
      code: 'INVALID_PARAMETER_VALUE',
    });
    expect(String(answer.json.message)).toContain(message);
  };
  const logMetric = async (runId: string, step: number, timestamp = 1): Promise<void> => {
    const res = await as('alice', 'POST', `${api}/runs/log-metric`, {
      run_id: runId,
      key: 'metricA',
      value: 10,
      timestamp,
      step,
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = await mkdtemp(join(tmpdir(), 'bosun-ui-routes-'));
    const users = new UserService({ handle: db.handle, scrypt: testPasswordHashing });
    await users.bootstrapAdmin('admin', 'Admin-Strong-Pass-42');
    await users.createUser({ username: 'alice', password: passwords.alice });
    await users.createUser({ username: 'bob', password: passwords.bob });
    server = await startServer(
      loadServerConfig(
        {
          port: 0,
          backendStoreUri: db.uri,
          artifactsDestination: join(dir, 'artifacts'),
          logLevel: 'silent',
          authEnabled: true,
          defaultPermission: 'NO_PERMISSIONS',
        },
        {},
      ),
      testStartOptions,
    );
    const made = await as('alice', 'POST', `${api}/experiments/create`, { name: `ui-${engine}` });
    experimentId = String(made.json.experiment_id);
    const run = async (): Promise<string> =>
      String(
        (
          (await as('alice', 'POST', `${api}/runs/create`, { experiment_id: experimentId })).json.run as {
            info: { run_id: string };
          }
        ).info.run_id,
      );
    runA = await run();
    runB = await run();
    for (let step = 0; step < 10; step++) await logMetric(runA, step);
    for (let step = 0; step < 20; step++) await logMetric(runB, step);
  });
  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('samples get-history-bulk-interval as MLflow does, and answers its messages', async () => {
    const url = (query: string) => `${ajax}/metrics/get-history-bulk-interval?${query}`;
    const one = await as('alice', 'GET', url(`run_ids=${runA}&metric_key=metricA&max_results=5`));
    expect(one.status).toBe(200);
    expect((one.json.metrics as { step: number }[]).map((m) => m.step)).toEqual([0, 2, 4, 6, 8, 9]);
    expect((one.json.metrics as unknown[])[0]).toEqual({
      key: 'metricA',
      value: 10,
      timestamp: 1,
      step: 0,
      run_id: runA,
    });
    const both = await as(
      'alice',
      'GET',
      url(`run_ids=${runA}&run_ids=${runB}&metric_key=metricA&max_results=5`),
    );
    expect(
      (both.json.metrics as { step: number; run_id: string }[]).map(
        (m) => `${m.run_id === runA ? 'a' : 'b'}${m.step}`,
      ),
    ).toEqual(['a0', 'a4', 'a8', 'a9', 'b0', 'b4', 'b8', 'b9', 'b12', 'b16', 'b19']);
    const many = Array.from({ length: 101 }, (_, i) => `run_ids=id_${i}`).join('&');
    expectInvalid(
      await as('alice', 'GET', url(`${many}&metric_key=key`)),
      'GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.',
    );
    expectInvalid(
      await as('alice', 'GET', url('metric_key=key')),
      "Missing value for required parameter 'run_ids'.",
    );
    expectInvalid(
      await as('alice', 'GET', url(`run_ids=${runA}&metric_key=key&max_results=0`)),
      'max_results must be between 1 and 2500',
    );
    expectInvalid(
      await as('alice', 'GET', url(`run_ids=${runA}&metric_key=`)),
      "Missing value for required parameter 'metric_key'",
    );
    expectInvalid(
      await as('alice', 'GET', url(`run_ids=${runA}&metric_key=key&start_step=1&end_step=0&max_results=5`)),
      'end_step must be greater than start_step. ',
    );
    expectInvalid(
      await as('alice', 'GET', url(`run_ids=${runA}&metric_key=key&start_step=1&max_results=5`)),
      'If either start step or end step are specified, both must be specified.',
    );
    expect((await as('bob', 'GET', url(`run_ids=${runA}&metric_key=metricA`))).status).toBe(403);
  });

  it('serves get-history-bulk under /ajax-api only, every value by run, READ on each run needed', async () => {
    const [first, second] = [runA, runB].sort() as [string, string];
    const res = await as(
      'alice',
      'GET',
      `${ajax}/metrics/get-history-bulk?run_id=${runB}&run_id=${runA}&metric_key=metricA`,
    );
    expect(res.status).toBe(200);
    const metrics = res.json.metrics as { run_id: string; step: number }[];
    expect(metrics).toHaveLength(30);
    expect(metrics[0]).toEqual({ key: 'metricA', value: 10, timestamp: 1, step: 0, run_id: first });
    expect(metrics.map((m) => m.run_id)).toEqual([
      ...Array<string>(first === runA ? 10 : 20).fill(first),
      ...Array<string>(second === runA ? 10 : 20).fill(second),
    ]);
    const capped = await as(
      'alice',
      'GET',
      `${ajax}/metrics/get-history-bulk?run_id=${runA}&metric_key=metricA&max_results=3`,
    );
    expect(capped.json.metrics).toHaveLength(3);
    expect(
      (await as('alice', 'GET', `${ajax}/metrics/get-history-bulk?run_id=${runA}&metric_key=none`)).json,
    ).toEqual({ metrics: [] });
    expectInvalid(
      await as('alice', 'GET', `${ajax}/metrics/get-history-bulk?metric_key=metricA`),
      'GetMetricHistoryBulk request must specify at least one run_id.',
    );
    expectInvalid(
      await as('alice', 'GET', `${ajax}/metrics/get-history-bulk?run_id=${runA}`),
      'GetMetricHistoryBulk request must specify a metric_key.',
    );
    expect(
      (await as('alice', 'GET', `${api}/metrics/get-history-bulk?run_id=${runA}&metric_key=m`)).status,
    ).toBe(404);
    expect(
      (await as('bob', 'GET', `${ajax}/metrics/get-history-bulk?run_id=${runA}&metric_key=metricA`)).status,
    ).toBe(403);
  });

  it('answers experiments/search-datasets with the datasets of the experiments the caller may read', async () => {
    const input = await as('alice', 'POST', `${api}/runs/log-inputs`, {
      run_id: runA,
      datasets: [
        {
          dataset: { name: 'name1', digest: 'digest1', source_type: 'local', source: 'source1' },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ],
    });
    expect(input.status).toBe(200);
    for (const prefix of [ajax, api]) {
      const found = await as('alice', 'POST', `${prefix}/experiments/search-datasets`, {
        experiment_ids: [experimentId],
      });
      expect(found.json).toEqual({
        dataset_summaries: [
          { experiment_id: experimentId, name: 'name1', digest: 'digest1', context: 'training' },
        ],
      });
    }
    expect(
      (await as('bob', 'POST', `${ajax}/experiments/search-datasets`, { experiment_ids: [experimentId] }))
        .json,
    ).toEqual({});
    expectInvalid(
      await as('alice', 'POST', `${ajax}/experiments/search-datasets`, {}),
      'SearchDatasets request must specify at least one experiment_id.',
    );
    expectInvalid(
      await as('alice', 'POST', `${ajax}/experiments/search-datasets`, { experiment_ids: [] }),
      'SearchDatasets request must specify at least one experiment_id.',
    );
    expectInvalid(
      await as('alice', 'POST', `${ajax}/experiments/search-datasets`, {
        experiment_ids: Array.from({ length: 1000 }, (_, i) => `id_${i}`),
      }),
      'SearchDatasets request cannot specify more than',
    );
  });
});
