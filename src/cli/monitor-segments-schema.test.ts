import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import type { RunningServer } from '../server/start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../server/test-support/json-request.js';
import { captureCli } from './test-support/capture-cli.js';
import { startMonitoringTestServer } from '../server/test-support/monitoring-test-server.js';

const mlflow = '/api/2.0/mlflow';
const proxy = '/api/2.0/mlflow-artifacts/artifacts';
const T = 1_700_000_000_000;
const MINUTE = 60_000;

/** The MLmodel of a model logged with a signature: x double, city string, n long. */
const MLMODEL = `artifact_path: model
flavors: {}
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name":
    "city", "required": true}, {"type": "long", "name": "n", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
`;

function csv(header: string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

/** 300 reference rows: x spread over (0, 1) in each city a, b, c; n a whole number. */
const referenceCsv = csv(
  ['x', 'city', 'n'],
  Array.from({ length: 300 }, (_, i) => [(Math.floor(i / 3) + 0.5) / 100, ['a', 'b', 'c'][i % 3]!, i]),
);

/** A window from `start`: 60 rows of city a, 30 of b (x moved by 5 when `bDrifts`), 10 of c. */
function segmentedPredictionsCsv(start: number, prefix: string, bDrifts: boolean): string {
  const rows: [number, string][] = [
    ...Array.from({ length: 60 }, (_, j): [number, string] => [(j + 0.5) / 60, 'a']),
    ...Array.from({ length: 30 }, (_, j): [number, string] => [(j + 0.5) / 30 + (bDrifts ? 5 : 0), 'b']),
    ...Array.from({ length: 10 }, (_, j): [number, string] => [(j + 0.5) / 10, 'c']),
  ];
  return csv(
    ['x', 'city', 'n', 'prediction', 'request_id', 'timestamp'],
    rows.map(([x, city], j) => [x, city, j, j % 2, `${prefix}-${j}`, start + j * 100]),
  );
}

describe.each(testEngines)(
  'bosun monitor: segments, references from a run, schema findings on %s',
  (engine) => {
    let database: TestDatabase;
    let dir: string;
    let server: RunningServer;
    const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
      jsonRequest(server.address, method, path, body);
    const ok = (answer: JsonAnswer): Record<string, unknown> => {
      expect(answer.status, answer.text).toBe(200);
      return answer.json;
    };

    const cli = (...argv: string[]) => captureCli(argv, { BOSUN_TRACKING_URI: server.address });
    const cliJson = async (...argv: string[]): Promise<Record<string, unknown>> => {
      const answer = await cli(...argv, '--json');
      expect(answer.code, answer.err).toBe(0);
      return JSON.parse(answer.out) as Record<string, unknown>;
    };

    beforeAll(async () => {
      ({ database, dir, server } = await startMonitoringTestServer(engine, 'monitorcli_segments'));
      writeFileSync(join(dir, 'reference.csv'), referenceCsv);
      writeFileSync(join(dir, 'window.csv'), segmentedPredictionsCsv(T, 'w1', true));
      writeFileSync(join(dir, 'window2.csv'), segmentedPredictionsCsv(T + MINUTE, 'w2', false));
    });

    afterAll(async () => {
      await server?.close();
      await database?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('creates a monitor with segment settings, reads its segments and one segment’s results', async () => {
      await registerAliasedVersion(call, 'bycity', 'champion');
      const reference = await cliJson(
        'monitor',
        'reference',
        'bycity',
        '--name',
        'training',
        '--file',
        join(dir, 'reference.csv'),
      );
      const referenceId = String((reference.reference as { reference_id: string }).reference_id);
      const created = await cliJson(
        'monitor',
        'create',
        'bycity',
        '--name',
        'by-city',
        '--reference',
        referenceId,
        '--alias',
        'champion',
        '--window',
        '1m',
        '--columns',
        'x',
        '--min-rows',
        '5',
        '--segment-by',
        'city',
        '--max-segments',
        '2',
        '--segment-alerts',
      );
      const monitor = created.monitor as { monitor_id: string; config: Record<string, unknown> };
      expect(monitor.config).toMatchObject({ segment_by: 'city', max_segments: 2, segment_alerts: true });
      const id = monitor.monitor_id;
      const listed = await cli('monitor', 'list', 'bycity');
      expect(listed.out).toMatch(/SEGMENT BY/);
      expect(listed.out).toMatch(/by-city\s+alias champion\s+\d+\s+60s\s+city\s/);

      const badMax = await cli(
        'monitor',
        'create',
        'bycity',
        '--name',
        'x',
        '--reference',
        referenceId,
        '--window',
        '1m',
        '--segment-by',
        'city',
        '--max-segments',
        'many',
      );
      expect(badMax.code).toBe(1);
      expect(badMax.err).toContain("Invalid --max-segments 'many'");

      const logged = await cli(
        'predictions',
        'log',
        'bycity',
        '--alias',
        'champion',
        '--file',
        join(dir, 'window.csv'),
      );
      expect(logged, logged.err).toMatchObject({ code: 0, out: 'logged 100 predictions for version 1\n' });
      const run = await cli('monitor', 'run', 'bycity', id, '--window-end', String(T + MINUTE));
      expect(run.code, run.err).toBe(0);
      // The whole window, then each segment (a, b and the rest as __other__), in one table.
      expect(run.out).toMatch(/RESULT\s+SEGMENT\s+WINDOW END/);
      expect(run.out).toMatch(/\s-\s+2023-11-14 22:14:20\s+100\s+breach/);
      expect(run.out).toMatch(/\sa\s+2023-11-14 22:14:20\s+60\s+ok\s+0\.000/);
      expect(run.out).toMatch(/\sb\s+2023-11-14 22:14:20\s+30\s+breach\s+1\.000/);
      expect(run.out).toMatch(/\s__other__\s+2023-11-14 22:14:20\s+10\s+ok/);
      expect(run.out).toContain("FIRED data_drift: segment 'b': data drift: 1 of 1 columns drifted");

      const segments = await cli('monitor', 'segments', 'bycity', id);
      expect(segments.code, segments.err).toBe(0);
      expect(
        segments.out
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => l.split(/\s+/)),
      ).toEqual([
        ['SEGMENT', 'WINDOWS'],
        ['---------', '-------'],
        ['__other__', '1'],
        ['a', '1'],
        ['b', '1'],
      ]);
      expect(await cliJson('monitor', 'segments', 'bycity', id)).toEqual({
        segments: [
          { segment: '__other__', windows: 1 },
          { segment: 'a', windows: 1 },
          { segment: 'b', windows: 1 },
        ],
      });

      const b = await cliJson('monitor', 'results', 'bycity', id, '--segment', 'b');
      expect(b.results).toMatchObject([{ segment: 'b', rows: 30, status: 'breach' }]);
      const whole = await cliJson('monitor', 'results', 'bycity', id);
      expect(whole.results).toMatchObject([{ segment: null, rows: 100 }]);
      const bText = await cli('monitor', 'results', 'bycity', id, '--segment', 'b', '--max-results', '5');
      expect(bText.out).toMatch(/\sb\s+2023-11-14 22:14:20\s+30\s+breach/);
      expect(bText.out).not.toMatch(/\s100\s/);
      const none = await cliJson('monitor', 'results', 'bycity', id, '--segment', 'nowhere');
      expect(none).toEqual({ results: [] });

      const alerts = await cli('monitor', 'alerts', 'bycity', '--state', 'firing', '--monitor', id);
      expect(alerts.out).toMatch(/bycity\s+by-city\s+data_drift\s+b\s+firing\s.*segment 'b': data drift/);

      const lines = alerts.out.split('\n').filter((l) => /^\s*\d/.test(l));
      expect(lines.map((l) => l.split(/\s+/).filter((w) => w !== '')[4])).toEqual(['b', '-']);
      const unknown = await cli('monitor', 'alerts', 'bycity', '--monitor', String(Number(id) + 1000));
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('RESOURCE_DOES_NOT_EXIST');
      const noModel = await cli('monitor', 'alerts', '--monitor', id);
      expect(noModel.code).toBe(1);
      expect(noModel.err).toContain('--monitor needs the model');

      const next = await cli(
        'predictions',
        'log',
        'bycity',
        '--alias',
        'champion',
        '--file',
        join(dir, 'window2.csv'),
      );
      expect(next.code, next.err).toBe(0);
      const recovered = await cli('monitor', 'run', 'bycity', id, '--window-end', String(T + 2 * MINUTE));
      expect(recovered.out).toContain("RESOLVED data_drift (segment 'b')\n");
      expect(recovered.out).toContain('RESOLVED data_drift\n');
    });

    it('declares reference column types, so a numeric code (50 values: inferred numerical) can be the segment column', async () => {
      await registerAliasedVersion(call, 'zones', 'champion');
      writeFileSync(
        join(dir, 'zones.csv'),
        csv(
          ['x', 'zone'],
          Array.from({ length: 200 }, (_, i) => [(i + 0.5) / 200, (i % 50) + 1000]),
        ),
      );
      const reference = (name: string, ...flags: string[]) =>
        cli(
          'monitor',
          'reference',
          'zones',
          '--name',
          name,
          '--file',
          join(dir, 'zones.csv'),
          ...flags,
          '--json',
        );
      const inferred = await reference('inferred');
      expect(inferred.code, inferred.err).toBe(0);
      const declared = await reference(
        'declared',
        '--column-type',
        'zone=categorical',
        '--column-type',
        'x=numerical',
      );
      expect(declared.code, declared.err).toBe(0);
      const columns = (answer: { out: string }) =>
        (JSON.parse(answer.out) as { reference: { columns: { name: string; type: string }[] } }).reference
          .columns;
      expect(columns(inferred).find((c) => c.name === 'zone')?.type).toBe('numerical');
      expect(columns(declared).find((c) => c.name === 'zone')?.type).toBe('categorical');

      const create = (name: string, referenceOut: string) =>
        cli(
          'monitor',
          'create',
          'zones',
          '--name',
          name,
          '--reference',
          (JSON.parse(referenceOut) as { reference: { reference_id: string } }).reference.reference_id,
          '--window',
          '1h',
          '--segment-by',
          'zone',
        );
      const refused = await create('by-zone-inferred', inferred.out);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('INVALID_PARAMETER_VALUE');
      expect(refused.err).toContain('zone');
      const accepted = await create('by-zone-declared', declared.out);
      expect(accepted.code, accepted.err).toBe(0);

      for (const bad of ['zone=category', 'zone', '=categorical']) {
        const answer = await reference('bad', '--column-type', bad);
        expect(answer.code).toBe(1);
        expect(answer.err).toContain(
          `Invalid --column-type '${bad}': expected NAME=numerical|categorical|text|datetime`,
        );
      }
    });

    it("stores references read from a run's artifact or logged dataset, and shows a window's schema findings", async () => {
      ok(await call('POST', `${mlflow}/registered-models/create`, { name: 'sig' }));
      const created = ok(await call('POST', `${mlflow}/runs/create`, { experiment_id: '0' }));
      const info = (created.run as { info: { run_id: string; artifact_uri: string } }).info;
      const root = info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
      for (const [path, body] of [
        ['model/MLmodel', MLMODEL],
        ['data/train.csv', referenceCsv],
      ] as const) {
        const put = await fetch(`${server.address}${proxy}/${root}/${path}`, { method: 'PUT', body });
        expect(put.status).toBe(200);
      }
      ok(
        await call('POST', `${mlflow}/model-versions/create`, {
          name: 'sig',
          source: `runs:/${info.run_id}/model`,
          run_id: info.run_id,
        }),
      );
      ok(
        await call('POST', `${mlflow}/runs/log-inputs`, {
          run_id: info.run_id,
          datasets: [
            {
              dataset: {
                name: 'train',
                digest: 'd41d8cd9',
                source_type: 'local',
                source: JSON.stringify({ uri: `runs:/${info.run_id}/data/train.csv` }),
              },
            },
          ],
        }),
      );

      const fromArtifact = await cliJson(
        'monitor',
        'reference',
        'sig',
        '--name',
        'from-artifact',
        '--model-version',
        '1',
        '--run',
        info.run_id,
        '--artifact-path',
        'data/train.csv',
      );
      expect(fromArtifact.reference).toMatchObject({
        name: 'from-artifact',
        version: '1',
        rows: 300,
        source: { kind: 'run_artifact', run_id: info.run_id, artifact_path: 'data/train.csv' },
      });
      const fromDataset = await cli(
        'monitor',
        'reference',
        'sig',
        '--name',
        'from-dataset',
        '--run',
        info.run_id,
        '--dataset',
        'train',
      );
      expect(fromDataset.code, fromDataset.err).toBe(0);
      expect(fromDataset.out).toMatch(/^reference \d+ 'from-dataset': 300 rows\n$/);
      const listed = ok(await call('GET', '/api/bosun/v1/monitoring/models/sig/references'));
      expect(listed.references).toContainEqual(
        expect.objectContaining({
          name: 'from-dataset',
          source: expect.objectContaining({
            kind: 'run_dataset',
            dataset_name: 'train',
            artifact_path: 'data/train.csv',
          }) as unknown,
        }),
      );

      const file = join(dir, 'reference.csv');
      const refused: [string[], string][] = [
        [['--run', info.run_id], '--run needs one of --artifact-path and --dataset'],
        [
          ['--run', info.run_id, '--artifact-path', 'data/train.csv', '--dataset', 'train'],
          '--run needs one of --artifact-path and --dataset',
        ],
        [
          ['--run', info.run_id, '--artifact-path', 'p.csv', '--file', file],
          'Give --file or --run, not both',
        ],
        [[], 'Give --file, or --run with --artifact-path or --dataset'],
        [['--file', file, '--dataset', 'train'], '--artifact-path and --dataset go with --run'],
        [['--run', info.run_id, '--artifact-path', 'data/test.csv'], "artifact 'data/test.csv' of run"],
      ];
      for (const [flags, message] of refused) {
        const answer = await cli('monitor', 'reference', 'sig', '--name', 'refused', ...flags);
        expect(answer.code, flags.join(' ')).toBe(1);
        expect(answer.err).toContain(message);
      }

      const referenceId = String((fromArtifact.reference as { reference_id: string }).reference_id);
      const monitor = await cliJson(
        'monitor',
        'create',
        'sig',
        '--name',
        'inputs',
        '--reference',
        referenceId,
        '--model-version',
        '1',
        '--window',
        '1m',
        '--columns',
        'x',
        '--min-rows',
        '5',
      );
      const id = (monitor.monitor as { monitor_id: string }).monitor_id;
      // The window's first 10 records have no n; the other 10 have a column the signature lacks, and one of
      // them an n that is not a whole number (an empty cell is null: a missing value, which fits any type).
      const rows = (j: number) => [(j + 0.5) / 20, ['a', 'b'][j % 2]!, j % 2, `s-${j}`, T + j * 100];
      writeFileSync(
        join(dir, 'schema-a.csv'),
        csv(
          ['x', 'city', 'prediction', 'request_id', 'timestamp'],
          Array.from({ length: 10 }, (_, j) => rows(j)),
        ),
      );
      writeFileSync(
        join(dir, 'schema-b.csv'),
        csv(
          ['x', 'city', 'prediction', 'request_id', 'timestamp', 'n', 'source'],
          Array.from({ length: 10 }, (_, j) => [...rows(10 + j), j === 0 ? 1.5 : j === 1 ? '' : j, 'web']),
        ),
      );
      for (const file of ['schema-a.csv', 'schema-b.csv']) {
        const logged = await cli(
          'predictions',
          'log',
          'sig',
          '--model-version',
          '1',
          '--file',
          join(dir, file),
        );
        expect(logged, logged.err).toMatchObject({ code: 0, out: 'logged 10 predictions for version 1\n' });
      }
      const run = await cli('monitor', 'run', 'sig', id, '--window-end', String(T + MINUTE));
      expect(run.code, run.err).toBe(0);
      expect(run.out).toMatch(/RESULT\s+WINDOW END\s+ROWS\s+STATUS\s+DRIFT SHARE\s+SCHEMA\s+PERFORMANCE/);
      expect(run.out).toMatch(/\s20\s+breach\s+\d\.\d{3}\s+3\s/);
      expect(run.out).toContain('FIRED schema: 3 finding(s) against the signature of version 1');

      const results = await cli('monitor', 'results', 'sig', id);
      expect(results.out).toMatch(/\s20\s+breach\s+\d\.\d{3}\s+3\s/);
      expect(results.out).toMatch(
        /\nresult \d+ schema \(version 1\): missing n \(10 rows\); unexpected source \(10 rows\); wrong type n \(1 row not long, e\.g\. 1\.5\)\n$/,
      );
      const json = await cliJson('monitor', 'results', 'sig', id);
      expect(json.results).toMatchObject([
        {
          schema: {
            version: '1',
            columns: 3,
            missing_columns: [{ column: 'n', rows: 10 }],
            unexpected_columns: [{ column: 'source', rows: 10 }],
            type_mismatches: [{ column: 'n', expected: 'long', rows: 1, example: '1.5' }],
            violations: 3,
          },
        },
      ]);
    });
  },
);
