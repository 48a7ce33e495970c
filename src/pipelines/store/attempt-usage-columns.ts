import { sql, type RawBuilder } from 'kysely';
import { attemptCostUsd, type AttemptPrice, type AttemptUsage } from '../cost/attempt-cost.js';

/** One finished attempt's usage, added to its step run by the same update that ends the attempt. */
export interface AttemptUsagePatch {
  usage: AttemptUsage;
  price: AttemptPrice | undefined;
}

/**
 * The SET expressions that add an attempt to a step run's usage columns (migration 0028), computed by the database
 * from the row being updated, so the attempt's end and its usage are one statement: wall and CPU time summed, peak
 * RSS the highest, cost summed when priced (a step with no class keeps a null cost: unknown, not 0).
 *
 * @example
 * db.updateTable('pipeline_step_runs').set({ state: 'succeeded', ...attemptUsageColumns({ usage, price }) })
 */
export function attemptUsageColumns(patch: AttemptUsagePatch | undefined): {
  wall_ms?: RawBuilder<number>;
  cpu_ms?: RawBuilder<number>;
  peak_rss_bytes?: RawBuilder<number>;
  resource_class?: string | null;
  cost_usd?: RawBuilder<number>;
} {
  if (patch === undefined) return {};
  const { usage, price } = patch;
  const added = (column: string, value: number) => sql<number>`coalesce(${sql.ref(column)}, 0) + ${value}`;
  const peak = usage.peakRssBytes;
  return {
    wall_ms: added('wall_ms', Math.round(usage.wallMs)),
    ...(usage.cpuMs !== undefined ? { cpu_ms: added('cpu_ms', Math.round(usage.cpuMs)) } : {}),
    ...(peak !== undefined
      ? {
          peak_rss_bytes: sql<number>`case when coalesce(${sql.ref('peak_rss_bytes')}, 0) > ${peak} then ${sql.ref('peak_rss_bytes')} else ${peak} end`,
        }
      : {}),
    resource_class: price?.resourceClass ?? null,
    ...(price !== undefined ? { cost_usd: added('cost_usd', attemptCostUsd(usage.wallMs, price)) } : {}),
  };
}
