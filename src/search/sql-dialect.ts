import { PostgresAdapter, sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import { parseLikePattern, toGlob, toLikeWithBackslashEscape } from './like-pattern.js';

/**
 * The only place in search that knows which engine it talks to. Everything else is SQL both engines read the
 * same way. The differences handled here:
 * - case-sensitive LIKE: PostgreSQL's LIKE is; SQLite's is not (for ASCII), so SQLite gets GLOB with the
 *   pattern translated (same meaning, including escaped `%` and `_`);
 * - ILIKE: native on PostgreSQL; SQLite's LIKE is already case-insensitive;
 * - string ordering: PostgreSQL sorts by the database collation (often locale-aware), SQLite by bytes; the
 *   "C" collation makes PostgreSQL sort by bytes too, so both engines return the same order;
 * - reading run input tags, stored as a JSON array of `{key, value}` objects.
 */
export interface SearchDialect {
  like(value: Expression<unknown>, pattern: string, caseInsensitive: boolean): RawBuilder<SqlBool>;
  /** Wraps a string expression so that ordering by it compares bytes. */
  binaryOrder(value: Expression<unknown>): RawBuilder<unknown>;
  /**
   * Whether an index walk (see run-query.ts) must carry an explicit bound on how far it reads. SQLite keeps no
   * statistics on value frequencies, so it walks an index to its end when a selective filter leaves the page
   * short; the bound caps that walk. PostgreSQL estimates the filter's selectivity itself and picks the walk or a
   * hash join, and a bound there only misleads its estimate into the hash join for every page.
   */
  boundedWalk: boolean;
  /**
   * Whether the general plan hides the experiment test from the planner when a filter clause lists its runs
   * (`run_uuid IN (...)` on a (key, value) index). SQLite, without statistics, would otherwise scan every run
   * of the experiment on its index and test each against the list, a cost that follows the experiment's size
   * rather than the matches; hidden (`+experiment_id`), it reads the listed runs by primary key. PostgreSQL
   * weighs both itself.
   */
  hideScopeFromLists: boolean;
  /**
   * Runs the queries of an index walk that starts at a page token's key (run-query.ts). PostgreSQL plans such a
   * walk with parallel workers when it expects many index entries before the key; starting them costs more than
   * the walk itself (page 50 of 100,000 runs under load: 78 ms p50 with them, 20 ms without, as fast as page 1).
   * A walk stops once its page is full, so it never gains from them: PostgreSQL runs it in a transaction that
   * turns them off (`SET LOCAL`), unless the caller holds a transaction already (whose settings are not ours to
   * change). First pages are left alone: their plans have no workers, and the transaction's round trips would
   * only add to them. SQLite runs the walk as it is.
   */
  walkSession<T>(db: Kysely<Database>, run: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** True when the JSON array of `{key, value}` in `tagsJson` has an entry `key` whose value satisfies `test`. */
  jsonTagMatches(
    tagsJson: Expression<unknown>,
    key: string,
    test: (value: RawBuilder<string>) => RawBuilder<SqlBool>,
  ): RawBuilder<SqlBool>;
}

const postgres: SearchDialect = {
  like: (value, pattern, caseInsensitive) => {
    const p = toLikeWithBackslashEscape(parseLikePattern(pattern));
    return caseInsensitive
      ? sql<SqlBool>`${value} ilike ${p} escape '\\'`
      : sql<SqlBool>`${value} like ${p} escape '\\'`;
  },
  binaryOrder: (value) => sql`${value} collate "C"`,
  boundedWalk: false,
  hideScopeFromLists: false,
  walkSession: (db, run) =>
    db.isTransaction
      ? run(db)
      : db.transaction().execute(async (trx) => {
          await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
          return run(trx);
        }),
  jsonTagMatches: (tagsJson, key, test) =>
    sql<SqlBool>`exists (select 1 from json_array_elements(cast(${tagsJson} as json)) as je
      where je->>'key' = ${key} and ${test(sql<string>`je->>'value'`)})`,
};

const sqlite: SearchDialect = {
  like: (value, pattern, caseInsensitive) => {
    const parts = parseLikePattern(pattern);
    return caseInsensitive
      ? sql<SqlBool>`${value} like ${toLikeWithBackslashEscape(parts)} escape '\\'`
      : sql<SqlBool>`${value} glob ${toGlob(parts)}`;
  },
  binaryOrder: (value) => sql`${value}`,
  boundedWalk: true,
  hideScopeFromLists: true,
  walkSession: (db, run) => run(db),
  jsonTagMatches: (tagsJson, key, test) =>
    sql<SqlBool>`exists (select 1 from json_each(${tagsJson}) as je
      where json_extract(je.value, '$.key') = ${key} and ${test(sql<string>`json_extract(je.value, '$.value')`)})`,
};

export function searchDialectOf(db: Kysely<Database>): SearchDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}
