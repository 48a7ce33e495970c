import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../db/index.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

export interface TestDatabase {
  handle: DatabaseHandle;
  dispose(): Promise<void>;
}

/** A migrated SQLite file in a fresh temporary folder, removed on dispose. */
export async function openSqliteTestDatabase(): Promise<TestDatabase> {
  const dir = makeTestTempDir('bosun-search-');
  const handle = openDatabase(`sqlite:///${join(dir, 'bosun.db')}`);
  await migrateToLatest(handle);
  return {
    handle,
    dispose: async () => {
      await handle.close();
      removeTestTempDir(dir);
    },
  };
}

/**
 * A migrated, freshly created PostgreSQL database on the server named by BOSUN_TEST_PG_URI (a superuser URI),
 * dropped on dispose. Fails, rather than skips, when the variable is unset: the PostgreSQL half of the
 * contract is not optional.
 */
export async function openPostgresTestDatabase(): Promise<TestDatabase> {
  const adminUri = process.env.BOSUN_TEST_PG_URI;
  if (!adminUri) {
    throw new Error(
      'BOSUN_TEST_PG_URI is not set: the PostgreSQL search tests need a superuser URI of a running server, e.g. ' +
        'BOSUN_TEST_PG_URI=postgresql://postgres@127.0.0.1:54329/postgres (scripts/pg-test-cluster.sh starts one)',
    );
  }
  const name = `bosun_search_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUri });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUri);
  url.pathname = `/${name}`;
  const handle = openDatabase(url.toString());
  await migrateToLatest(handle);
  return {
    handle,
    dispose: async () => {
      await handle.close();
      const c = new pg.Client({ connectionString: adminUri });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
