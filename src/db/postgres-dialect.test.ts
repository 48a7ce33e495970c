import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';
import { createPostgresDatabase, testPostgresUri } from './test-support/test-databases.js';

describe('PostgreSQL handle', () => {
  it('survives the server closing an idle pooled connection, and reconnects', async () => {
    const database = await createPostgresDatabase('bosun_pool');
    const handle = openDatabase(database.uri);
    try {
      const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      const pid = before.rows[0]!.pid;
      const admin = new pg.Client({ connectionString: testPostgresUri() });
      await admin.connect();
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await admin.end();
      await new Promise((done) => setTimeout(done, 200));
      const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      expect(after.rows[0]!.pid).not.toBe(pid);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
