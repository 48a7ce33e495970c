import { PostgresAdapter, sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * The only place in the registry that knows which engine it talks to: how `model_versions.storage_location`
 * is compared so that a range of locations is the set of locations sharing a prefix, and so that the index
 * `model_versions_storage_location` (migration 0011) serves the comparison.
 *
 * SQLite compares text by bytes (the BINARY collation, the column's). PostgreSQL compares by the database's
 * collation, which may be locale-aware (in `en_US`, `'a/' <= 'A/b' < 'a0'` and punctuation may weigh less than
 * letters); the "C" collation compares bytes, and the index is built on exactly that expression.
 */
export interface StorageLocationDialect {
  /** `location` as a byte-ordered string: the expression the storage-location index is built on. */
  byteOrdered(location: Expression<string>): RawBuilder<string>;
}

const postgres: StorageLocationDialect = {
  byteOrdered: (location) => sql<string>`(${location} collate "C")`,
};

const sqlite: StorageLocationDialect = {
  byteOrdered: (location) => sql<string>`${location}`,
};

export function storageLocationDialectOf(db: Kysely<Database>): StorageLocationDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}
