import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import type { RunningServer } from '../server/start-server.js';
import { jsonRequest } from '../server/test-support/json-request.js';
import { parseDurationText } from './monitor-command.js';
import { captureCli } from './test-support/capture-cli.js';
import { startMonitoringTestServer } from '../server/test-support/monitoring-test-server.js';

const T = 1_700_000_000_000;
const MINUTE = 60_000;

function csv(header: string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

/** 100 predictions starting at `start`: the reference's distribution, or shifted. */
function predictionsCsv(start: number, drifted: boolean, prefix: string): string {
  return csv(
    ['x', 'city', 'prediction', 'label', 'request_id', 'timestamp'],
    Array.from({ length: 100 }, (_, j) => [
      (j + 0.5) / 100 + (drifted ? 5 : 0),
      drifted ? 'z' : ['a', 'b', 'c'][j % 3]!,
      j % 2,
      j % 2,
      `${prefix}-${j}`,
      start + j * 100,
    ]),
  );
}

describe('parseDurationText', () => {
  it('reads units and refuses anything else', () => {
    expect(parseDurationText('90s', '--window')).toBe(90_000);
    expect(parseDurationText('15m', '--window')).toBe(900_000);
    expect(parseDurationText('2h', '--window')).toBe(7_200_000);
    expect(parseDurationText('1d', '--window')).toBe(86_400_000);
    expect(parseDurationText('250', '--window')).toBe(250);
    expect(() => parseDurationText('1 week', '--window')).toThrow(/Invalid --window/);
  });
});

describe.each(testEngines)('bosun monitor and bosun predictions against a server on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;

  const cli = (...argv: string[]) => captureCli(argv, { BOSUN_TRACKING_URI: server.address });

  beforeAll(async () => {
    ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitorcli'));
    const call = (path: string, body: unknown) => jsonRequest(server.address, 'POST', path, body);
    await call('/api/2.0/mlflow/registered-models/create', { name: 'churn' });
    const run = await call('/api/2.0/mlflow/runs/create', { experiment_id: '0' });
    const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    await call('/api/2.0/mlflow/model-versions/create', {
      name: 'churn',
      source: `runs:/${runId}/model`,
      run_id: runId,
    });
    const alias = await call('/api/2.0/mlflow/registered-models/alias', {
      name: 'churn',
      alias: 'champion',
      version: '1',
    });
    expect(alias.status).toBe(200);
    writeFileSync(
      join(dir, 'reference.csv'),
      csv(
        ['x', 'city'],
        Array.from({ length: 200 }, (_, i) => [(i + 0.5) / 200, ['a', 'b', 'c'][i % 3]!]),
      ),
    );
    writeFileSync(join(dir, 'clean.csv'), predictionsCsv(T, false, 'c1'));
    writeFileSync(join(dir, 'drifted.csv'), predictionsCsv(T + MINUTE, true, 'd1'));
    writeFileSync(join(dir, 'recovered.csv'), predictionsCsv(T + 2 * MINUTE, false, 'c2'));
    const broken = predictionsCsv(T, false, 'b').split('\n');
    broken[3] = '0.5,a,,1,b-x,1700000000000';
    writeFileSync(join(dir, 'broken.csv'), broken.join('\n'));
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a reference, logs files of predictions, runs a monitor and lists its alerts', async () => {
    const ref = await cli(
      'monitor',
      'reference',
      'churn',
      '--name',
      'training',
      '--file',
      join(dir, 'reference.csv'),
    );
    expect(ref).toMatchObject({ code: 0, out: "reference 1 'training': 200 rows\n" });
    // --model-version, not --version (commander's program-wide version flag would print Bosun's version).
    const pinned = await cli(
      'monitor',
      'reference',
      'churn',
      '--name',
      'training-v1',
      '--model-version',
      '1',
      '--file',
      join(dir, 'reference.csv'),
      '--json',
    );
    expect(JSON.parse(pinned.out)).toMatchObject({
      reference: { name: 'training-v1', version: '1', rows: 200 },
    });

    const broken = await cli(
      'predictions',
      'log',
      'churn',
      '--alias',
      'champion',
      '--file',
      join(dir, 'broken.csv'),
    );
    expect(broken.code).toBe(1);
    expect(broken.err).toContain("row 3 (line 4), column 'prediction': missing");

    const logged = await cli(
      'predictions',
      'log',
      'churn',
      '--alias',
      'champion',
      '--file',
      join(dir, 'clean.csv'),
    );
    expect(logged).toMatchObject({ code: 0, out: 'logged 100 predictions for version 1\n' });
    const created = await cli(
      'monitor',
      'create',
      'churn',
      '--name',
      'inputs',
      '--reference',
      '1',
      '--alias',
      'champion',
      '--window',
      '1m',
      '--task',
      'classification',
      '--threshold',
      'accuracy=0.5',
    );
    expect(created).toMatchObject({ code: 0, out: "monitor 1 'inputs' created\n" });
    const listed = await cli('monitor', 'list', 'churn', '--json');
    expect(JSON.parse(listed.out)).toMatchObject({
      monitors: [{ name: 'inputs', alias: 'champion', window_ms: MINUTE }],
    });

    const clean = await cli('monitor', 'run', 'churn', '1', '--window-end', String(T + MINUTE), '--json');
    expect(JSON.parse(clean.out)).toMatchObject({ result: { status: 'ok', rows: 100 }, fired: [] });

    await cli('predictions', 'log', 'churn', '--alias', 'champion', '--file', join(dir, 'drifted.csv'));
    const drifted = await cli('monitor', 'run', 'churn', '1', '--window-end', String(T + 2 * MINUTE));
    expect(drifted.code).toBe(0);
    expect(drifted.out).toContain('breach');
    expect(drifted.out).toContain('FIRED data_drift: data drift: 2 of 2 columns drifted');

    const firing = await cli('monitor', 'alerts', '--state', 'firing');
    expect(firing.out).toMatch(/churn\s+inputs\s+data_drift\s+-\s+firing/);

    await cli('predictions', 'log', 'churn', '--alias', 'champion', '--file', join(dir, 'recovered.csv'));
    const recovered = await cli('monitor', 'run', 'churn', '1', '--window-end', String(T + 3 * MINUTE));
    expect(recovered.out).toContain('RESOLVED data_drift');
    const results = await cli('monitor', 'results', 'churn', '1', '--json');
    expect(
      (JSON.parse(results.out) as { results: { status: string; rows: number }[] }).results,
    ).toMatchObject([
      { status: 'ok', rows: 100 },
      { status: 'breach', rows: 100 },
      { status: 'ok', rows: 100 },
    ]);
    const unknown = await cli('monitor', 'run', 'churn', '99');
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.err).toContain('RESOURCE_DOES_NOT_EXIST');
  });
});
