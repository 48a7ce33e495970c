import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * The only place in tracking that knows which engine it talks to: how creating an experiment with a custom
 * artifact location is serialised, so that the overlap check (no two experiments share, contain or lie in each
 * other's folders) and the insert it guards see every other such creation.
 *
 * Two transactions that check at the same moment would each see no overlapping row (the other's is not
 * committed yet) and both insert. SQLite has one writer at a time (a write transaction holds the write lock from
 * BEGIN IMMEDIATE to its commit), so its creations are already serial. PostgreSQL, under READ COMMITTED, needs a
 * lock: a transaction-scoped advisory lock, taken before the check and held to commit or rollback, so the next
 * creation's check runs after the previous insert is visible. Creations with the default location do not take it.
 */
export interface ExperimentLocationDialect {
  /** Waits until no other transaction is creating an experiment with a custom location; held until `db` ends. */
  lockCustomLocations(db: Kysely<Database>): Promise<void>;
}

/** The advisory lock's key: any fixed 64-bit number no other lock of Bosun uses ("bosun-ex" in ASCII). */
const CUSTOM_LOCATION_LOCK = 0x626f73756e2d6578n;

const postgres: ExperimentLocationDialect = {
  async lockCustomLocations(db) {
    await sql`select pg_advisory_xact_lock(${CUSTOM_LOCATION_LOCK.toString()}::bigint)`.execute(db);
  },
};

const sqlite: ExperimentLocationDialect = {
  lockCustomLocations: async () => undefined,
};

export function experimentLocationDialectOf(db: Kysely<Database>): ExperimentLocationDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}
