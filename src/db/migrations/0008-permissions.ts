import type { Kysely, Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Per-user permissions on experiments (by id) and registered models (by name). A user has at most one grant per
 * resource; deleting the user deletes their grants.
 */
export function permissionsMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('resource_permissions')
        .addColumn('id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('permission', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('resource_permissions_kind_resource_user', ['kind', 'resource', 'user_id'])
        .execute();
      await db.schema
        .createIndex('resource_permissions_user')
        .on('resource_permissions')
        .column('user_id')
        .execute();
    },
  };
}
