import type { Kysely, Selectable } from 'kysely';
import type { AuditLogTable, AuditTables } from '../../db/index.js';
import { AUDIT_HEAD_ID } from './chain.js';

/** The database as the audit queries see it: any schema that includes the audit tables. */
export type AuditDb = Kysely<AuditTables>;
export type AuditRow = Selectable<AuditLogTable>;

/** The filters of a listing, already checked. */
export interface AuditRowFilter {
  actor?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  /** Inclusive lower bound on `at`. */
  since?: number | undefined;
  /** Exclusive upper bound on `at`. */
  until?: number | undefined;
}

/**
 * SQL for the hash-chained audit log: its records and the head row that names the last one. Callers validate,
 * hash, verify and hold the transactions; this file only reads and writes rows.
 *
 * Example: `await auditStore.lockHead(trx); const head = await auditStore.head(trx);`
 */
export const auditStore = {
  /**
   * Takes the head row's lock for the transaction (a no-op UPDATE: PostgreSQL's row lock, SQLite's write lock),
   * so that concurrent appends serialize before either reads the head.
   */
  async lockHead(db: AuditDb): Promise<void> {
    await db
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', AUDIT_HEAD_ID)
      .execute();
  },

  /** The head: the seq and hash of the last record; undefined when the row is missing (tampering). */
  async head(db: AuditDb): Promise<{ seq: number; hash: string } | undefined> {
    const row = await db
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', AUDIT_HEAD_ID)
      .executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  },

  async insert(db: AuditDb, row: AuditRow): Promise<void> {
    await db.insertInto('audit_log').values(row).execute();
  },

  /** Moves the head to the record just appended. */
  async moveHead(db: AuditDb, head: { seq: number; hash: string; at: number }): Promise<void> {
    await db
      .updateTable('audit_head')
      .set({ seq: head.seq, hash: head.hash, updated_at: head.at })
      .where('id', '=', AUDIT_HEAD_ID)
      .execute();
  },

  /** One page of the records matching `filter`, newest first. */
  async listPage(
    db: AuditDb,
    filter: AuditRowFilter,
    page: { offset: number; limit: number },
  ): Promise<AuditRow[]> {
    let select = db.selectFrom('audit_log').selectAll();
    if (filter.actor !== undefined) select = select.where('actor', '=', filter.actor);
    if (filter.action !== undefined) select = select.where('action', '=', filter.action);
    if (filter.outcome !== undefined) select = select.where('outcome', '=', filter.outcome);
    if (filter.since !== undefined) select = select.where('at', '>=', filter.since);
    if (filter.until !== undefined) select = select.where('at', '<', filter.until);
    return select.orderBy('seq', 'desc').offset(page.offset).limit(page.limit).execute();
  },

  /** The seqs of records stored below 1, outside the chain (only an insertion by hand puts one there). */
  async seqsOutsideChain(db: AuditDb): Promise<number[]> {
    const rows = await db
      .selectFrom('audit_log')
      .select(['seq'])
      .where('seq', '<', 1)
      .orderBy('seq', 'asc')
      .execute();
    return rows.map((r) => Number(r.seq));
  },

  /** Up to `limit` records after seq `after` (and up to `upTo`, inclusive, when given), in chain order. */
  async recordsAfter(
    db: AuditDb,
    after: number,
    page: { upTo?: number | undefined; limit: number },
  ): Promise<AuditRow[]> {
    let query = db.selectFrom('audit_log').selectAll().where('seq', '>', after);
    if (page.upTo !== undefined) query = query.where('seq', '<=', page.upTo);
    return query.orderBy('seq', 'asc').limit(page.limit).execute();
  },

  /** The highest seq stored after `seq`; undefined when there is none. */
  async maxSeqAfter(db: AuditDb, seq: number): Promise<number | undefined> {
    const row = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('seq').as('max'))
      .where('seq', '>', seq)
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? undefined : Number(row.max);
  },
};
