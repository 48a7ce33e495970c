/**
 * Start-up is idempotent under concurrency: servers started at the same moment on one database (SQLite file or
 * PostgreSQL database) all start, and the database ends up as one server alone would leave it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle, type Engine } from '../db/index.js';
import { createPostgresDatabase, testEngines } from '../db/test-support/test-databases.js';
import { signingSecretPath } from '../registry/webhooks/index.js';
import { SecretStore } from '../security/secrets/index.js';
import { MasterKey } from '../shared/index.js';
import { basic } from './test-support/auth-test-server.js';
import {
  startServerProcess,
  startServerProcesses,
  type ServerStart,
  type StartedServer,
} from './test-support/server-process.js';

/** Servers started at once: more than the machine's cores, so that their start-ups interleave. */
const concurrentServers = 4;

const admin = { username: 'admin', password: 'first-admin-password-1' };
const otherPassword = 'another-admin-password-2';
const warnLevel = 40;

interface FreshDatabase {
  uri: string;
  drop(): Promise<void>;
}

async function freshDatabase(engine: Engine, dir: string): Promise<FreshDatabase> {
  switch (engine) {
    case 'sqlite': {
      const folder = mkdtempSync(join(dir, 'db-'));
      return { uri: `sqlite:///${join(folder, 'bosun.db')}`, drop: async () => {} };
    }
    case 'postgres':
      return createPostgresDatabase('bosun_concurrent_start');
  }
}

function expectStarted(starts: ServerStart[]): StartedServer[] {
  const failures = starts.flatMap((s) => (s.status === 'failed' ? [`exit ${s.exitCode}: ${s.stderr}`] : []));
  expect(failures).toEqual([]);
  return starts.filter((s): s is StartedServer => s.status === 'started');
}

async function withHandle<T>(uri: string, fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = openDatabase(uri);
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

async function getStatus(address: string, path: string, password: string): Promise<number> {
  const res = await fetch(address + path, { headers: { authorization: basic(admin.username, password) } });
  await res.arrayBuffer();
  return res.status;
}

async function stopAll(servers: StartedServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}

describe.each(testEngines)('servers starting at the same moment on one %s database', (engine) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-concurrent-start-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('all start on an empty database with BOSUN_ADMIN_*: one administrator, one Default experiment, one key check', async () => {
    const database = await freshDatabase(engine, dir);
    const key = MasterKey.generate('concurrent');
    const env = {
      BOSUN_BACKEND_STORE_URI: database.uri,
      BOSUN_ARTIFACTS_DESTINATION: join(dir, `artifacts-${engine}`),
      BOSUN_AUTH: 'true',
      BOSUN_ADMIN_USERNAME: admin.username,
      BOSUN_ADMIN_PASSWORD: admin.password,
      BOSUN_MASTER_KEY: key.export(),
    };
    const servers: StartedServer[] = [];
    try {
      const starts = await startServerProcesses(concurrentServers, env);
      servers.push(...starts.filter((s): s is StartedServer => s.status === 'started'));
      expectStarted(starts);

      for (const server of servers) {
        expect(
          await getStatus(
            server.address,
            '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default',
            admin.password,
          ),
        ).toBe(200);
      }
      const created = servers.filter((s) =>
        s.logs().some((l) => l.msg?.startsWith("Created the first administrator 'admin'")),
      );
      expect(created).toHaveLength(1);
      // The others found the administrator the variables name, with that password: nothing to warn about.
      expect(servers.flatMap((s) => s.logs().filter((l) => l.level >= warnLevel))).toEqual([]);

      await withHandle(database.uri, async (handle) => {
        const users = await handle.db
          .selectFrom('users')
          .select(['username', 'is_admin'])
          .execute()
          .then((rows) => rows.map((r) => ({ username: r.username, isAdmin: Number(r.is_admin) })));
        expect(users).toEqual([{ username: admin.username, isAdmin: 1 }]);
        const experiments = await handle.db
          .selectFrom('experiments')
          .select(['experiment_id', 'name'])
          .execute();
        expect(experiments.map((e) => ({ id: Number(e.experiment_id), name: e.name }))).toEqual([
          { id: 0, name: 'Default' },
        ]);
        const checks = await sql<{
          n: number | string;
        }>`select count(*) as n from secret_key_check`.execute(handle.db);
        expect(Number(checks.rows[0]?.n)).toBe(1);
        expect(await migrateToLatest(handle)).toEqual([]);
      });

      // A server started later with the same variables starts and leaves the administrator alone.
      const later = await startServerProcess(env);
      expect(later).toMatchObject({ status: 'started' });
      if (later.status === 'started') {
        servers.push(later);
        expect(later.logs().filter((l) => l.level >= warnLevel)).toEqual([]);
        expect(later.logs().some((l) => l.msg?.includes('already exists'))).toBe(true);
      }

      // One with a different password starts too, warns, and never overwrites the stored password.
      const changed = await startServerProcess({ ...env, BOSUN_ADMIN_PASSWORD: otherPassword });
      expect(changed).toMatchObject({ status: 'started' });
      if (changed.status === 'started') {
        servers.push(changed);
        const warnings = changed.logs().filter((l) => l.level >= warnLevel);
        expect(warnings).toEqual([
          expect.objectContaining({
            msg: expect.stringContaining('BOSUN_ADMIN_PASSWORD is not the password of administrator'),
          }),
        ]);
        const whoAmI = '/api/bosun/v1/users/me';
        expect(await getStatus(changed.address, whoAmI, admin.password)).toBe(200);
        expect(await getStatus(changed.address, whoAmI, otherPassword)).toBe(401);
      }
    } finally {
      await stopAll(servers);
      await database.drop();
    }
  });

  it('all start on a database with plain-text webhook secrets: each moves into the secret store once', async () => {
    const database = await freshDatabase(engine, dir);
    const key = MasterKey.generate('webhooks');
    const legacySecrets = ['legacy-secret-one', 'legacy-secret-two', 'legacy-secret-three'];
    const ids = await withHandle(database.uri, async (handle) => {
      await migrateToLatest(handle);
      const inserted: number[] = [];
      for (const [i, secret] of legacySecrets.entries()) {
        const row = await handle.db
          .insertInto('webhook_subscriptions')
          .values({
            model_name: null,
            url: `https://hooks.example.com/${i}`,
            event_types: '[]',
            secret_ref: null,
            legacy_secret: secret,
            active: 1,
            created_at: 1,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        inserted.push(Number(row.id));
      }
      return inserted;
    });
    const env = {
      BOSUN_BACKEND_STORE_URI: database.uri,
      BOSUN_ARTIFACTS_DESTINATION: join(dir, `artifacts-webhooks-${engine}`),
      BOSUN_MASTER_KEY: key.export(),
    };
    const servers: StartedServer[] = [];
    try {
      const starts = await startServerProcesses(concurrentServers, env);
      servers.push(...starts.filter((s): s is StartedServer => s.status === 'started'));
      expectStarted(starts);
      await stopAll(servers.splice(0));

      await withHandle(database.uri, async (handle) => {
        const rows = await handle.db
          .selectFrom('webhook_subscriptions')
          .select(['id', 'secret_ref', 'legacy_secret'])
          .orderBy('id')
          .execute();
        expect(rows.map((r) => ({ id: Number(r.id), ref: r.secret_ref, legacy: r.legacy_secret }))).toEqual(
          ids.map((id) => ({ id, ref: signingSecretPath(id), legacy: null })),
        );
        const store = await SecretStore.open(handle, key);
        for (const [i, id] of ids.entries()) {
          const read = await store.get(signingSecretPath(id));
          expect(read.value).toBe(legacySecrets[i]);
          expect(read.metadata.version).toBe(1);
        }
      });
    } finally {
      await stopAll(servers);
      await database.drop();
    }
  });
});
