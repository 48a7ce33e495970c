import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { sql } from 'kysely';
import {
  type Database,
  isUniqueViolation,
  type SecretsTable,
  type SecretTables,
  type SecretVersionsTable,
} from '../../db/index.js';
import {
  BosunError,
  type Clock,
  InvalidParameterError,
  InvalidStateError,
  NotFoundError,
  systemClock,
  type MasterKey,
} from '../../shared/index.js';
import { aad, open, seal } from './cipher.js';
import { SecretCasConflictError, SecretIntegrityError, WrongMasterKeyError } from './errors.js';
import type {
  ConfigureOptions,
  PutOptions,
  RotationResult,
  SecretMetadata,
  SecretRead,
  SecretVersionMetadata,
} from './types.js';

type SecretDb = Kysely<Database & SecretTables>;
type SecretTrx = Transaction<Database & SecretTables>;
type SecretRow = Selectable<SecretsTable>;
type VersionRow = Selectable<SecretVersionsTable>;

export const DEFAULT_MAX_VERSIONS = 10;
export const MAX_VERSIONS_LIMIT = 1000;
export const MAX_PATH_LENGTH = 512;
export const MAX_VALUE_BYTES = 1024 * 1024;
const DATA_KEY_BYTES = 32;
const KEY_CHECK_PLAINTEXT = Buffer.from('bosun secret store key check v1', 'utf8');
const SEGMENT = /^[A-Za-z0-9_.-]+$/;

export interface SecretStoreOptions {
  /** Versions kept per secret unless the secret sets its own; Vault's default is 10. */
  defaultMaxVersions?: number;
  clock?: Clock;
}

/** Checks a secret path (`team/db-password`): segments of [A-Za-z0-9_.-], no `.`/`..`, no empty segment. */
export function validateSecretPath(path: unknown): string {
  if (typeof path !== 'string' || path === '')
    throw new InvalidParameterError('secret path must be a non-empty string');
  if (path.length > MAX_PATH_LENGTH) {
    throw new InvalidParameterError(`secret path must be at most ${MAX_PATH_LENGTH} characters`);
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || !SEGMENT.test(segment)) {
      throw new InvalidParameterError(
        'secret path must be segments of letters, digits, `_`, `.` and `-` separated by single `/` ' +
          '(no leading or trailing `/`, no `.` or `..` segment)',
      );
    }
  }
  return path;
}

function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateSecretPath(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

function validateVersion(version: unknown, what = 'version'): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new InvalidParameterError(`${what} must be a positive integer`);
  }
  return version;
}

function validateVersions(versions: unknown): number[] {
  if (!Array.isArray(versions) || versions.length === 0) {
    throw new InvalidParameterError('versions must be a non-empty list of positive integers');
  }
  if (versions.length > MAX_VERSIONS_LIMIT)
    throw new InvalidParameterError('too many versions in one request');
  return [...new Set(versions.map((v) => validateVersion(v)))];
}

function validateMaxVersions(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_VERSIONS_LIMIT) {
    throw new InvalidParameterError(`maxVersions must be an integer from 0 to ${MAX_VERSIONS_LIMIT}`);
  }
  return value;
}

function versionMetadata(row: VersionRow): SecretVersionMetadata {
  return {
    version: row.version,
    createdTime: row.created_at,
    deletionTime: row.deleted_at,
    destroyed: row.destroyed === 1,
  };
}

/**
 * A versioned key/value secret store with HashiCorp Vault KV v2 semantics, encrypted at rest.
 *
 * Each secret path has its own random 256-bit data key, stored wrapped (AES-256-GCM) under the operator's master
 * key with the path and key id as additional data. Each version's value is sealed with AES-256-GCM under that
 * data key with a fresh 96-bit nonce and (path, version) as additional data, so a ciphertext copied to another
 * row or secret fails to open. Values never appear in errors, in `toString`/`toJSON`, or in listings.
 *
 * Example: `const store = await SecretStore.open(handle, parseMasterKey(text)); await store.put('team/db', 'pw');`
 */
export class SecretStore {
  #key: MasterKey;
  readonly #db: SecretDb;
  readonly #clock: Clock;
  readonly defaultMaxVersions: number;

  private constructor(db: SecretDb, key: MasterKey, defaultMaxVersions: number, clock: Clock) {
    this.#db = db;
    this.#key = key;
    this.defaultMaxVersions = defaultMaxVersions;
    this.#clock = clock;
  }

  /**
   * Opens the store with the operator's master key. The first open records a key check; later opens refuse a
   * different key with `WrongMasterKeyError` before any secret is touched.
   */
  static async open(
    handle: { readonly db: Kysely<Database> },
    key: MasterKey,
    options: SecretStoreOptions = {},
  ): Promise<SecretStore> {
    const defaultMax = options.defaultMaxVersions ?? DEFAULT_MAX_VERSIONS;
    if (validateMaxVersions(defaultMax) === 0) {
      throw new InvalidParameterError('defaultMaxVersions must be at least 1');
    }
    const clock = options.clock ?? systemClock;
    // Until the lead adds SecretTables to Database this widens the type; afterwards it is the same type.
    const db = handle.db as unknown as SecretDb;
    let check = await db.selectFrom('secret_key_check').selectAll().where('id', '=', 1).executeTakeFirst();
    if (!check) {
      const existing = await db.selectFrom('secrets').select('path').limit(1).executeTakeFirst();
      if (existing) {
        throw new WrongMasterKeyError(
          'the secret store holds secrets but its master-key check record is missing; refusing to start',
        );
      }
      try {
        await db
          .insertInto('secret_key_check')
          .values({
            id: 1,
            key_id: key.id,
            check_value: seal(key.bytes(), KEY_CHECK_PLAINTEXT, aad.keyCheck(key.id)),
            updated_at: clock.nowMs(),
          })
          .execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      check = await db
        .selectFrom('secret_key_check')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
    }
    verifyKeyCheck(key, check.key_id, check.check_value);
    return new SecretStore(db, key, defaultMax, clock);
  }

  /** Id of the master key in use (never the key). */
  get keyId(): string {
    return this.#key.id;
  }

  /**
   * Whether the store is still sealed under this process's master key: false once another process rotated it
   * (this one must be restarted with the new key). For readiness reports; reads one row.
   */
  async keyIsCurrent(): Promise<boolean> {
    const row = await this.#db
      .selectFrom('secret_key_check')
      .select('key_id')
      .where('id', '=', 1)
      .executeTakeFirst();
    return row?.key_id === this.#key.id;
  }

  /** Writes a new version of `path` and returns its metadata; `cas` makes it a check-and-set write. */
  async put(path: string, value: string, options: PutOptions = {}): Promise<SecretVersionMetadata> {
    validateSecretPath(path);
    if (typeof value !== 'string') throw new InvalidParameterError('secret value must be a string');
    const plaintext = Buffer.from(value, 'utf8');
    if (plaintext.length > MAX_VALUE_BYTES) {
      throw new InvalidParameterError(`secret value must be at most ${MAX_VALUE_BYTES} bytes`);
    }
    const cas = options.cas;
    if (cas !== undefined && (typeof cas !== 'number' || !Number.isSafeInteger(cas) || cas < 0)) {
      throw new InvalidParameterError('cas must be a non-negative integer');
    }
    return this.#transaction(async (trx) => {
      const now = this.#clock.nowMs();
      let row = await trx.selectFrom('secrets').selectAll().where('path', '=', path).executeTakeFirst();
      let dataKey: Buffer;
      if (!row) {
        if (cas !== undefined && cas !== 0) throw new SecretCasConflictError(path, cas, 0);
        await this.#holdCurrentKey(trx);
        const created = this.#newSecretRow(path, now, 0, false);
        row = created.row;
        dataKey = created.dataKey;
        await trx.insertInto('secrets').values(row).execute();
      } else {
        if (row.cas_required === 1 && cas === undefined) {
          throw new InvalidParameterError(`secret '${path}' requires check-and-set: give cas`);
        }
        if (cas !== undefined && cas !== row.current_version) {
          throw new SecretCasConflictError(path, cas, row.current_version);
        }
        dataKey = this.#unwrap(row);
      }
      const version = row.current_version + 1;
      const updated = await trx
        .updateTable('secrets')
        .set({
          current_version: version,
          oldest_version: row.oldest_version === 0 ? version : row.oldest_version,
          updated_at: now,
        })
        .where('path', '=', path)
        .where('current_version', '=', row.current_version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        throw new SecretCasConflictError(path, cas ?? row.current_version, null);
      }
      const versionRow: VersionRow = {
        path,
        version,
        created_at: now,
        deleted_at: null,
        destroyed: 0,
        ciphertext: seal(dataKey, plaintext, aad.value(path, version)),
      };
      await trx.insertInto('secret_versions').values(versionRow).execute();
      await this.#prune(trx, path, version, this.#maxFor(row));
      return versionMetadata(versionRow);
    });
  }

  /** Reads the current version, or `version`. A soft-deleted or destroyed version reads as `value: null`. */
  async get(path: string, version?: number): Promise<SecretRead> {
    validateSecretPath(path);
    if (version !== undefined) validateVersion(version);
    const row = await this.#db.selectFrom('secrets').selectAll().where('path', '=', path).executeTakeFirst();
    if (!row || row.current_version === 0) throw new NotFoundError(`secret '${path}' does not exist`);
    const wanted = version ?? row.current_version;
    const versionRow = await this.#db
      .selectFrom('secret_versions')
      .selectAll()
      .where('path', '=', path)
      .where('version', '=', wanted)
      .executeTakeFirst();
    if (!versionRow) throw new NotFoundError(`secret '${path}' has no version ${wanted}`);
    const metadata = versionMetadata(versionRow);
    if (versionRow.deleted_at !== null || versionRow.destroyed === 1 || versionRow.ciphertext === null) {
      return { path, value: null, metadata };
    }
    const plaintext = open(this.#unwrap(row), versionRow.ciphertext, aad.value(path, wanted));
    if (!plaintext) {
      throw new SecretIntegrityError(`secret '${path}' version ${wanted} failed its integrity check`);
    }
    return { path, value: plaintext.toString('utf8'), metadata };
  }

  /** Metadata of a secret and of every version it keeps; never values. */
  async getMetadata(path: string): Promise<SecretMetadata> {
    validateSecretPath(path);
    const row = await this.#db.selectFrom('secrets').selectAll().where('path', '=', path).executeTakeFirst();
    if (!row) throw new NotFoundError(`secret '${path}' does not exist`);
    const versions = await this.#db
      .selectFrom('secret_versions')
      .selectAll()
      .where('path', '=', path)
      .orderBy('version')
      .execute();
    return {
      path,
      currentVersion: row.current_version,
      oldestVersion: row.oldest_version,
      createdTime: row.created_at,
      updatedTime: row.updated_at,
      maxVersions: row.max_versions,
      effectiveMaxVersions: this.#maxFor(row),
      casRequired: row.cas_required === 1,
      versions: versions.map(versionMetadata),
    };
  }

  /**
   * Sets per-secret settings (Vault's `metadata` write). Creates the path without a version if it does not
   * exist; lowering `maxVersions` removes the versions beyond it at once.
   */
  async configure(path: string, options: ConfigureOptions): Promise<SecretMetadata> {
    validateSecretPath(path);
    const maxVersions =
      options.maxVersions === undefined ? undefined : validateMaxVersions(options.maxVersions);
    if (options.casRequired !== undefined && typeof options.casRequired !== 'boolean') {
      throw new InvalidParameterError('casRequired must be a boolean');
    }
    await this.#transaction(async (trx) => {
      const now = this.#clock.nowMs();
      let row = await trx.selectFrom('secrets').selectAll().where('path', '=', path).executeTakeFirst();
      if (!row) {
        await this.#holdCurrentKey(trx);
        row = this.#newSecretRow(path, now, maxVersions ?? 0, options.casRequired ?? false).row;
        await trx.insertInto('secrets').values(row).execute();
        return;
      }
      const next = {
        max_versions: maxVersions ?? row.max_versions,
        cas_required: options.casRequired === undefined ? row.cas_required : options.casRequired ? 1 : 0,
        updated_at: now,
      };
      await trx.updateTable('secrets').set(next).where('path', '=', path).execute();
      await this.#prune(trx, path, row.current_version, this.#maxFor({ ...row, ...next }));
    });
    return this.getMetadata(path);
  }

  /** Soft-deletes versions (default: the current one). Their data stays and `undelete` restores it. */
  async delete(path: string, versions?: number[]): Promise<void> {
    validateSecretPath(path);
    const list = versions === undefined ? undefined : validateVersions(versions);
    await this.#transaction(async (trx) => {
      const row = await this.#existing(trx, path);
      const targets = list ?? (row.current_version > 0 ? [row.current_version] : []);
      if (targets.length === 0) return;
      const now = this.#clock.nowMs();
      await trx
        .updateTable('secret_versions')
        .set({ deleted_at: now })
        .where('path', '=', path)
        .where('version', 'in', targets)
        .where('deleted_at', 'is', null)
        .where('destroyed', '=', 0)
        .execute();
      await trx.updateTable('secrets').set({ updated_at: now }).where('path', '=', path).execute();
    });
  }

  /** Restores soft-deleted versions. Destroyed versions stay destroyed. */
  async undelete(path: string, versions: number[]): Promise<void> {
    validateSecretPath(path);
    const list = validateVersions(versions);
    await this.#transaction(async (trx) => {
      await this.#existing(trx, path);
      await trx
        .updateTable('secret_versions')
        .set({ deleted_at: null })
        .where('path', '=', path)
        .where('version', 'in', list)
        .where('destroyed', '=', 0)
        .execute();
      await trx
        .updateTable('secrets')
        .set({ updated_at: this.#clock.nowMs() })
        .where('path', '=', path)
        .execute();
    });
  }

  /** Erases the values of versions irrecoverably; their metadata remains with `destroyed: true`. */
  async destroy(path: string, versions: number[]): Promise<void> {
    validateSecretPath(path);
    const list = validateVersions(versions);
    await this.#transaction(async (trx) => {
      await this.#existing(trx, path);
      await trx
        .updateTable('secret_versions')
        .set({ destroyed: 1, ciphertext: null })
        .where('path', '=', path)
        .where('version', 'in', list)
        .execute();
      await trx
        .updateTable('secrets')
        .set({ updated_at: this.#clock.nowMs() })
        .where('path', '=', path)
        .execute();
    });
  }

  /** Removes a secret, every version and its data key permanently (Vault's `DELETE metadata/<path>`). */
  async deleteMetadata(path: string): Promise<void> {
    validateSecretPath(path);
    await this.#transaction(async (trx) => {
      await this.#existing(trx, path);
      await trx.deleteFrom('secret_versions').where('path', '=', path).execute();
      await trx.deleteFrom('secrets').where('path', '=', path).execute();
    });
  }

  /** Paths of every secret whose path starts with `prefix` (e.g. `team/`), sorted. Never values. */
  async list(prefix = ''): Promise<string[]> {
    if (typeof prefix !== 'string') throw new InvalidParameterError('prefix must be a string');
    validatePrefix(prefix);
    let query = this.#db.selectFrom('secrets').select('path').orderBy('path');
    if (prefix !== '') query = query.where(sql<string>`substr(path, 1, ${prefix.length})`, '=', prefix);
    const rows = await query.execute();
    return rows.map((r) => r.path);
  }

  /**
   * Re-wraps every data key under `newKey` and replaces the key check, in one transaction. Values are not
   * re-encrypted (their data keys do not change). Afterwards only `newKey` opens the store.
   */
  async rotateMasterKey(newKey: MasterKey): Promise<RotationResult> {
    const oldKey = this.#key;
    if (newKey.id === oldKey.id) {
      throw new InvalidParameterError(
        `the new master key has the same id as the current one ('${oldKey.id}')`,
      );
    }
    const rewrapped = await this.#transaction(async (trx) => {
      const now = this.#clock.nowMs();
      // Updating the check row first locks it, so two rotations cannot interleave.
      const claimed = await trx
        .updateTable('secret_key_check')
        .set({
          key_id: newKey.id,
          check_value: seal(newKey.bytes(), KEY_CHECK_PLAINTEXT, aad.keyCheck(newKey.id)),
          updated_at: now,
        })
        .where('id', '=', 1)
        .where('key_id', '=', oldKey.id)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) {
        throw new WrongMasterKeyError(
          `the master key '${oldKey.id}' is no longer the store's key (rotated by another process?); ` +
            'restart with the current key',
        );
      }
      const rows = await trx.selectFrom('secrets').selectAll().orderBy('path').execute();
      for (const row of rows) {
        const dataKey = this.#unwrap(row);
        await trx
          .updateTable('secrets')
          .set({
            key_id: newKey.id,
            wrapped_key: seal(newKey.bytes(), dataKey, aad.dataKey(row.path, newKey.id)),
          })
          .where('path', '=', row.path)
          .where('key_id', '=', oldKey.id)
          .execute();
      }
      return rows.length;
    });
    this.#key = newKey;
    return { previousKeyId: oldKey.id, keyId: newKey.id, rewrapped };
  }

  toString(): string {
    return `SecretStore(key ${this.#key.id})`;
  }

  toJSON(): { keyId: string; defaultMaxVersions: number } {
    return { keyId: this.#key.id, defaultMaxVersions: this.defaultMaxVersions };
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /**
   * Before a new path's data key is wrapped under this process's key: refuses when another process rotated the
   * store meanwhile (the row would be sealed under a key no current process holds) and, on PostgreSQL, locks
   * the key check until the transaction ends, so a rotation waits for it and then re-wraps its row too.
   */
  async #holdCurrentKey(trx: SecretTrx): Promise<void> {
    const held = await trx
      .updateTable('secret_key_check')
      .set((eb) => ({ key_id: eb.ref('key_id') }))
      .where('id', '=', 1)
      .where('key_id', '=', this.#key.id)
      .executeTakeFirst();
    if (Number(held.numUpdatedRows) !== 1) {
      throw new WrongMasterKeyError(
        `the master key '${this.#key.id}' is no longer the store's key (rotated by another process?); ` +
          'restart with the current key',
      );
    }
  }

  #newSecretRow(
    path: string,
    now: number,
    maxVersions: number,
    casRequired: boolean,
  ): { row: SecretRow; dataKey: Buffer } {
    const dataKey = randomBytes(DATA_KEY_BYTES);
    const key = this.#key;
    return {
      dataKey,
      row: {
        path,
        current_version: 0,
        oldest_version: 0,
        max_versions: maxVersions,
        cas_required: casRequired ? 1 : 0,
        created_at: now,
        updated_at: now,
        key_id: key.id,
        wrapped_key: seal(key.bytes(), dataKey, aad.dataKey(path, key.id)),
      },
    };
  }

  #unwrap(row: SecretRow): Buffer {
    const key = this.#key;
    if (row.key_id !== key.id) {
      throw new WrongMasterKeyError(
        `secret '${row.path}' is sealed under master key '${row.key_id}', not '${key.id}' ` +
          '(the key was rotated by another process?); restart with the current key',
      );
    }
    const dataKey = open(key.bytes(), row.wrapped_key, aad.dataKey(row.path, key.id));
    if (!dataKey)
      throw new SecretIntegrityError(`the data key of secret '${row.path}' failed its integrity check`);
    return dataKey;
  }

  #maxFor(row: Pick<SecretRow, 'max_versions'>): number {
    return row.max_versions > 0 ? row.max_versions : this.defaultMaxVersions;
  }

  async #existing(trx: SecretTrx, path: string): Promise<SecretRow> {
    const row = await trx.selectFrom('secrets').selectAll().where('path', '=', path).executeTakeFirst();
    if (!row) throw new NotFoundError(`secret '${path}' does not exist`);
    return row;
  }

  /** Removes versions older than the newest `keep`, and moves `oldest_version` up. */
  async #prune(trx: SecretTrx, path: string, current: number, keep: number): Promise<void> {
    const cutoff = current - keep;
    if (cutoff < 1) return;
    await trx.deleteFrom('secret_versions').where('path', '=', path).where('version', '<=', cutoff).execute();
    await trx
      .updateTable('secrets')
      .set({ oldest_version: cutoff + 1 })
      .where('path', '=', path)
      .where('oldest_version', '<=', cutoff)
      .execute();
  }

  async #transaction<T>(fn: (trx: SecretTrx) => Promise<T>): Promise<T> {
    try {
      return await this.#db.transaction().execute(fn);
    } catch (error) {
      if (error instanceof BosunError) throw error;
      if (isUniqueViolation(error)) {
        throw new InvalidStateError('a concurrent write to the same secret won; read it again and retry');
      }
      throw error;
    }
  }
}

function verifyKeyCheck(key: MasterKey, storedKeyId: string, checkValue: string): void {
  if (storedKeyId !== key.id) {
    throw new WrongMasterKeyError(
      `wrong master key: the secret store is sealed with master key '${storedKeyId}', but key '${key.id}' was ` +
        'given. Supply the key the store was sealed with (after a rotation, the new key).',
    );
  }
  const opened = open(key.bytes(), checkValue, aad.keyCheck(key.id));
  if (!opened || !opened.equals(KEY_CHECK_PLAINTEXT)) {
    throw new WrongMasterKeyError(
      `wrong master key: key '${key.id}' does not open the secret store's key check. ` +
        'Supply the key the store was sealed with.',
    );
  }
}
