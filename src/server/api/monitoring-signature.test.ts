import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { type RunningServer } from '../start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../test-support/json-request.js';
import { startMonitoringTestServer } from '../test-support/monitoring-test-server.js';

const mlflow = '/api/2.0/mlflow';
const proxy = '/api/2.0/mlflow-artifacts/artifacts';
const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

/** The MLmodel of a scikit-learn model logged with a signature (mlflow writes the schema as JSON in YAML). */
const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.12.3
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name":
    "city", "required": true}, {"type": "long", "name": "n", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
  params: null
mlflow_version: 2.22.0
`;

type Features = Record<string, unknown>;

/** 20 records from `start`, one per 100 ms; `bad(j)` may change record j's features. */
function records(start: number, prefix: string, bad: (j: number, f: Features) => Features = (_, f) => f) {
  return Array.from({ length: 20 }, (_, j) => ({
    features: bad(j, { x: (j + 0.5) / 20, city: ['a', 'b'][j % 2]!, n: j }),
    prediction: j % 2,
    timestamp: start + j * 100,
    request_id: `${prefix}-${j}`,
  }));
}

describe.each(testEngines)("monitoring windows against the model's signature on %s", (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let monitorPath = '';
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);
  const ok = (answer: JsonAnswer): Record<string, unknown> => {
    expect(answer.status, answer.text).toBe(200);
    return answer.json;
  };

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_signature'));
    // Version 1 has an MLmodel with a signature; version 2 (no files) has nothing to check against.
    ok(await call('POST', `${mlflow}/registered-models/create`, { name: 'sig' }));
    const run = ok(await call('POST', `${mlflow}/runs/create`, { experiment_id: '0' }));
    const info = (run.run as { info: { run_id: string; artifact_uri: string } }).info;
    const root = info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const put = await fetch(`${server.address}${proxy}/${root}/model/MLmodel`, {
      method: 'PUT',
      body: MLMODEL,
    });
    expect(put.status).toBe(200);
    ok(
      await call('POST', `${mlflow}/model-versions/create`, {
        name: 'sig',
        source: `runs:/${info.run_id}/model`,
        run_id: info.run_id,
      }),
    );
    await registerAliasedVersion(call, 'sig', 'challenger');
    const reference = ok(
      await call('POST', `${mon}/models/sig/references`, {
        name: 'training',
        rows: Array.from({ length: 40 }, (_, i) => ({ x: (i + 0.5) / 40, city: ['a', 'b'][i % 2]!, n: i })),
      }),
    );
    const monitor = ok(
      await call('POST', `${mon}/models/sig/monitors`, {
        name: 'inputs',
        version: '1',
        reference_id: (reference.reference as { reference_id: string }).reference_id,
        window_ms: MINUTE,
        config: { min_rows: 5 },
      }),
    );
    monitorPath = `${mon}/models/sig/monitors/${(monitor.monitor as { monitor_id: string }).monitor_id}`;
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports missing, unexpected and mistyped columns against the signature, fires a schema alert and resolves it', async () => {
    ok(
      await call('POST', `${mon}/models/sig/predictions`, {
        version: '1',
        records: records(T, 'w1', (j, f) => {
          if (j < 3) return { x: f.x, city: f.city }; // n missing
          if (j < 5) return { ...f, source: 'web' }; // a column the signature does not name
          if (j === 5) return { ...f, x: 'oops' }; // not a double
          if (j === 6) return { ...f, n: 2.5 }; // not a long
          return f;
        }),
      }),
    );
    const run = ok(await call('POST', `${monitorPath}/run`, { window_end: T + MINUTE }));
    const result = run.result as Record<string, unknown>;
    expect(result.schema).toEqual({
      version: '1',
      columns: 3,
      missing_columns: [{ column: 'n', rows: 3 }],
      unexpected_columns: [{ column: 'source', rows: 2 }],
      type_mismatches: [
        { column: 'n', expected: 'long', rows: 1, example: '2.5' },
        { column: 'x', expected: 'double', rows: 1, example: '"oops"' },
      ],
      violations: 4,
    });
    expect(result.breaches).toMatchObject({ schema: true, data_drift: false });
    expect(result.status).toBe('breach');
    const fired = run.fired as { condition: string; message: string; segment: string | null }[];
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ condition: 'schema', segment: null });
    expect(fired[0]!.message).toContain('against the signature of version 1');
    expect(fired[0]!.message).toContain('missing n (3 rows)');
    expect(fired[0]!.message).toContain('unexpected source (2 rows)');

    ok(
      await call('POST', `${mon}/models/sig/predictions`, {
        version: '1',
        records: records(T + MINUTE, 'w2'),
      }),
    );
    const clean = ok(await call('POST', `${monitorPath}/run`, { window_end: T + 2 * MINUTE }));
    expect((clean.result as { schema: { violations: number } }).schema.violations).toBe(0);
    expect((clean.result as { breaches: unknown }).breaches).toMatchObject({ schema: false });
    expect((clean.resolved as { condition: string }[]).map((a) => a.condition)).toEqual(['schema']);

    const metrics = await (await fetch(`${server.address}/metrics`)).text();
    expect(metrics).toContain('bosun_monitor_schema_violations{model="sig",monitor="inputs"} 0\n');

    const results = ok(await call('GET', `${monitorPath}/results`)).results as { schema: unknown }[];
    expect(results.map((r) => (r.schema as { violations: number }).violations)).toEqual([0, 4]);
  });

  it('checks nothing for a version without an MLmodel, and no schema key is judged', async () => {
    const reference = ok(await call('GET', `${mon}/models/sig/references`)).references as {
      reference_id: string;
    }[];
    const monitor = ok(
      await call('POST', `${mon}/models/sig/monitors`, {
        name: 'challenger',
        alias: 'challenger',
        reference_id: reference[0]!.reference_id,
        window_ms: MINUTE,
        config: { min_rows: 5 },
      }),
    );
    ok(
      await call('POST', `${mon}/models/sig/predictions`, {
        alias: 'challenger',
        records: records(T, 'v2', (j, f) => (j < 3 ? { x: f.x } : f)),
      }),
    );
    const id = (monitor.monitor as { monitor_id: string }).monitor_id;
    const run = ok(await call('POST', `${mon}/models/sig/monitors/${id}/run`, { window_end: T + MINUTE }));
    const result = run.result as { schema: unknown; breaches: Record<string, boolean> };
    expect(result.schema).toBeNull();
    expect(Object.keys(result.breaches)).not.toContain('schema');
  });
});
