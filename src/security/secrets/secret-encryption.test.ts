import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { SecretTables } from '../../db/schema-secrets.js';
import { InvalidParameterError } from '../../shared/errors.js';
import { SecretIntegrityError, WrongMasterKeyError } from './errors.js';
import { MasterKey, parseMasterKey } from '../../shared/index.js';
import { SecretStore } from './secret-store.js';
import { openSecretsTestDatabase } from './test-support/secrets-test-db.js';

const PLAINTEXT = 'correct-horse-battery-staple-0123456789';

describe.each(testEngines)('SecretStore encryption on %s', (engine) => {
  let database: TestDatabase;
  let key: MasterKey;
  let store: SecretStore;

  beforeEach(async () => {
    database = await openSecretsTestDatabase(engine);
    key = MasterKey.generate();
    store = await SecretStore.open(database.handle, key);
  });
  afterEach(async () => {
    await database.dispose();
  });

  function raw(): Kysely<SecretTables> {
    return database.handle.db as unknown as Kysely<SecretTables>;
  }

  async function dump(): Promise<string> {
    const db = raw();
    const rows = [
      ...(await db.selectFrom('secrets').selectAll().execute()),
      ...(await db.selectFrom('secret_versions').selectAll().execute()),
      ...(await db.selectFrom('secret_key_check').selectAll().execute()),
    ];
    return JSON.stringify(rows);
  }

  async function versionCiphertext(path: string, version: number): Promise<string> {
    const row = await raw()
      .selectFrom('secret_versions')
      .select('ciphertext')
      .where('path', '=', path)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    if (row.ciphertext === null) throw new Error('no ciphertext');
    return row.ciphertext;
  }

  async function setCiphertext(path: string, version: number, ciphertext: string): Promise<void> {
    await raw()
      .updateTable('secret_versions')
      .set({ ciphertext })
      .where('path', '=', path)
      .where('version', '=', version)
      .execute();
  }

  it('stores no plaintext value or key material in the database', async () => {
    await store.put('team/db-password', PLAINTEXT);
    await store.put('team/db-password', PLAINTEXT);
    const text = await dump();
    expect(text).not.toContain(PLAINTEXT);
    expect(text).not.toContain(Buffer.from(PLAINTEXT).toString('base64').slice(0, 24));
    expect(text).not.toContain(Buffer.from(PLAINTEXT).toString('hex').slice(0, 24));
    expect(text).not.toContain(key.export().split(':')[1]);
    // A fresh nonce per value: the same plaintext twice gives different ciphertexts.
    expect(await versionCiphertext('team/db-password', 1)).not.toBe(
      await versionCiphertext('team/db-password', 2),
    );
  });

  it('detects a flipped byte in a stored ciphertext', async () => {
    await store.put('t/k', PLAINTEXT);
    const sealed = Buffer.from(await versionCiphertext('t/k', 1), 'base64');
    sealed[20] = (sealed[20] ?? 0) ^ 0x01;
    await setCiphertext('t/k', 1, sealed.toString('base64'));
    const error = await store.get('t/k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretIntegrityError);
    expect(String(error)).not.toContain(PLAINTEXT);
    await setCiphertext('t/k', 1, 'AAAA');
    await expect(store.get('t/k')).rejects.toBeInstanceOf(SecretIntegrityError);
  });

  it('detects two versions of one secret swapping their values (AAD binds the version)', async () => {
    await store.put('t/k', 'value-one');
    await store.put('t/k', 'value-two');
    const one = await versionCiphertext('t/k', 1);
    const two = await versionCiphertext('t/k', 2);
    await setCiphertext('t/k', 1, two);
    await setCiphertext('t/k', 2, one);
    await expect(store.get('t/k', 1)).rejects.toBeInstanceOf(SecretIntegrityError);
    await expect(store.get('t/k', 2)).rejects.toBeInstanceOf(SecretIntegrityError);
  });

  it('detects values or wrapped data keys copied between secrets (AAD binds the path)', async () => {
    await store.put('t/a', 'value-a');
    await store.put('t/b', 'value-b');
    // Same data key, other path: copy both the wrapped key and the value of a onto b.
    const a = await raw()
      .selectFrom('secrets')
      .selectAll()
      .where('path', '=', 't/a')
      .executeTakeFirstOrThrow();
    await raw()
      .updateTable('secrets')
      .set({ wrapped_key: a.wrapped_key })
      .where('path', '=', 't/b')
      .execute();
    await setCiphertext('t/b', 1, await versionCiphertext('t/a', 1));
    await expect(store.get('t/b')).rejects.toBeInstanceOf(SecretIntegrityError);
    expect((await store.get('t/a')).value).toBe('value-a');
  });

  it('refuses a wrong master key at start, with a clear typed error', async () => {
    await store.put('w/k', PLAINTEXT);
    const wrong = await SecretStore.open(database.handle, MasterKey.generate()).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(WrongMasterKeyError);
    expect((wrong as WrongMasterKeyError).code).toBe('INVALID_STATE');
    expect((wrong as Error).message).toMatch(/wrong master key/);
    expect((wrong as Error).message).toContain(key.id);

    // Same id, other bytes: the key check catches it.
    const impostor = MasterKey.generate(key.id);
    const error = await SecretStore.open(database.handle, impostor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongMasterKeyError);
    expect((error as Error).message).toMatch(/does not open the secret store's key check/);

    const reopened = await SecretStore.open(database.handle, parseMasterKey(key.export()));
    expect((await reopened.get('w/k')).value).toBe(PLAINTEXT);
  });

  it('rotates the master key: every version stays readable, values are not re-encrypted, the old key is refused', async () => {
    const expected = new Map<string, string[]>();
    for (const path of ['r/a', 'r/b/c', 'r/d']) {
      const values = [1, 2, 3].map((i) => `${path}-value-${i}`);
      for (const v of values) await store.put(path, v);
      expected.set(path, values);
    }
    await store.delete('r/a', [2]);
    await store.configure('r/meta-only', { maxVersions: 4 });
    const before = await raw()
      .selectFrom('secret_versions')
      .selectAll()
      .orderBy('path')
      .orderBy('version')
      .execute();
    const wrappedBefore = await raw()
      .selectFrom('secrets')
      .select(['path', 'wrapped_key'])
      .orderBy('path')
      .execute();

    const newKey = MasterKey.generate('rotated');
    const result = await store.rotateMasterKey(newKey);
    expect(result).toEqual({ previousKeyId: key.id, keyId: 'rotated', rewrapped: 4 });
    expect(store.keyId).toBe('rotated');

    const after = await raw()
      .selectFrom('secret_versions')
      .selectAll()
      .orderBy('path')
      .orderBy('version')
      .execute();
    expect(after).toEqual(before);
    const wrappedAfter = await raw()
      .selectFrom('secrets')
      .select(['path', 'wrapped_key', 'key_id'])
      .execute();
    for (const row of wrappedAfter) {
      expect(row.key_id).toBe('rotated');
      expect(wrappedBefore.find((w) => w.path === row.path)?.wrapped_key).not.toBe(row.wrapped_key);
    }

    for (const s of [store, await SecretStore.open(database.handle, newKey)]) {
      for (const [path, values] of expected) {
        for (const [i, v] of values.entries()) {
          const read = await s.get(path, i + 1);
          if (path === 'r/a' && i === 1) {
            expect(read.value).toBeNull();
          } else {
            expect(read.value).toBe(v);
          }
        }
      }
    }
    await store.undelete('r/a', [2]);
    expect((await store.get('r/a', 2)).value).toBe('r/a-value-2');
    await store.put('r/meta-only', 'after rotation');
    expect((await store.get('r/meta-only')).value).toBe('after rotation');

    await expect(SecretStore.open(database.handle, key)).rejects.toBeInstanceOf(WrongMasterKeyError);
    await expect(store.rotateMasterKey(newKey)).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('a store still holding the old key after another process rotated refuses to work', async () => {
    await store.put('s/k', PLAINTEXT);
    const other = await SecretStore.open(database.handle, key);
    await other.rotateMasterKey(MasterKey.generate('next'));
    await expect(store.get('s/k')).rejects.toBeInstanceOf(WrongMasterKeyError);
    await expect(store.rotateMasterKey(MasterKey.generate('third'))).rejects.toBeInstanceOf(
      WrongMasterKeyError,
    );
    expect((await other.get('s/k')).value).toBe(PLAINTEXT);
  });

  it('a replica still holding the old key after another rotated cannot create secrets under it (and knows it is stale)', async () => {
    const replica = await SecretStore.open(database.handle, key);
    expect(await replica.keyIsCurrent()).toBe(true);
    await store.rotateMasterKey(MasterKey.generate('next'));
    expect(await replica.keyIsCurrent()).toBe(false);
    expect(await store.keyIsCurrent()).toBe(true);
    // New paths (a webhook created through the stale replica) would be sealed under a key nobody holds now.
    await expect(replica.put('new/path', PLAINTEXT)).rejects.toBeInstanceOf(WrongMasterKeyError);
    await expect(replica.configure('new/settings', { maxVersions: 2 })).rejects.toBeInstanceOf(
      WrongMasterKeyError,
    );
    expect(await store.list('new/')).toEqual([]);
    await store.put('new/path', PLAINTEXT);
    expect((await store.get('new/path')).value).toBe(PLAINTEXT);
  });

  it('rotation failing midway changes nothing', async () => {
    await store.put('f/a', 'a');
    await store.put('f/b', 'b');
    // Corrupt b's wrapped key: rotation must fail and roll back a's re-wrap and the key check.
    await raw().updateTable('secrets').set({ wrapped_key: 'AAAA' }).where('path', '=', 'f/b').execute();
    await expect(store.rotateMasterKey(MasterKey.generate('new'))).rejects.toBeInstanceOf(
      SecretIntegrityError,
    );
    expect(store.keyId).toBe(key.id);
    expect((await store.get('f/a')).value).toBe('a');
    expect((await SecretStore.open(database.handle, key)).keyId).toBe(key.id);
  });
});
