import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * What a pipeline step run used and cost (issue 12, point 9), on `pipeline_step_runs` (migration 0013), summed
 * over the step run's attempts (retries included); null until an attempt reports it:
 * - `wall_ms`, `cpu_ms` (user + system of the whole process tree), `peak_rss_bytes` (the largest max RSS of a
 *   process of the tree, the highest over attempts);
 * - `resource_class`: the class the step named (null: none, so no price);
 * - `cost_usd`: wall hours x the class's price (null: unknown, no class); `saved_usd`: for a cache hit, the cost
 *   of the step run it reused.
 */
export function pipelineCostsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      for (const [column, type] of [
        ['wall_ms', 'bigint'],
        ['cpu_ms', 'bigint'],
        ['peak_rss_bytes', 'bigint'],
        ['resource_class', 'text'],
        ['cost_usd', 'double precision'],
        ['saved_usd', 'double precision'],
      ] as const) {
        await db.schema.alterTable('pipeline_step_runs').addColumn(column, type).execute();
      }
    },
    async down(db: AnyDb) {
      for (const column of [
        'saved_usd',
        'cost_usd',
        'resource_class',
        'peak_rss_bytes',
        'cpu_ms',
        'wall_ms',
      ]) {
        await db.schema.alterTable('pipeline_step_runs').dropColumn(column).execute();
      }
    },
  };
}
