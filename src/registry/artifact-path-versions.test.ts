import { randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely, type KyselyPlugin, type RootOperationNode } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type Database, type DatabaseHandle } from '../db/index.js';
import {
  openTestDatabase,
  postgresTests,
  testEngines,
  testPostgresUri,
  type TestDatabase,
} from '../db/test-support/test-databases.js';
import { createTrackingService, type TrackingService } from '../tracking/index.js';
import { findVersionsUsingArtifactPath, type ArtifactChange } from './artifact-path-versions.js';
import { createRegistryService } from './registry-service.js';
import type { RegistryService } from './registry-service-contract.js';
import { CollectingEventSink } from './test-support/collecting-event-sink.js';

describe.each(testEngines)('findVersionsUsingArtifactPath on %s', (engine) => {
  let database: TestDatabase;
  let registry: RegistryService;
  /** Store paths: run1's and run2's artifact roots, the logged model's root. */
  let r1: string;
  let r2: string;
  let lm: string;

  const names = async (path: string, change: ArtifactChange): Promise<string[]> =>
    (await findVersionsUsingArtifactPath(database.handle.db, path, change)).map(
      (v) => `${v.name}/${v.version}`,
    );

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    ({ registry, r1, r2, lm } = await registerEveryForm(database.handle));
  });
  afterAll(async () => database.dispose());

  it('finds the versions stored at, above or below a deleted path', async () => {
    await expectEveryForm(names, { r1, r2, lm });
  });

  it('is prefix-safe: a sibling sharing the first letters is not protected', async () => {
    await expectPrefixSafe(names, { r1, r2, lm });
  });

  it('for writes, finds only versions the path lies in', async () => {
    expect(await names(`${r1}/abc/new.pkl`, 'write')).toEqual(['churn/1', 'churn/4']);
    expect(await names(`${r1}/abc`, 'write')).toEqual(['churn/1', 'churn/4']);
    expect(await names(`${r1}/other.txt`, 'write')).toEqual([]);
    expect(await names(`${r2}/deep`, 'write')).toEqual([]);
  });

  it('reports the storage location of each version', async () => {
    const [found] = await findVersionsUsingArtifactPath(database.handle.db, `${lm}/x`, 'write');
    expect(found).toEqual({ name: 'churn', version: 2, storageLocation: `mlflow-artifacts:/${lm}` });
  });

  it.each(['write', 'delete'] as const)(
    'looks a %s up through the storage-location index, not a scan of every version',
    async (change) => {
      const plan = await queryPlan(database.handle, `${r1}/abc/MLmodel`, change);
      expect(plan).toContain('model_versions_storage_location');
      // SQLite: `SCAN model_versions`; PostgreSQL: `Seq Scan on model_versions` (sequential scans are disabled
      // for the plan, so one appears only when no index can serve the condition).
      expect(plan).not.toMatch(/SCAN model_versions|Seq Scan on model_versions/);
      if (change === 'delete' && engine === 'sqlite') expect(plan).toContain('storage_location>?');
      if (change === 'delete' && engine === 'postgres') expect(plan).toMatch(/Index Cond: .*>=/);
    },
  );

  it('forgets a version once it is deleted', async () => {
    await registry.deleteModelVersion('churn', '1');
    expect(await names(`${r1}/abc`, 'delete')).toEqual(['churn/4']);
    await registry.deleteModelVersion('churn', '4');
    expect(await names(`${r1}/abc`, 'delete')).toEqual([]);
  });
});

// A PostgreSQL database whose collation ignores punctuation at first (ICU, alternate=shifted): there
// `'1/r/deep/er' < '1/r/deep0'` is false, so a range in the database's collation would miss versions below a
// deleted path. The lookup compares bytes ("C"), and still uses the index.
describe.runIf(postgresTests)('findVersionsUsingArtifactPath on a locale-aware PostgreSQL database', () => {
  // Read when the suite runs, not when it is collected: the fast loop collects it with no PostgreSQL.
  const admin = postgresTests ? testPostgresUri() : '';
  const name = `bosun_icu_${randomBytes(6).toString('hex')}`;
  let handle: DatabaseHandle;
  let paths: { r1: string; r2: string; lm: string };
  const names = async (path: string, change: ArtifactChange): Promise<string[]> =>
    (await findVersionsUsingArtifactPath(handle.db, path, change)).map((v) => `${v.name}/${v.version}`);

  beforeAll(async () => {
    await adminQuery(
      admin,
      `create database ${name} template template0 locale_provider icu icu_locale 'en-US-u-ka-shifted'`,
    );
    const url = new URL(admin);
    url.pathname = `/${name}`;
    handle = openDatabase(url.toString());
    await migrateToLatest(handle);
    paths = await registerEveryForm(handle);
  });
  afterAll(async () => {
    await handle.close();
    await adminQuery(admin, `drop database if exists ${name} with (force)`);
  });

  it('has a collation where a prefix range is not a prefix match', async () => {
    const { rows } = await sql_<{ ordered: boolean }>(handle.db, `select 'a/zzz' < 'a0' as ordered`);
    expect(rows).toEqual([{ ordered: false }]);
  });

  it('still finds the versions below a deleted path, and only those', async () => {
    await expectEveryForm(names, paths);
    await expectPrefixSafe(names, paths);
  });

  it('still uses the index', async () => {
    const plan = await queryPlan(handle, `${paths.r2}/deep`, 'delete');
    expect(plan).toContain('model_versions_storage_location');
    expect(plan).not.toContain('Seq Scan on model_versions');
  });
});

async function adminQuery(uri: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function sql_<R>(db: Kysely<Database>, text: string): Promise<{ rows: R[] }> {
  return db.executeQuery<R>(CompiledQuery.raw(text));
}

/**
 * The plan the engine picks for the lookup, one line per step. On PostgreSQL with sequential scans disabled:
 * the test tables are tiny, where a scan is cheapest; disabled, a scan is still chosen when no index applies.
 */
async function queryPlan(handle: DatabaseHandle, path: string, change: ArtifactChange): Promise<string> {
  let node: RootOperationNode | undefined;
  const capture: KyselyPlugin = {
    transformQuery: (args) => ((node ??= args.node), args.node),
    transformResult: async (args) => args.result,
  };
  await findVersionsUsingArtifactPath(handle.db.withPlugin(capture), path, change);
  if (!node) throw new Error('no query captured');
  const query = handle.db.getExecutor().compileQuery(node, { queryId: 'plan' });
  if (handle.engine === 'sqlite') {
    const { rows } = await handle.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    return rows.map((r) => r.detail).join('\n');
  }
  return handle.db.transaction().execute(async (trx) => {
    await trx.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
    const { rows } = await trx.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]),
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

type Names = (path: string, change: ArtifactChange) => Promise<string[]>;
interface Paths {
  /** Store paths: run1's and run2's artifact roots, the logged model's root. */
  r1: string;
  r2: string;
  lm: string;
}

/** Registers a version of every source form (numbered as in the comments) in a fresh database. */
async function registerEveryForm(
  handle: DatabaseHandle,
): Promise<Paths & { tracking: TrackingService; registry: RegistryService }> {
  const tracking = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
  const registry = createRegistryService({ handle, events: new CollectingEventSink(), tracking });
  const experiment = await tracking.createExperiment({ name: 'paths' });
  const run1 = await tracking.createRun({ experimentId: experiment });
  const run2 = await tracking.createRun({ experimentId: experiment });
  const logged = await tracking.createLoggedModel({ experimentId: experiment, name: 'lm' });
  const strip = (uri: string): string => uri.replace(/^mlflow-artifacts:\//, '');
  const r1 = strip(run1.info.artifactUri);
  const r2 = strip(run2.info.artifactUri);
  const lm = strip(logged.artifactUri);
  await registry.createRegisteredModel({ name: 'churn' });
  // Every source form: a run's subfolder, a logged model, a store folder, a copy of another version, a remote.
  await registry.createModelVersion({ name: 'churn', source: `runs:/${run1.info.runId}/abc` }); // 1
  await registry.createModelVersion({ name: 'churn', source: `models:/${logged.modelId}` }); // 2
  await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/${r2}/deep/er/` }); // 3
  await registry.createModelVersion({ name: 'churn', source: 'models:/churn/1' }); // 4
  await registry.createModelVersion({ name: 'churn', source: 's3://bucket/elsewhere' }); // 5
  // A version recorded as a remote URL, even one that looks like a proxy URL, is a remote store's, as for
  // get-artifact and scanning: not this store's files.
  await registry.createRegisteredModel({ name: 'legacy' });
  await registry.createModelVersion({
    name: 'legacy',
    source: `https://bosun.example/api/2.0/mlflow-artifacts/artifacts/${r2}/web`,
  });
  return { tracking, registry, r1, r2, lm };
}

async function expectEveryForm(names: Names, { r1, r2, lm }: Paths): Promise<void> {
  expect(await names(`${r1}/abc`, 'delete')).toEqual(['churn/1', 'churn/4']);
  expect(await names(`${r1}/abc/MLmodel`, 'delete')).toEqual(['churn/1', 'churn/4']);
  expect(await names(r1, 'delete')).toEqual(['churn/1', 'churn/4']);
  expect(await names(r1.split('/')[0]!, 'delete')).toEqual(['churn/1', 'churn/2', 'churn/3', 'churn/4']);
  expect(await names(`${lm}/model.pkl`, 'delete')).toEqual(['churn/2']);
  expect(await names(`${r2}/deep`, 'delete')).toEqual(['churn/3']);
  expect(await names(`${r2}/deep/er/x/y`, 'delete')).toEqual(['churn/3']);
  expect(await names(`${r2}/web/f`, 'delete')).toEqual([]);
}

async function expectPrefixSafe(names: Names, { r1, r2 }: Paths): Promise<void> {
  for (const path of [
    `${r1}/ab`,
    `${r1}/abcd`,
    `${r1}/abc-x/f`,
    `${r1}/abc0`,
    `${r1}/ABC`,
    `${r2}/dee`,
    `${r2}/deep/e`,
    `${r2}/deep/err`,
    `${r2}/deep/er0`,
  ]) {
    expect(await names(path, 'delete'), path).toEqual([]);
  }
  expect(await names(`${r1}x`, 'delete')).toEqual([]);
  expect(await names('elsewhere', 'delete')).toEqual([]);
}
