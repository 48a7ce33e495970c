import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * An index on `model_versions.storage_location`, for the artifact proxy's question on every upload and delete:
 * which registered versions lie at, above or below a store path (src/registry/artifact-path-versions.ts, by
 * exact matches and by a range of locations sharing a prefix). The range must compare bytes: SQLite's default
 * collation does; on PostgreSQL the index is on the column in the "C" collation (the database's own collation
 * may be locale-aware, where `'a/'` to `'a0'` is not the set of strings starting with `a/`), and the query
 * uses the same expression (src/registry/storage-location-dialect.ts) so the index serves it.
 */
export function modelVersionLocationMigration(handle: Pick<DatabaseHandle, 'engine'>): Migration {
  return {
    async up(db: AnyDb) {
      const column = handle.engine === 'postgres' ? sql`storage_location collate "C"` : sql`storage_location`;
      await db.schema
        .createIndex('model_versions_storage_location')
        .on('model_versions')
        .expression(column)
        .execute();
    },
  };
}
