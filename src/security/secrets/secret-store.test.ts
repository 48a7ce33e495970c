import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { SecretTables } from '../../db/schema-secrets.js';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/errors.js';
import { SecretCasConflictError } from './errors.js';
import { MasterKey } from '../../shared/index.js';
import { SecretStore } from './secret-store.js';
import { ensureSecretsSchema, openSecretsTestDatabase } from './test-support/secrets-test-db.js';

const SECRET = 'hunter2-very-secret-value';

describe.each(testEngines)('SecretStore KV v2 on %s', (engine) => {
  let database: TestDatabase;
  let store: SecretStore;
  let now: number;
  const clock = { nowMs: () => now };

  beforeEach(async () => {
    database = await openSecretsTestDatabase(engine);
    now = 1_700_000_000_000;
    store = await SecretStore.open(database.handle, MasterKey.generate('test-key'), {
      clock,
      defaultMaxVersions: 3,
    });
  });
  afterEach(async () => {
    await database.dispose();
  });

  function raw(): Kysely<SecretTables> {
    return database.handle.db as unknown as Kysely<SecretTables>;
  }

  it('applies its schema idempotently', async () => {
    await ensureSecretsSchema(database.handle);
    expect(await store.list()).toEqual([]);
  });

  it('creates a new version on each write and reads the latest or a given version', async () => {
    expect((await store.put('team/db-password', 'one')).version).toBe(1);
    now += 10;
    expect((await store.put('team/db-password', 'two')).version).toBe(2);
    now += 10;
    const third = await store.put('team/db-password', 'three');
    expect(third).toEqual({ version: 3, createdTime: now, deletionTime: null, destroyed: false });

    const latest = await store.get('team/db-password');
    expect(latest.value).toBe('three');
    expect(latest.metadata.version).toBe(3);
    expect((await store.get('team/db-password', 1)).value).toBe('one');
    expect((await store.get('team/db-password', 2)).value).toBe('two');
    await expect(store.get('team/db-password', 4)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('team/missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps unicode and empty values intact', async () => {
    await store.put('a/unicode', 'pässwörd ✓ 🔑');
    await store.put('a/empty', '');
    expect((await store.get('a/unicode')).value).toBe('pässwörd ✓ 🔑');
    expect((await store.get('a/empty')).value).toBe('');
  });

  it('removes versions beyond the default maxVersions', async () => {
    for (let i = 1; i <= 5; i++) await store.put('p/x', `v${i}`);
    const meta = await store.getMetadata('p/x');
    expect(meta.currentVersion).toBe(5);
    expect(meta.oldestVersion).toBe(3);
    expect(meta.effectiveMaxVersions).toBe(3);
    expect(meta.versions.map((v) => v.version)).toEqual([3, 4, 5]);
    await expect(store.get('p/x', 2)).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.get('p/x', 3)).value).toBe('v3');
    const rows = await raw()
      .selectFrom('secret_versions')
      .select('version')
      .where('path', '=', 'p/x')
      .execute();
    expect(rows.map((r) => r.version).sort()).toEqual([3, 4, 5]);
  });

  it('honours a per-secret maxVersions, pruning at once when lowered', async () => {
    await store.configure('p/y', { maxVersions: 5 });
    for (let i = 1; i <= 5; i++) await store.put('p/y', `v${i}`);
    expect((await store.getMetadata('p/y')).versions).toHaveLength(5);
    const meta = await store.configure('p/y', { maxVersions: 2 });
    expect(meta.maxVersions).toBe(2);
    expect(meta.versions.map((v) => v.version)).toEqual([4, 5]);
    expect(meta.oldestVersion).toBe(4);
    await store.put('p/y', 'v6');
    expect((await store.getMetadata('p/y')).versions.map((v) => v.version)).toEqual([5, 6]);
    await expect(store.configure('p/y', { maxVersions: -1 })).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('check-and-set: cas 0 only when absent, cas n only at version n', async () => {
    expect((await store.put('c/k', 'first', { cas: 0 })).version).toBe(1);
    const conflict = await store.put('c/k', 'again', { cas: 0 }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(SecretCasConflictError);
    expect((conflict as BosunError).code).toBe('INVALID_STATE');
    expect((conflict as Error).message).toContain('check-and-set');
    await expect(store.put('c/k', 'stale', { cas: 2 })).rejects.toBeInstanceOf(SecretCasConflictError);
    expect((await store.put('c/k', 'second', { cas: 1 })).version).toBe(2);
    await expect(store.put('c/new', 'x', { cas: 3 })).rejects.toBeInstanceOf(SecretCasConflictError);
    await expect(store.get('c/new')).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.get('c/k')).value).toBe('second');
    await expect(store.put('c/k', 'x', { cas: -1 })).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('casRequired makes cas mandatory', async () => {
    await store.configure('c/strict', { casRequired: true });
    await expect(store.put('c/strict', 'x')).rejects.toBeInstanceOf(InvalidParameterError);
    expect((await store.put('c/strict', 'x', { cas: 0 })).version).toBe(1);
    expect((await store.getMetadata('c/strict')).casRequired).toBe(true);
  });

  it('concurrent cas writes: exactly one wins', async () => {
    await store.put('c/race', 'base');
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((i) => store.put('c/race', `writer-${i}`, { cas: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as BosunError).code).toBe('INVALID_STATE');
    }
    expect((await store.getMetadata('c/race')).currentVersion).toBe(2);
  });

  it('soft delete hides the value but keeps metadata; undelete restores it', async () => {
    await store.put('d/k', 'v1');
    await store.put('d/k', 'v2');
    now += 1000;
    await store.delete('d/k');
    const read = await store.get('d/k');
    expect(read.value).toBeNull();
    expect(read.metadata).toEqual({
      version: 2,
      createdTime: now - 1000,
      deletionTime: now,
      destroyed: false,
    });
    expect((await store.get('d/k', 1)).value).toBe('v1');

    await store.delete('d/k', [1]);
    const meta = await store.getMetadata('d/k');
    expect(meta.versions.map((v) => v.deletionTime)).toEqual([now, now]);

    await store.undelete('d/k', [1, 2]);
    expect((await store.get('d/k')).value).toBe('v2');
    expect((await store.get('d/k', 1)).value).toBe('v1');
    expect((await store.getMetadata('d/k')).versions.every((v) => v.deletionTime === null)).toBe(true);
    await expect(store.undelete('d/k', [])).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.delete('d/none')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('destroy erases the value irrecoverably', async () => {
    await store.put('x/k', 'keep');
    await store.put('x/k', SECRET);
    await store.delete('x/k', [2]);
    await store.destroy('x/k', [2]);
    await store.undelete('x/k', [2]);
    const read = await store.get('x/k', 2);
    expect(read.value).toBeNull();
    expect(read.metadata.destroyed).toBe(true);
    const row = await raw()
      .selectFrom('secret_versions')
      .selectAll()
      .where('path', '=', 'x/k')
      .where('version', '=', 2)
      .executeTakeFirstOrThrow();
    expect(row.ciphertext).toBeNull();
    expect(row.destroyed).toBe(1);
    expect((await store.get('x/k', 1)).value).toBe('keep');
  });

  it('metadata has times, current version and per-version flags', async () => {
    const t0 = now;
    await store.put('m/k', 'a');
    now += 5;
    await store.put('m/k', 'b');
    now += 5;
    await store.put('m/k', 'c');
    await store.delete('m/k', [1]);
    await store.destroy('m/k', [2]);
    const meta = await store.getMetadata('m/k');
    expect(meta).toMatchObject({
      path: 'm/k',
      currentVersion: 3,
      oldestVersion: 1,
      createdTime: t0,
      updatedTime: now,
      maxVersions: 0,
      casRequired: false,
    });
    expect(meta.versions).toEqual([
      { version: 1, createdTime: t0, deletionTime: now, destroyed: false },
      { version: 2, createdTime: t0 + 5, deletionTime: null, destroyed: true },
      { version: 3, createdTime: t0 + 10, deletionTime: null, destroyed: false },
    ]);
    expect(JSON.stringify(meta)).not.toMatch(/"value"/);
  });

  it('lists paths under a prefix without values', async () => {
    await store.put('team/db-password', SECRET);
    await store.put('team/api/token', SECRET);
    await store.put('teamx/other', SECRET);
    await store.put('solo', SECRET);
    expect(await store.list('team/')).toEqual(['team/api/token', 'team/db-password']);
    expect(await store.list('team/api/')).toEqual(['team/api/token']);
    expect(await store.list()).toEqual(['solo', 'team/api/token', 'team/db-password', 'teamx/other']);
    expect(JSON.stringify(await store.list())).not.toContain(SECRET);
    await expect(store.list('../')).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('deleteMetadata removes every version and the key', async () => {
    await store.put('r/k', 'a');
    await store.put('r/k', 'b');
    await store.deleteMetadata('r/k');
    await expect(store.get('r/k')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.getMetadata('r/k')).rejects.toBeInstanceOf(NotFoundError);
    expect(await raw().selectFrom('secret_versions').selectAll().where('path', '=', 'r/k').execute()).toEqual(
      [],
    );
    expect((await store.put('r/k', 'fresh')).version).toBe(1);
  });

  it('refuses bad paths, versions and values with typed errors', async () => {
    for (const path of [
      '',
      '/a',
      'a/',
      'a//b',
      '../etc',
      'a/../b',
      'a/./b',
      'a b',
      'a\0b',
      'x'.repeat(600),
    ]) {
      await expect(store.put(path, 'v')).rejects.toBeInstanceOf(InvalidParameterError);
    }
    await store.put('ok/k', 'v');
    await expect(store.get('ok/k', 0)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.get('ok/k', 1.5)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.destroy('ok/k', [-1])).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.put('ok/k', 'x'.repeat(1024 * 1024 + 1))).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
  });

  it('never shows values or the master key in errors, toString, JSON or inspect', async () => {
    const key = MasterKey.generate('shown-key');
    const exported = key.export();
    const base64 = exported.slice(exported.indexOf(':') + 1);
    const other = await openSecretsTestDatabase(engine);
    try {
      const s = await SecretStore.open(other.handle, key);
      await s.put('leak/k', SECRET);
      const error = await s.put('leak/k', SECRET, { cas: 7 }).catch((e: unknown) => e);
      const texts = [
        String(s),
        JSON.stringify(s),
        inspect(s, { showHidden: true, depth: 5 }),
        String(key),
        JSON.stringify(key),
        inspect(key, { showHidden: true, depth: 5 }),
        String(error),
        JSON.stringify(error),
        inspect(error),
      ];
      for (const text of texts) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(base64);
      }
      expect(String(s)).toContain('shown-key');
    } finally {
      await other.dispose();
    }
  });
});
