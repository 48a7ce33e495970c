import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';
import { createPostgresDatabase, postgresTests, testPostgresUri } from './test-support/test-databases.js';
import { waitFor } from '../shared/test-support/wait-for.js';

describe.runIf(postgresTests)('PostgreSQL handle', () => {
  it('survives the server closing an idle pooled connection, and reconnects', async () => {
    const database = await createPostgresDatabase('bosun_pool');
    const handle = openDatabase(database.uri);
    try {
      const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      const pid = before.rows[0]!.pid;
      const admin = new pg.Client({ connectionString: testPostgresUri() });
      await admin.connect();
      try {
        await admin.query('select pg_terminate_backend($1)', [pid]);
        // Until the backend has exited (its socket is closed), not for a fixed time.
        await waitFor(`backend ${pid} to exit`, async () => {
          const alive = await admin.query('select 1 from pg_stat_activity where pid = $1', [pid]);
          return alive.rowCount === 0 ? true : undefined;
        });
      } finally {
        await admin.end();
      }
      // One turn of the event loop, so that the pool has handled the closed socket.
      await new Promise((done) => setImmediate(done));
      const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      expect(after.rows[0]!.pid).not.toBe(pid);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
