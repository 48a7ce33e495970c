import {
  PostgresAdapter,
  sql,
  type Expression,
  type Kysely,
  type RawBuilder,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import type { Database } from '../db/index.js';

/**
 * The only place in the events domain that knows which engine it talks to: how an appended event is stamped
 * with its transaction, which events a consumer may read yet, and how a consumer claims its position row.
 *
 * Consumers read the outbox in (`xact_id`, `id`) order and remember the last pair they handled. That is safe
 * only if no event can later appear *before* a remembered position.
 *
 * SQLite has one writer at a time (a write transaction holds the database's write lock from its first write,
 * here from BEGIN IMMEDIATE, to its commit), so an id is assigned only after every earlier writer has
 * committed or rolled back: ids are in commit order. `xact_id` is 0 and every committed event may be read.
 *
 * PostgreSQL hands out sequence ids at INSERT time, not at COMMIT: a transaction that took id 10 may commit
 * after one that took id 11, and a consumer that had moved past 11 would never see 10. So each event stores the
 * id of the transaction that wrote it (`pg_current_xact_id()`, 64 bits, never wraps; in a subtransaction, the
 * top-level one), and a consumer reads only events whose transaction is below the xmin of the reading
 * statement's snapshot (`pg_snapshot_xmin(pg_current_snapshot())`), the oldest transaction still running:
 * - every transaction below xmin has ended, so each event it wrote is either visible to that statement
 *   (committed) or never will be (rolled back): among the readable events there are no gaps;
 * - an event not visible yet belongs to a transaction still running (its id is >= xmin) or to one that gets its
 *   id later (ids are handed out in increasing order, so that id is >= the snapshot's xmax > xmin);
 * - a position (x, i) that a consumer stored came from a readable event, so x < xmin at that read, and every
 *   event that was not visible then has an xact id >= that xmin > x: it sorts after the position.
 * Hence, reading in (`xact_id`, `id`) order from a stored position never skips a committed event. The price:
 * an event waits until every transaction that was running when it committed has ended (a long transaction
 * anywhere in the cluster delays consumers; it never makes them lose an event). Events of one transaction
 * come in append order; transactions in the order they first wrote, which is their commit order whenever one
 * committed before the other began writing.
 */
export interface OutboxDialect {
  /** The `xact_id` value of an event appended now: the current transaction's id (0 on SQLite). */
  transactionStamp(): RawBuilder<number>;
  /** True for events a consumer may read now: their writing transaction has ended. */
  readable(xactId: Expression<number>): RawBuilder<SqlBool>;
  /**
   * Makes the select of a consumer's row claim it for the transaction: on PostgreSQL `FOR UPDATE SKIP
   * LOCKED` (a row another process holds is skipped, not waited for); on SQLite nothing (the transaction
   * already holds the write lock).
   */
  claim<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
}

const postgres: OutboxDialect = {
  transactionStamp: () => sql<number>`cast(cast(pg_current_xact_id() as text) as bigint)`,
  readable: (xactId) =>
    sql<SqlBool>`${xactId} < cast(cast(pg_snapshot_xmin(pg_current_snapshot()) as text) as bigint)`,
  claim: (query) => query.forUpdate().skipLocked(),
};

const sqlite: OutboxDialect = {
  transactionStamp: () => sql<number>`0`,
  readable: () => sql<SqlBool>`1 = 1`,
  claim: (query) => query,
};

export function outboxDialectOf(db: Kysely<Database>): OutboxDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}
