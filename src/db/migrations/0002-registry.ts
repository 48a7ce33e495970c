import type { Kysely, Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * The model registry: registered models (with a version counter, so numbers are allocated atomically and never
 * reused), their versions, tags and aliases. Rows are tied by the model's surrogate id, so a rename is one update.
 */
export function registryMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('registered_models')
        .addColumn('registered_model_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('registered_model_tags')
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_tags_pk', ['registered_model_id', 'key'])
        .execute();

      await db.schema
        .createTable('model_versions')
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('storage_location', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('run_link', 'text')
        .addColumn('logged_model_id', 'text')
        .addColumn('current_stage', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_versions_pk', ['registered_model_id', 'version'])
        .execute();
      await db.schema.createIndex('model_versions_run').on('model_versions').column('run_id').execute();
      await db.schema
        .createIndex('model_versions_logged_model')
        .on('model_versions')
        .column('logged_model_id')
        .execute();
      await db.schema
        .createIndex('model_versions_updated')
        .on('model_versions')
        .column('last_updated_time')
        .execute();

      await db.schema
        .createTable('model_version_tags')
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_version_tags_pk', ['registered_model_id', 'version', 'key'])
        .execute();

      await db.schema
        .createTable('registered_model_aliases')
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_aliases_pk', ['registered_model_id', 'alias'])
        .execute();
    },
  };
}
