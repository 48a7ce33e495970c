import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../db/test-support/test-databases.js';
import { ArtifactRootReader } from './import-db-artifacts.js';
import { MlflowDbSource } from './import-db-source.js';
import { openMlflowDatabase } from './import-db.js';
import type { WireObject } from './import-http.js';
import {
  createMlflowDbFixture,
  fixtureLoss,
  fixtureRuns,
  type MlflowDbFixture,
} from './test-support/mlflow-db-fixture.js';
import {
  importCli as cli,
  startImportTestServer,
  type ImportTestServer,
} from './test-support/import-servers.js';

const { fit, deleted, elsewhere } = fixtureRuns;

/** What an import writes; after a complete import, a repeat must report none of them. */
const writeCounters = [
  'experimentsCreated',
  'runsImported',
  'metricPoints',
  'loggedModelsImported',
  'artifactFiles',
  'artifactBytes',
  'registeredModelsCreated',
  'versionsCreated',
  'aliases',
  'stages',
];

interface Report {
  counts: Record<string, number>;
  skipped: { what: string; reason: string }[];
  renumbered: { name: string; from: number; to: number }[];
}

/** A point as `(step, timestamp, value)` with NaN and ±infinity (however spelled) as words, for comparing. */
function pointKey(step: unknown, timestamp: unknown, value: unknown, nan = false): string {
  const v =
    nan || value === 'NaN' || (typeof value === 'number' && Number.isNaN(value))
      ? 'NaN'
      : value === 'Infinity' || value === Number.MAX_VALUE || value === Infinity
        ? 'inf'
        : value === '-Infinity' || value === -Number.MAX_VALUE || value === -Infinity
          ? '-inf'
          : String(value);
  return `${String(step)}@${String(timestamp)}=${v}`;
}

const expectedLoss = fixtureLoss.map(([step, ts, value, nan]) => pointKey(step, ts, value, nan)).sort();

async function getJson(base: string, path: string): Promise<WireObject> {
  const response = await fetch(`${base}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as WireObject;
}

describe.each(testEngines)('reading an MLflow database on %s', (engine) => {
  let fixture: MlflowDbFixture;

  beforeAll(async () => {
    fixture = await createMlflowDbFixture(engine);
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it('pages runs and metric histories by key, ties and NaN beside 0 included, the same as one read', async () => {
    const whole = new MlflowDbSource(openMlflowDatabase(fixture.uri));
    const paged = new MlflowDbSource(openMlflowDatabase(fixture.uri), undefined, { runs: 1, points: 3 });
    try {
      const read = async (source: MlflowDbSource) => {
        const runs: string[] = [];
        for await (const run of source.runs('1')) runs.push(run.runId);
        const points: string[] = [];
        let pages = 0;
        for await (const page of source.metricHistory(fit, 'loss')) {
          pages++;
          for (const p of page) points.push(pointKey(p.step, p.timestamp, p.value));
        }
        return { runs, points, pages };
      };
      const one = await read(whole);
      const many = await read(paged);
      expect(one.runs).toEqual([fit, deleted]);
      expect(many.runs).toEqual(one.runs);
      expect(one.pages).toBe(1);
      expect(many.pages).toBe(3);
      expect(many.points).toEqual(one.points);
      expect([...one.points].sort()).toEqual(expectedLoss);
    } finally {
      await whole.close();
      await paged.close();
    }
  });

  it('reads only the default workspace, and never writes to the source', async () => {
    const db = openMlflowDatabase(fixture.uri);
    const source = new MlflowDbSource(db);
    try {
      const experiments = [];
      for await (const e of source.experiments()) experiments.push(e);
      expect(experiments.map((e) => [e.name, e.lifecycleStage])).toEqual([
        ['Default', 'active'],
        ['churn', 'active'],
        ['retired', 'deleted'],
      ]);
      const models = [];
      for await (const m of source.registeredModels()) models.push(m);
      expect(models).toEqual([
        {
          name: 'churn-model',
          description: 'churn classifier',
          tags: [{ key: 'team', value: 'growth' }],
          aliases: [{ alias: 'champion', version: 3 }],
        },
      ]);
      await expect(
        db.rows(`update experiments set name = 'x' where experiment_id = 1 returning name`, []),
      ).rejects.toThrow(/read.?only/i);
    } finally {
      await source.close();
    }
  });

  it('says when the database is not MLflow’s', async () => {
    const source = new MlflowDbSource(openMlflowDatabase(fixture.uri));
    const db = openMlflowDatabase(fixture.uri);
    const notMlflow = new MlflowDbSource({ ...db, hasTable: async (name) => name !== 'metrics' });
    try {
      await expect(source.check()).resolves.toBeUndefined();
      await expect(notMlflow.check()).rejects.toThrow(
        /is not an MLflow database \(it has no 'metrics' table\)/,
      );
    } finally {
      await source.close();
      await db.close();
    }
  });
});

describe.each(testEngines)('bosun import --from-db on %s', (engine) => {
  let fixture: MlflowDbFixture;
  let target: ImportTestServer;
  let sourceHash: string | undefined;

  beforeAll(async () => {
    fixture = await createMlflowDbFixture(engine);
    target = await startImportTestServer(engine);
    sourceHash =
      fixture.file === undefined
        ? undefined
        : createHash('sha256').update(readFileSync(fixture.file)).digest('hex');
  });

  afterAll(async () => {
    await target?.close();
    await fixture?.dispose();
  });

  const importOnce = async (): Promise<Report> => {
    const result = await cli([
      'import',
      '--from-db',
      fixture.uri,
      '--artifact-root',
      fixture.artifactRoot,
      '--tracking-uri',
      target.base,
      '--json',
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Report;
  };

  it('copies experiments, runs, histories, inputs, files, logged models and the registry; a repeat writes nothing', async () => {
    const first = await importOnce();
    // The run whose files lie outside --artifact-root is copied without them, and the report says why.
    expect(first.skipped).toEqual([
      {
        what: `run ${elsewhere} artifacts`,
        reason: expect.stringContaining(`is not inside --artifact-root ${fixture.artifactRoot}`) as string,
      },
    ]);
    expect(first.counts).toMatchObject({
      experimentsCreated: 2,
      experimentsExisting: 1,
      runsImported: 3,
      metricPoints: fixtureLoss.length + 2,
      loggedModelsImported: 1,
      artifactFiles: 4,
      registeredModelsCreated: 1,
      versionsCreated: 2,
      aliases: 1,
      stages: 1,
    });
    expect(first.renumbered).toEqual([{ name: 'churn-model', from: 3, to: 2 }]);

    const base = target.base;
    const churn = await getJson(base, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn');
    expect(churn.experiment).toMatchObject({
      lifecycle_stage: 'active',
      tags: expect.arrayContaining([
        { key: 'team', value: 'growth' },
        { key: 'mlflow.note.content', value: "churn's models" },
      ]) as unknown,
    });
    const retired = await getJson(base, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=retired');
    expect(retired.experiment).toMatchObject({
      lifecycle_stage: 'deleted',
      tags: [{ key: 'team', value: 'gone' }],
    });

    const got = (await getJson(base, `/api/2.0/mlflow/runs/get?run_id=${fit}`)).run as WireObject;
    expect(got.info).toMatchObject({
      run_id: fit,
      run_name: 'fit',
      user_id: 'ada',
      status: 'FINISHED',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_060_000,
      lifecycle_stage: 'active',
    });
    const data = got.data as { params: unknown[]; tags: { key: string; value: string }[] };
    expect(data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.1' },
        { key: 'depth', value: '3' },
      ]),
    );
    expect(data.tags).toEqual(expect.arrayContaining([{ key: 'owner', value: "o'neil" }]));
    expect(got.inputs).toMatchObject({
      dataset_inputs: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'train',
            digest: 'digest1',
            source_type: 'local',
            source: '{"uri": "/data/train.csv"}',
          },
        },
      ],
    });
    const history = await getJson(base, `/api/2.0/mlflow/metrics/get-history?run_id=${fit}&metric_key=loss`);
    const points = (history.metrics as WireObject[]).map((p) => pointKey(p.step, p.timestamp, p.value));
    expect(points.sort()).toEqual(expectedLoss);

    const half = (await getJson(base, `/api/2.0/mlflow/runs/get?run_id=${deleted}`)).run as WireObject;
    expect(half.info).toMatchObject({ status: 'RUNNING', lifecycle_stage: 'deleted' });
    expect((half.info as WireObject).end_time ?? null).toBeNull();

    const file = await fetch(`${base}/get-artifact?run_id=${fit}&path=reports/deep/notes.txt`);
    expect(await file.text()).toBe('notes of the fit\n');
    const model = await getJson(base, '/api/2.0/mlflow/logged-models/m-fixture1');
    expect(model.model).toMatchObject({
      info: { model_id: 'm-fixture1', name: 'clf', source_run_id: fit, model_type: 'sklearn' },
      data: { params: [{ key: 'C', value: '1.0' }] },
    });
    const gone = await fetch(`${base}/api/2.0/mlflow/logged-models/m-fixture2`);
    expect(gone.status).toBe(404);

    const registered = await getJson(base, '/api/2.0/mlflow/registered-models/get?name=churn-model');
    expect(registered.registered_model).toMatchObject({
      description: 'churn classifier',
      tags: [{ key: 'team', value: 'growth' }],
      aliases: [{ alias: 'champion', version: '2' }],
    });
    const v1 = await getJson(base, '/api/2.0/mlflow/model-versions/get?name=churn-model&version=1');
    expect(v1.model_version).toMatchObject({
      source: 'models:/m-fixture1',
      run_id: fit,
      description: 'first fit',
      current_stage: 'Production',
      tags: expect.arrayContaining([{ key: 'validated', value: 'yes' }]) as unknown,
    });
    const v2 = await getJson(base, '/api/2.0/mlflow/model-versions/get?name=churn-model&version=2');
    expect(v2.model_version).toMatchObject({ source: `runs:/${fit}/model`, current_stage: 'None' });

    const again = await importOnce();
    expect(Object.fromEntries(writeCounters.map((k) => [k, again.counts[k] ?? 0]))).toEqual(
      Object.fromEntries(writeCounters.map((k) => [k, 0])),
    );
    expect(again.counts).toMatchObject({
      runsResumed: 3,
      metricPointsPresent: fixtureLoss.length + 2,
      artifactFilesPresent: 4,
      versionsExisting: 2,
    });
    if (sourceHash !== undefined && fixture.file !== undefined) {
      expect(createHash('sha256').update(readFileSync(fixture.file)).digest('hex')).toBe(sourceHash);
    }
  });

  it('resumes from its state file, which names the database, and refuses a state file of another source', async () => {
    const state = join(fixture.artifactRoot, '..', 'import.state');
    const argv = ['import', '--from-db', fixture.uri, '--skip-artifacts', '--tracking-uri', target.base];
    const withState = await cli([...argv, '--state', state, '--json', '--quiet']);
    expect(withState.code).toBe(0);
    const [header = '', ...done] = readFileSync(state, 'utf8').trim().split('\n');
    expect(JSON.parse(header)).toMatchObject({ source: fixture.uri, target: target.base });
    // As if the import had been stopped after the fit run: only that line is kept.
    writeFileSync(state, `${header}\n${done.filter((l) => l.includes(fit)).join('\n')}\n`);
    const resumed = await cli([...argv, '--state', state, '--json', '--quiet']);
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as Report;
    expect(report.counts).toMatchObject({ runsSkippedDone: 1, runsResumed: 2 });
    expect(report.counts.metricPoints ?? 0).toBe(0);
    const other = await cli([
      'import',
      '--from',
      'http://127.0.0.1:1',
      '--tracking-uri',
      target.base,
      '--state',
      state,
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`belongs to an import from ${fixture.uri}`);
  });

  it('needs --artifact-root (or --skip-artifacts), and exactly one source', async () => {
    const noRoot = await cli(['import', '--from-db', fixture.uri, '--tracking-uri', target.base]);
    expect(noRoot.code).toBe(1);
    expect(noRoot.stderr).toContain('--from-db needs --artifact-root');
    const both = await cli(['import', '--from-db', fixture.uri, '--from', 'http://127.0.0.1:1']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exactly one of --from');
    const notMlflow = await cli([
      'import',
      '--from-db',
      'mysql://somewhere/mlflow',
      '--skip-artifacts',
      '--tracking-uri',
      target.base,
    ]);
    expect(notMlflow.code).toBe(1);
    expect(notMlflow.stderr).toContain("Unsupported --from-db 'mysql://somewhere/mlflow'");
    const missing = `sqlite:///${fixture.artifactRoot}/missing.db`;
    const noFile = await cli([
      'import',
      '--from-db',
      missing,
      '--skip-artifacts',
      '--tracking-uri',
      target.base,
    ]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain(`--from-db ${missing}: cannot open`);
  });
});

describe('ArtifactRootReader', () => {
  it('maps served, path and file:// locations into the root and refuses what lies outside', () => {
    const root = ArtifactRootReader.open('/srv/mlartifacts', {});
    expect(root.pathOf('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(root.pathOf('mlflow-artifacts://host:5000/1/abc/artifacts/')).toBe('1/abc/artifacts');
    expect(root.pathOf('/srv/mlartifacts/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(root.pathOf('file:///srv/mlartifacts/2/x')).toBe('2/x');
    expect(root.pathOf('/srv/mlartifacts-other/1')).toBeUndefined();
    expect(root.pathOf('/srv/mlartifacts/../etc')).toBeUndefined();
    expect(root.pathOf('s3://bucket/1/abc')).toBeUndefined();
    const bucket = ArtifactRootReader.open('s3://bucket/mlflow', { AWS_REGION: 'us-east-1' });
    expect(bucket.pathOf('s3://bucket/mlflow/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(bucket.pathOf('s3://bucket/mlflowx/1')).toBeUndefined();
    expect(bucket.pathOf('s3://other/mlflow/1')).toBeUndefined();
    expect(bucket.pathOf('/srv/mlartifacts/1')).toBeUndefined();
    bucket.close();
    expect(() => ArtifactRootReader.open('gs://bucket/x', {})).toThrow(/Invalid --artifact-root/);
  });
});
