import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseHandle, Engine } from '../engine.js';
import { migrateToLatest } from '../migrate.js';
import { openDatabase } from '../open-database.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

/**
 * An empty database on one engine, migrated (unless it came from `openUnmigratedTestDatabase`), and how to throw
 * it away.
 */
export interface TestDatabase {
  engine: Engine;
  uri: string;
  handle: DatabaseHandle;
  dispose(): Promise<void>;
}

/**
 * The engines the tests run on: both (what `npm test` does). `BOSUN_TEST_ENGINES=sqlite` narrows them for the
 * fast inner loop (`npm run test:fast`), which needs no PostgreSQL.
 */
export const testEngines: readonly Engine[] = parseTestEngines(process.env.BOSUN_TEST_ENGINES);

/** Whether the PostgreSQL-only suites run (false only in the fast inner loop). */
export const postgresTests: boolean = testEngines.includes('postgres');

function parseTestEngines(text: string | undefined): readonly Engine[] {
  if (text === undefined || text.trim() === '') return ['sqlite', 'postgres'];
  const engines = text.split(',').map((e) => e.trim());
  for (const engine of engines) {
    if (engine !== 'sqlite' && engine !== 'postgres')
      throw new Error(`BOSUN_TEST_ENGINES: unknown engine '${engine}' (expected sqlite and/or postgres)`);
  }
  return engines as Engine[];
}

/** The superuser URI of the throwaway PostgreSQL cluster the test command starts. */
export function testPostgresUri(): string {
  const uri = process.env.BOSUN_TEST_PG_URI;
  if (!uri) {
    throw new Error(
      'BOSUN_TEST_PG_URI is not set: run the tests with `npm test`, which starts a PostgreSQL cluster, ' +
        'or start one with scripts/pg-test-cluster.sh and export its URI.',
    );
  }
  return uri;
}

/** Creates an empty database on the test cluster and returns its URI. */
export async function createPostgresDatabase(
  prefix = 'bosun_test',
): Promise<{ uri: string; drop(): Promise<void> }> {
  const admin = testPostgresUri();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    uri: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * Opens an empty database on the given engine, not migrated: for migration tests, which migrate it step by step
 * (`migrateTo`) and write rows the way an older version left them. `name` goes into the temporary folder's or
 * database's name.
 * Example: `const db = await openUnmigratedTestDatabase(engine, '0011');
 *           await migrateTo(db.handle, '0010-event-outbox');`
 */
export async function openUnmigratedTestDatabase(engine: Engine, name = 'test'): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = makeTestTempDir(`bosun-${name}-`);
    const uri = `sqlite:///${join(dir, 'bosun.db')}`;
    const handle = openDatabase(uri);
    return {
      engine,
      uri,
      handle,
      async dispose() {
        await handle.close();
        removeTestTempDir(dir);
      },
    };
  }
  const database = await createPostgresDatabase(`bosun_${name}`);
  const handle = openDatabase(database.uri);
  return {
    engine,
    uri: database.uri,
    handle,
    async dispose() {
      await handle.close();
      await database.drop();
    },
  };
}

/** Opens a fresh, migrated database on the given engine. */
export async function openTestDatabase(engine: Engine): Promise<TestDatabase> {
  const database = await openUnmigratedTestDatabase(engine);
  await migrateToLatest(database.handle);
  return database;
}
