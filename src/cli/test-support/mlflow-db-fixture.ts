import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Engine } from '../../db/engine.js';
import { createPostgresDatabase } from '../../db/test-support/test-databases.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

/**
 * MLflow's tables as its alembic migrations leave them (MLflow 3.x, the columns the import reads and the keys
 * that shape them), written in SQL both engines take: `is_nan` is a boolean on PostgreSQL and 0/1 on SQLite,
 * exactly as MLflow's own schema has it.
 */
const ddl = `
create table experiments (
  experiment_id integer not null primary key, name varchar(256) not null, artifact_location varchar(256),
  lifecycle_stage varchar(32), creation_time bigint, last_update_time bigint,
  workspace varchar(63) default 'default' not null, unique (workspace, name));
create table experiment_tags ("key" varchar(250) not null, "value" text, experiment_id integer not null,
  primary key ("key", experiment_id));
create table runs (
  run_uuid varchar(32) not null primary key, name varchar(250), source_type varchar(20), source_name varchar(500),
  entry_point_name varchar(50), user_id varchar(256), status varchar(9), start_time bigint, end_time bigint,
  source_version varchar(50), lifecycle_stage varchar(20), artifact_uri varchar(200), experiment_id integer,
  deleted_time bigint);
create table params ("key" varchar(250) not null, "value" varchar(8000) not null, run_uuid varchar(32) not null,
  primary key ("key", run_uuid));
create table tags ("key" varchar(250) not null, "value" varchar(8000), run_uuid varchar(32) not null,
  primary key ("key", run_uuid));
create table metrics ("key" varchar(250) not null, "value" double precision not null, "timestamp" bigint not null,
  run_uuid varchar(32) not null, step bigint default 0 not null, is_nan boolean default false not null,
  primary key ("key", "timestamp", step, run_uuid, "value", is_nan));
create index index_metrics_run_uuid_key_step on metrics (run_uuid, "key", step);
create table latest_metrics ("key" varchar(250) not null, "value" double precision not null,
  "timestamp" bigint, step bigint not null, is_nan boolean not null, run_uuid varchar(32) not null,
  primary key ("key", run_uuid));
create table datasets (dataset_uuid varchar(36) not null, experiment_id integer not null, name varchar(500) not null,
  digest varchar(36) not null, dataset_source_type varchar(36) not null, dataset_source text not null,
  dataset_schema text, dataset_profile text, primary key (experiment_id, name, digest));
create table inputs (input_uuid varchar(36) not null, source_type varchar(36) not null, source_id varchar(36) not null,
  destination_type varchar(36) not null, destination_id varchar(36) not null, step bigint default 0 not null,
  primary key (source_type, source_id, destination_type, destination_id));
create table input_tags (input_uuid varchar(36) not null, name varchar(255) not null, "value" varchar(500) not null,
  primary key (input_uuid, name));
create table logged_models (model_id varchar(36) not null primary key, experiment_id integer not null,
  name varchar(500) not null, artifact_location varchar(1000) not null, creation_timestamp_ms bigint not null,
  last_updated_timestamp_ms bigint not null, status integer not null, lifecycle_stage varchar(32),
  model_type varchar(500), source_run_id varchar(32), status_message varchar(1000));
create table logged_model_tags (model_id varchar(36) not null, experiment_id integer not null,
  tag_key varchar(255) not null, tag_value text not null, primary key (model_id, tag_key));
create table logged_model_params (model_id varchar(36) not null, experiment_id integer not null,
  param_key varchar(255) not null, param_value text not null, primary key (model_id, param_key));
create table registered_models (name varchar(256) not null, creation_time bigint, last_updated_time bigint,
  description varchar(5000), workspace varchar(63) default 'default' not null, primary key (workspace, name));
create table registered_model_tags ("key" varchar(250) not null, "value" varchar(5000), name varchar(256) not null,
  workspace varchar(63) default 'default' not null, primary key (workspace, "key", name));
create table registered_model_aliases (alias varchar(256) not null, version integer not null,
  name varchar(256) not null, workspace varchar(63) default 'default' not null, primary key (workspace, name, alias));
create table model_versions (name varchar(256) not null, version integer not null, creation_time bigint,
  last_updated_time bigint, description varchar(5000), user_id varchar(256), current_stage varchar(20),
  source varchar(500), run_id varchar(32), status varchar(20), status_message varchar(500), run_link varchar(500),
  storage_location varchar(500), workspace varchar(63) default 'default' not null,
  primary key (workspace, name, version));
create table model_version_tags ("key" varchar(250) not null, "value" text, name varchar(256) not null,
  version integer not null, workspace varchar(63) default 'default' not null,
  primary key (workspace, "key", name, version));
create table alembic_version (version_num varchar(32) not null primary key);
`;

/** Run ids of the fixture (MLflow's 32 hex digits). */
export const fixtureRuns = {
  fit: 'a1000000000000000000000000000001',
  /** Deleted, still RUNNING, its artifacts under an absolute path inside the artifact root. */
  deleted: 'a1000000000000000000000000000002',
  /** In the deleted experiment; its artifact location lies outside the artifact root. */
  elsewhere: 'a1000000000000000000000000000003',
} as const;

/** `loss` of the `fit` run as stored: `[step, timestamp, value, is_nan]` (NaN stored as 0, ±inf as ±max double). */
export const fixtureLoss: readonly [number, number, number, boolean][] = [
  [0, 100, 0.5, false],
  [1, 101, 0, true],
  [1, 101, 0, false],
  [1, 102, 0.3, false],
  [2, 103, Number.MAX_VALUE, false],
  [2, 103, -Number.MAX_VALUE, false],
  [3, 104, 0.1, false],
  [3, 104, 0.2, false],
];

const literal = (value: string | number | boolean | null): string =>
  value === null
    ? 'null'
    : typeof value === 'boolean'
      ? value
        ? 'true'
        : 'false'
      : typeof value === 'number'
        ? String(value)
        : `'${value.replace(/'/g, "''")}'`;

function insert(table: string, rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  return rows.map((row) => `insert into ${table} values (${row.map(literal).join(', ')});`).join('\n');
}

/** An MLflow database and artifact root filled with the fixture, and how to throw them away. */
export interface MlflowDbFixture {
  uri: string;
  /** The artifact files, by their path under the artifact root, as written to `artifactRoot`. */
  files: Readonly<Record<string, string>>;
  /** The SQLite file (absent on PostgreSQL). */
  file?: string;
  artifactRoot: string;
  dispose(): Promise<void>;
}

/**
 * Writes an MLflow database (on `engine`) and its artifact root as an MLflow 3 server leaves them: the Default
 * experiment, `churn` (a finished run with params, tags, a tricky `loss` history, a dataset input with tags,
 * model output and artifacts; a deleted running run), a deleted experiment whose run's artifacts lie outside the
 * root, a `churn` experiment of another workspace, a logged model and a deleted one, and a registered model
 * with a deleted version, an alias, a stage, tags and descriptions.
 */
export async function createMlflowDbFixture(
  engine: Engine,
  options: { storedRoot?: string } = {},
): Promise<MlflowDbFixture> {
  const dir = makeTestTempDir('bosun-mlflow-db-');
  const root = join(dir, 'mlartifacts');
  /** The root as the deleted run's artifact location names it (the local folder, or a bucket the files are put in). */
  const storedRoot = options.storedRoot ?? root;
  const outside = join(dir, 'elsewhere');
  const { fit, deleted, elsewhere } = fixtureRuns;
  const files: Record<string, string> = {
    [`1/${fit}/artifacts/model/MLmodel`]: 'flavors: {}\n',
    [`1/${fit}/artifacts/reports/deep/notes.txt`]: 'notes of the fit\n',
    [`1/${deleted}/artifacts/partial.txt`]: 'half done\n',
    ['1/models/m-fixture1/artifacts/MLmodel']: 'flavors: {}\nmodel_id: m-fixture1\n',
    ['elsewhere-not-read.txt']: 'x',
  };
  for (const [path, body] of Object.entries(files)) {
    const at = join(root, path);
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, body);
  }
  mkdirSync(join(outside, 'artifacts'), { recursive: true });
  writeFileSync(join(outside, 'artifacts', 'secret.txt'), 'never copied\n');
  const t = 1_700_000_000_000;
  const rows = [
    insert('alembic_version', [['1b5f0d9ad7c1']]),
    insert('experiments', [
      [0, 'Default', `mlflow-artifacts:/0`, 'active', t, t, 'default'],
      [1, 'churn', `mlflow-artifacts:/1`, 'active', t, t, 'default'],
      [2, 'retired', `mlflow-artifacts:/2`, 'deleted', t, t, 'default'],
      [3, 'churn', `mlflow-artifacts:/3`, 'active', t, t, 'other-team'],
    ]),
    insert('experiment_tags', [
      ['team', 'growth', 1],
      ['mlflow.note.content', "churn's models", 1],
      ['team', 'gone', 2],
      ['team', 'other', 3],
    ]),
    insert('runs', [
      [
        fit,
        'fit',
        'LOCAL',
        'train.py',
        '',
        'ada',
        'FINISHED',
        t,
        t + 60_000,
        '',
        'active',
        `mlflow-artifacts:/1/${fit}/artifacts`,
        1,
        null,
      ],
      [
        deleted,
        'half',
        'LOCAL',
        '',
        '',
        'bob',
        'RUNNING',
        t + 1,
        null,
        '',
        'deleted',
        `${storedRoot}/1/${deleted}/artifacts`,
        1,
        t + 5,
      ],
      [
        elsewhere,
        'old',
        'LOCAL',
        '',
        '',
        'cy',
        'FINISHED',
        t + 2,
        t + 3,
        '',
        'active',
        `file://${outside}/artifacts`,
        2,
        null,
      ],
    ]),
    insert('params', [
      ['lr', '0.1', fit],
      ['depth', '3', fit],
    ]),
    insert('tags', [
      ['mlflow.runName', 'fit', fit],
      ['mlflow.user', 'ada', fit],
      ['owner', "o'neil", fit],
      ['mlflow.runName', 'half', deleted],
    ]),
    insert('metrics', [
      ...fixtureLoss.map(([step, ts, value, nan]) => ['loss', value, ts, fit, step, nan] as const),
      ['acc', 0.9, t, fit, 0, false],
      ['loss', 1, t, elsewhere, 0, false],
    ]),
    insert('latest_metrics', [
      ['loss', 0.2, 104, 3, false, fit],
      ['acc', 0.9, t, 0, false, fit],
    ]),
    insert('datasets', [
      ['d-1', 1, 'train', 'digest1', 'local', '{"uri": "/data/train.csv"}', '{"mlflow_colspec": []}', null],
    ]),
    insert('inputs', [
      ['i-1', 'DATASET', 'd-1', 'RUN', fit, 0],
      ['i-2', 'RUN_OUTPUT', fit, 'MODEL_OUTPUT', 'm-fixture1', 3],
    ]),
    insert('input_tags', [['i-1', 'mlflow.data.context', 'training']]),
    insert('logged_models', [
      [
        'm-fixture1',
        1,
        'clf',
        'mlflow-artifacts:/1/models/m-fixture1/artifacts',
        t + 10,
        t + 20,
        2,
        'active',
        'sklearn',
        fit,
        null,
      ],
      [
        'm-fixture2',
        1,
        'gone',
        'mlflow-artifacts:/1/models/m-fixture2/artifacts',
        t + 11,
        t + 21,
        2,
        'deleted',
        null,
        fit,
        null,
      ],
    ]),
    insert('logged_model_tags', [['m-fixture1', 1, 'stage', 'candidate']]),
    insert('logged_model_params', [['m-fixture1', 1, 'C', '1.0']]),
    insert('registered_models', [
      ['churn-model', t, t, 'churn classifier', 'default'],
      ['churn-model', t, t, 'theirs', 'other-team'],
    ]),
    insert('registered_model_tags', [['team', 'growth', 'churn-model', 'default']]),
    insert('model_versions', [
      [
        'churn-model',
        1,
        t,
        t,
        'first fit',
        'ada',
        'Production',
        'models:/m-fixture1',
        fit,
        'READY',
        null,
        '',
        null,
        'default',
      ],
      [
        'churn-model',
        2,
        t,
        t,
        '',
        'ada',
        'Deleted_Internal',
        'models:/m-fixture1',
        fit,
        'READY',
        null,
        '',
        null,
        'default',
      ],
      [
        'churn-model',
        3,
        t,
        t,
        '',
        'ada',
        'None',
        `mlflow-artifacts:/1/${fit}/artifacts/model`,
        fit,
        'READY',
        null,
        '',
        null,
        'default',
      ],
    ]),
    insert('model_version_tags', [['validated', 'yes', 'churn-model', 1, 'default']]),
    insert('registered_model_aliases', [['champion', 3, 'churn-model', 'default']]),
  ].join('\n');
  if (engine === 'sqlite') {
    const file = join(dir, 'mlflow.db');
    const db = new SQLite(file);
    db.exec(ddl);
    db.exec(rows);
    db.close();
    return {
      uri: `sqlite:///${file}`,
      file,
      files,
      artifactRoot: root,
      async dispose() {
        removeTestTempDir(dir);
      },
    };
  }
  const database = await createPostgresDatabase('bosun_mlflow_src');
  const client = new pg.Client({ connectionString: database.uri });
  await client.connect();
  try {
    await client.query(ddl);
    await client.query(rows);
  } finally {
    await client.end();
  }
  return {
    uri: database.uri,
    files,
    artifactRoot: root,
    async dispose() {
      await database.drop();
      removeTestTempDir(dir);
    },
  };
}
