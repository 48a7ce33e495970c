import type { Kysely, Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/** The encrypted secret store: secret metadata and wrapped data keys, versions, and the master-key check row. */
export function secretsMigration(_handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('secrets')
        .addColumn('path', 'text', (c) => c.primaryKey())
        .addColumn('current_version', 'integer', (c) => c.notNull())
        .addColumn('oldest_version', 'integer', (c) => c.notNull())
        .addColumn('max_versions', 'integer', (c) => c.notNull())
        .addColumn('cas_required', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('secret_versions')
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .addColumn('destroyed', 'integer', (c) => c.notNull())
        .addColumn('ciphertext', 'text')
        .addPrimaryKeyConstraint('secret_versions_pk', ['path', 'version'])
        .execute();

      await db.schema
        .createTable('secret_key_check')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('check_value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
