import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * The metric history index carries the values: `metrics_run_key_step (run_uuid, key, step)` becomes
 * `metrics_run_key_step_values (run_uuid, key, step, timestamp, value, is_nan)`. The charts' sampled read (one run,
 * one key, ~1,000 steps out of 100,000, ordered by step, timestamp, value) then reads only the index: one page per
 * point instead of an index page and a table page, and no sort (SQLite: a covering index in ORDER BY order;
 * PostgreSQL, with `id` last: an index-only scan once vacuum has marked the pages all-visible). Every query that used the old
 * index uses its prefix. Building it reads the table once (10M rows: ~15 s on SQLite here).
 */
export function metricValuesIndexMigration(handle: Pick<DatabaseHandle, 'engine'>): Migration {
  return {
    async up(db: AnyDb) {
      // SQLite's index entries end with the rowid (`id`) already; PostgreSQL's need it to be in the read's order.
      const columns = handle.engine === 'sqlite' ? sql`` : sql`, id`;
      await sql`create index metrics_run_key_step_values
        on metrics (run_uuid, key, step, timestamp, value, is_nan${columns})`.execute(db);
      await sql`drop index metrics_run_key_step`.execute(db);
    },
  };
}
