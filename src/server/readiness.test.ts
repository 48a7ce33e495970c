/**
 * Liveness and readiness of a real server on each engine: `/health` and `/health/live` answer while the process
 * runs; `/health/ready` (and `/api/bosun/v1/health`) only while the database answers and its schema is the one
 * the code expects, which is what a load balancer in front of several replicas needs to know.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle, type Engine } from '../db/index.js';
import { createPostgresDatabase, testEngines } from '../db/test-support/test-databases.js';
import { SecretStore } from '../security/secrets/index.js';
import { MasterKey } from '../shared/index.js';
import { startTestServer, type TestServer } from './test-support/test-server.js';

async function freshDatabaseUri(
  engine: Engine,
  dir: string,
): Promise<{ uri: string; drop(): Promise<void> }> {
  switch (engine) {
    case 'sqlite':
      return { uri: `sqlite:///${join(dir, 'bosun.db')}`, drop: async () => {} };
    case 'postgres':
      return createPostgresDatabase('bosun_readiness');
  }
}

const newerMigration = '9999-from-a-newer-release';

describe.each(testEngines)('liveness and readiness on %s', (engine) => {
  let dir: string;
  let database: { uri: string; drop(): Promise<void> };
  let server: TestServer;
  let handle: DatabaseHandle;
  const key = MasterKey.generate('readiness');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-readiness-'));
    database = await freshDatabaseUri(engine, dir);
    server = await startTestServer({
      config: { backendStoreUri: database.uri, artifactsDestination: join(dir, 'artifacts'), masterKey: key },
    });
    handle = openDatabase(database.uri);
  });
  afterAll(async () => {
    await handle.close();
    await server.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectLive(): Promise<void> {
    for (const path of ['/health', '/health/live']) {
      const res = await server.call('GET', path);
      expect([path, res.status, res.text]).toEqual([path, 200, 'OK']);
      expect(res.contentType).toMatch(/^text\/plain/);
    }
  }

  async function lastMigration(): Promise<{ name: string; timestamp: string }> {
    const rows = await sql<{
      name: string;
      timestamp: string;
    }>`select name, timestamp from kysely_migration order by name desc`.execute(handle.db);
    const [last] = rows.rows;
    if (!last) throw new Error('no migration recorded');
    return last;
  }

  it('is ready on a database it migrated: database ok, migrations current, secrets ok', async () => {
    await expectLive();
    const ready = await server.call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ready',
      version: expect.any(String),
      database: 'ok',
      migrations: 'current',
      pending_migrations: [],
      unknown_migrations: [],
      secrets: 'ok',
    });
    const native = await server.call('GET', '/api/bosun/v1/health');
    expect(native.status).toBe(200);
    expect(native.json).toEqual({
      status: 'ok',
      version: expect.any(String),
      database: 'ok',
      migrations: 'current',
      secrets: 'ok',
    });
  });

  it('is not ready once a newer release applied a migration this code does not know, and ready again without it', async () => {
    await sql`insert into kysely_migration (name, timestamp) values (${newerMigration}, ${new Date().toISOString()})`.execute(
      handle.db,
    );
    try {
      const ready = await server.call('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({
        status: 'not_ready',
        database: 'ok',
        migrations: 'ahead',
        pending_migrations: [],
        unknown_migrations: [newerMigration],
      });
      const native = await server.call('GET', '/api/bosun/v1/health');
      expect(native.status).toBe(503);
      expect(native.json).toMatchObject({ status: 'unavailable', database: 'ok', migrations: 'ahead' });
      // Still alive: a liveness probe must not restart a process that only waits for its replacement.
      await expectLive();
    } finally {
      await sql`delete from kysely_migration where name = ${newerMigration}`.execute(handle.db);
    }
    expect((await server.call('GET', '/health/ready')).status).toBe(200);
  });

  it('is not ready when the database lacks one of its migrations (the code is newer than the schema)', async () => {
    const last = await lastMigration();
    await sql`delete from kysely_migration where name = ${last.name}`.execute(handle.db);
    try {
      const ready = await server.call('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({
        status: 'not_ready',
        database: 'ok',
        migrations: 'behind',
        pending_migrations: [last.name],
        unknown_migrations: [],
      });
      await expectLive();
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${last.name}, ${last.timestamp})`.execute(
        handle.db,
      );
    }
    expect((await server.call('GET', '/health/ready')).status).toBe(200);
  });

  it('stays ready after another process rotated the master key, and says its key is stale', async () => {
    const store = await SecretStore.open(handle, key);
    await store.rotateMasterKey(MasterKey.generate('rotated'));
    const ready = await server.call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready', migrations: 'current', secrets: 'stale_key' });
  });

  // PostgreSQL only: a SQLite file cannot go away under an open connection.
  if (engine === 'postgres') {
    it('is not ready while the database is gone, and still alive', async () => {
      await database.drop();
      const ready = await server.call('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({
        status: 'not_ready',
        database: 'error',
        migrations: 'unchecked',
      });
      const native = await server.call('GET', '/api/bosun/v1/health');
      expect(native.status).toBe(503);
      expect(native.json).toMatchObject({ status: 'unavailable', database: 'error' });
      await expectLive();
    });
  }
});
