import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { seededUniform } from '../../shared/test-support/seeded-random.js';
import type { Metric } from '../../tracking/index.js';
import { buildApp } from '../app.js';
import { basic, startAuthTestServer, type AuthTestServer } from '../test-support/auth-test-server.js';
import { testConfig } from '../test-support/test-server.js';
import type { TypedApp } from '../typed-app.js';

const mlflowRoute = '/api/2.0/mlflow/metrics/get-history-bulk-interval';
const bosunRoute = '/api/bosun/v1/metrics/sampled-histories';

type Rand = () => number;
const int = (rand: Rand, low: number, high: number): number => low + Math.floor(rand() * (high - low + 1));

interface WireHistory {
  run_id: string;
  steps: number[];
  values: (number | string)[];
  timestamps: number[];
}
interface WirePoint {
  run_id: string;
  key: string;
  step: number;
  value: number | string;
  timestamp: number;
}

function queryOf(runIds: readonly string[], params: Record<string, string | number>): string {
  const q = new URLSearchParams();
  for (const id of runIds) q.append('run_ids', id);
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  return q.toString();
}

/**
 * MLflow's answer grouped as the columnar route answers: per distinct run, in the order asked (MLflow's answer
 * repeats a run's points as often as the run is asked).
 */
function grouped(runIds: readonly string[], points: readonly WirePoint[]): WireHistory[] {
  return [...new Set(runIds)].map((runId) => {
    const all = points.filter((p) => p.run_id === runId);
    const asked = runIds.filter((id) => id === runId).length;
    const mine = all.slice(0, all.length / asked);
    expect(all).toEqual(Array.from({ length: asked }, () => mine).flat());
    return {
      run_id: runId,
      steps: mine.map((p) => p.step),
      values: mine.map((p) => p.value),
      timestamps: mine.map((p) => p.timestamp),
    };
  });
}

/** A value drawn from a small set, with NaN and ±Infinity among them. */
const valueOf = (rand: Rand): number => [NaN, Infinity, -Infinity, 0, -1.5, 2, 3.25][int(rand, 0, 6)]!;

describe.each(testEngines)('sampled histories in columns (/api/bosun/v1), on %s', (engine) => {
  let database: TestDatabase;
  let platform: Platform;
  let app: TypedApp;
  let dir: string;
  let base: string;
  let experimentId: string;

  async function get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-sampled-histories-'));
    platform = await openPlatform(testConfig({ backendStoreUri: database.uri, artifactsDestination: dir }));
    app = await buildApp(platform);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
    experimentId = await platform.tracking.createExperiment({ name: `sampled-${engine}` });
  });

  afterAll(async () => {
    await app?.close();
    await platform?.close();
    await database?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('answers the same points as get-history-bulk-interval, on random step sets with NaN and ±Infinity', async () => {
    const rand = seededUniform(11);
    let compared = 0;
    for (let round = 0; round < 6; round++) {
      const runIds: string[] = [];
      for (let r = 0; r < int(rand, 1, 4); r++) {
        const runId = (await platform.tracking.createRun({ experimentId })).info.runId;
        runIds.push(runId);
        const first = int(rand, 0, 20);
        const stride = [1, 1, 2, 5][int(rand, 0, 3)]!;
        const steps =
          rand() < 0.5
            ? Array.from({ length: int(rand, 1, 60) }, (_, i) => first + i * stride)
            : [...new Set(Array.from({ length: int(rand, 1, 60) }, () => int(rand, 0, 300)))];
        const metrics: Metric[] = steps.map((step) => ({
          key: 'loss',
          step,
          value: valueOf(rand),
          timestamp: int(rand, 1, 5),
        }));
        // some steps logged twice
        for (const step of steps) {
          if (rand() < 0.2)
            metrics.push({ key: 'loss', step, value: valueOf(rand), timestamp: int(rand, 1, 5) });
        }
        await platform.tracking.logBatch(runId, { metrics });
      }
      // a run without the metric, and a run asked twice
      runIds.push((await platform.tracking.createRun({ experimentId })).info.runId);
      runIds.push(runIds[0]!);
      const asks: Record<string, string | number>[] = [
        { metric_key: 'loss' },
        { metric_key: 'loss', max_results: int(rand, 1, 30) },
        { metric_key: 'loss', max_results: int(rand, 1, 30), start_step: 10, end_step: int(rand, 10, 200) },
      ];
      for (const params of asks) {
        const query = queryOf(runIds, params);
        const mlflow = await get(`${mlflowRoute}?${query}`);
        const bosun = await get(`${bosunRoute}?${query}`);
        expect(mlflow.status).toBe(200);
        expect(bosun.status).toBe(200);
        const expected = grouped(runIds, (mlflow.json.metrics ?? []) as WirePoint[]);
        expect(bosun.json.histories).toEqual(expected);
        compared += expected.reduce((n, h) => n + h.steps.length, 0);
      }
    }
    // the comparison covered points, including non-finite ones
    expect(compared).toBeGreaterThan(300);
  });

  it('writes NaN and ±Infinity as MLflow’s strings and keeps a run without the metric with empty columns', async () => {
    const runId = (await platform.tracking.createRun({ experimentId })).info.runId;
    const empty = (await platform.tracking.createRun({ experimentId })).info.runId;
    await platform.tracking.logBatch(runId, {
      metrics: [
        { key: 'odd', step: 0, value: NaN, timestamp: 5 },
        { key: 'odd', step: 1, value: Infinity, timestamp: 6 },
        { key: 'odd', step: 2, value: -Infinity, timestamp: 7 },
        { key: 'odd', step: 3, value: 0.5, timestamp: 8 },
      ],
    });
    const answer = await get(`${bosunRoute}?${queryOf([runId, empty], { metric_key: 'odd' })}`);
    expect(answer).toEqual({
      status: 200,
      json: {
        histories: [
          {
            run_id: runId,
            steps: [0, 1, 2, 3],
            values: ['NaN', 'Infinity', '-Infinity', 0.5],
            timestamps: [5, 6, 7, 8],
          },
          { run_id: empty, steps: [], values: [], timestamps: [] },
        ],
      },
    });
  });

  it('refuses bad requests as get-history-bulk-interval does, in the API’s error format', async () => {
    const runId = (await platform.tracking.createRun({ experimentId })).info.runId;
    const tooMany = Array.from({ length: 101 }, () => runId);
    const unknown = 'f'.repeat(32);
    const cases: { query: string; status: number; code: string }[] = [
      { query: queryOf(tooMany, { metric_key: 'loss' }), status: 400, code: 'INVALID_PARAMETER_VALUE' },
      {
        query: queryOf([runId], { metric_key: 'loss', max_results: 0 }),
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      },
      {
        query: queryOf([runId], { metric_key: 'loss', max_results: 2501 }),
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      },
      {
        query: queryOf([runId], { metric_key: 'loss', max_results: 'x' }),
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      },
      {
        query: queryOf([runId], { metric_key: 'loss', start_step: 5 }),
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      },
      {
        query: queryOf([runId], { metric_key: 'loss', start_step: 5, end_step: 2 }),
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      },
      { query: queryOf([runId], {}), status: 400, code: 'INVALID_PARAMETER_VALUE' },
      { query: queryOf([], { metric_key: 'loss' }), status: 400, code: 'INVALID_PARAMETER_VALUE' },
      {
        query: queryOf(['not a run id'], { metric_key: 'loss' }),
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      },
      { query: queryOf([unknown], { metric_key: 'loss' }), status: 404, code: 'RESOURCE_DOES_NOT_EXIST' },
    ];
    for (const c of cases) {
      const bosun = await get(`${bosunRoute}?${c.query}`);
      const mlflow = await get(`${mlflowRoute}?${c.query}`);
      expect({ query: c.query, status: bosun.status, code: bosun.json.error_code }).toEqual({
        query: c.query,
        status: c.status,
        code: c.code,
      });
      expect(typeof bosun.json.message).toBe('string');
      // the same refusal as MLflow's route
      expect({ status: mlflow.status, code: mlflow.json.error_code, message: mlflow.json.message }).toEqual({
        status: bosun.status,
        code: bosun.json.error_code,
        message: bosun.json.message,
      });
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = await get('/api/bosun/v1/openapi.json');
    const paths = doc.json.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths[bosunRoute] ?? {})).toEqual(['get']);
  });
});

describe('sampled histories: permissions', () => {
  let harness: AuthTestServer;
  const password = 'Another-Strong-Pass-7';

  beforeAll(async () => {
    harness = await startAuthTestServer('bosun-sampled-auth-', { defaultPermission: 'NO_PERMISSIONS' });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('needs READ on every asked run’s experiment: 403 in the API’s format otherwise', async () => {
    const api = '/api/2.0/mlflow';
    expect((await harness.call('POST', `${api}/users/create`, { username: 'carol', password })).status).toBe(
      200,
    );
    const carol = basic('carol', password);
    const experimentIds: string[] = [];
    const runIds: string[] = [];
    for (const name of ['open', 'closed']) {
      const created = await harness.call('POST', `${api}/experiments/create`, { name });
      const experimentId = created.json.experiment_id as string;
      experimentIds.push(experimentId);
      const run = await harness.call('POST', `${api}/runs/create`, { experiment_id: experimentId });
      const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
      runIds.push(runId);
      const logged = await harness.call('POST', `${api}/runs/log-metric`, {
        run_id: runId,
        key: 'loss',
        value: 0.5,
        timestamp: 1,
        step: 0,
      });
      expect(logged.status).toBe(200);
    }
    const granted = await harness.call('POST', `${api}/experiments/permissions/create`, {
      experiment_id: experimentIds[0],
      username: 'carol',
      permission: 'READ',
    });
    expect(granted.status).toBe(200);

    const readable = await harness.call(
      'GET',
      `${bosunRoute}?${queryOf([runIds[0]!], { metric_key: 'loss' })}`,
      undefined,
      carol,
    );
    expect(readable.status).toBe(200);
    expect(readable.json).toEqual({
      histories: [{ run_id: runIds[0], steps: [0], values: [0.5], timestamps: [1] }],
    });
    for (const asked of [[runIds[1]!], runIds]) {
      for (const route of [bosunRoute, mlflowRoute]) {
        const refused = await harness.call(
          'GET',
          `${route}?${queryOf(asked, { metric_key: 'loss' })}`,
          undefined,
          carol,
        );
        expect({ route, status: refused.status, code: refused.json.error_code }).toEqual({
          route,
          status: 403,
          code: 'PERMISSION_DENIED',
        });
        expect(refused.text).not.toContain('0.5');
      }
    }
    // without credentials: 401
    const anonymous = await harness.call(
      'GET',
      `${bosunRoute}?${queryOf([runIds[0]!], { metric_key: 'loss' })}`,
      undefined,
      '',
    );
    expect(anonymous.status).toBe(401);
  });
});
