import { sql, type Kysely, type Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * `metric_step_summaries`: per run and metric key, how many distinct steps it was logged at, the first and the
 * last, and `step_gcd`, the greatest common divisor of `step - first_step` over those steps (0 for one step;
 * NULL when unknown). The steps are the grid `first_step, first_step + step_gcd, …, last_step` exactly when
 * `step_count - 1 = (last_step - first_step) / step_gcd`, which `get-history-bulk-interval` reads instead of
 * counting the (run_uuid, key, step) index (10M entries for a chart of 100 runs × 100,000 steps). Kept in the
 * transaction of every metric write (src/tracking/metric-step-summary-store.ts).
 *
 * Existing histories are summarised here by the database itself (bounded memory on both engines): count, first
 * and last in one grouped pass; then `step_gcd` for the histories that are a grid (their stride, checked
 * against every step), NULL for the others: their gcd is not computed in SQL, so they stay "not a grid" (read
 * step by step, as before this migration) even if later values fill their gaps.
 */
export function metricStepSummariesMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('metric_step_summaries')
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('step_count', 'bigint', (c) => c.notNull())
        .addColumn('first_step', 'bigint', (c) => c.notNull())
        .addColumn('last_step', 'bigint', (c) => c.notNull())
        .addColumn('step_gcd', 'bigint')
        .addPrimaryKeyConstraint('metric_step_summaries_pk', ['run_uuid', 'key'])
        .execute();
      await sql`insert into metric_step_summaries (run_uuid, key, step_count, first_step, last_step, step_gcd)
        select run_uuid, key, count(distinct step), min(step), max(step), null
        from metrics group by run_uuid, key`.execute(db);
      await sql`update metric_step_summaries set step_gcd = 0 where step_count = 1`.execute(db);
      await sql`update metric_step_summaries set step_gcd = (last_step - first_step) / (step_count - 1)
        where step_count > 1
          and (last_step - first_step) % (step_count - 1) = 0
          and not exists (
            select 1 from metrics m
            where m.run_uuid = metric_step_summaries.run_uuid and m.key = metric_step_summaries.key
              and (m.step - metric_step_summaries.first_step)
                  % ((metric_step_summaries.last_step - metric_step_summaries.first_step)
                     / (metric_step_summaries.step_count - 1)) <> 0)`.execute(db);
    },
  };
}
