import type { Insertable, Kysely } from 'kysely';
import type { Database, MetricsTable } from './schema.js';

export type NewMetricRow = Insertable<MetricsTable>;

/**
 * Engine-specific writers for the ingestion hot path. They must be called inside a transaction opened on the
 * same handle (they write on the transaction's connection); a handle without one uses plain Kysely queries.
 */
export interface BulkWriter {
  insertMetrics(rows: NewMetricRow[]): Promise<void>;
}

/** Which SQL engine sits behind a handle. Only files in `db/` look at it. */
export type Engine = 'sqlite' | 'postgres';

/**
 * An open database: the Kysely instance every store uses, plus the few facts that differ per engine.
 * Example: `const handle = await openDatabase('sqlite:///tmp/bosun.db'); await migrateToLatest(handle);`
 */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** Column type of an auto-incrementing integer primary key on this engine. */
  readonly autoIncrementType: 'integer' | 'serial';
  /** Faster metric inserts where the engine allows them (SQLite: one cached prepared statement). */
  readonly bulk?: BulkWriter;
  /**
   * Runs `fn` once the transaction `db` has committed (never if it rolls back); outside a transaction, at
   * once. For waking work that waits for a commit (event consumers), not for anything that must happen.
   */
  afterCommit(db: Kysely<Database>, fn: () => void): Promise<void>;
  /** Human-readable location for logs, without credentials. */
  readonly description: string;
  close(): Promise<void>;
}
