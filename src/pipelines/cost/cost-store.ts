import { sql, type Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../../db/index.js';
import type { PipelineTables } from '../store/pipeline-tables.js';
import type { CostRollUp } from './cost-types.js';

type Db = Kysely<Database & PipelineTables>;

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/**
 * The usage and cost columns of step runs (migration 0028), read back as roll-ups; written here for a cache hit.
 * An attempt's usage is added by the update that ends it (`PipelineStore.transition` with `attemptUsage`).
 */
export class CostStore {
  readonly #db: Db;

  constructor(handle: Pick<DatabaseHandle, 'db'>) {
    this.#db = handle.db.withTables<PipelineTables>();
  }

  /** A cache hit saved what the step run it reused cost (unknown when that one had no price). */
  async recordSaving(stepRunId: string, savedUsd: number | undefined, resourceClass: string | undefined) {
    await this.#db
      .updateTable('pipeline_step_runs')
      // A hit of a priced step costs nothing; of an unpriced one, its cost stays unknown.
      .set({
        saved_usd: savedUsd ?? null,
        cost_usd: savedUsd !== undefined ? 0 : null,
        resource_class: resourceClass ?? null,
      })
      .where('step_run_id', '=', stepRunId)
      .execute();
  }

  /**
   * Sums over the step runs of the pipeline runs chosen by `where` (run ids, or a pipeline and a creation time
   * range), in one query.
   */
  async rollUp(
    filter: { runIds: readonly string[] } | { pipeline: string; from?: number; to?: number },
  ): Promise<CostRollUp & { runs: number }> {
    let q = this.#db
      .selectFrom('pipeline_step_runs as s')
      .innerJoin('pipeline_runs as r', 'r.run_id', 's.run_id')
      .select([
        sql<number | null>`sum(s.cost_usd)`.as('cost'),
        sql<number | null>`sum(s.saved_usd)`.as('saved'),
        sql<number | null>`sum(s.wall_ms)`.as('wall'),
        sql<number | null>`sum(s.cpu_ms)`.as('cpu'),
        sql<number | null>`max(s.peak_rss_bytes)`.as('peak'),
        sql<number>`count(distinct s.run_id)`.as('runs'),
        sql<number>`sum(case when s.wall_ms is not null or s.state = 'cached' then 1 else 0 end)`.as('steps'),
        sql<number>`sum(case when s.wall_ms is not null and s.cost_usd is null then 1 else 0 end)`.as(
          'unpriced',
        ),
        sql<number>`sum(case when s.state = 'cached' then 1 else 0 end)`.as('cached'),
      ]);
    if ('runIds' in filter) {
      if (filter.runIds.length === 0) return emptyRollUp();
      q = q.where('s.run_id', 'in', [...filter.runIds]);
    } else {
      q = q.where('r.pipeline_name', '=', filter.pipeline);
      if (filter.from !== undefined) q = q.where('r.created_at', '>=', filter.from);
      if (filter.to !== undefined) q = q.where('r.created_at', '<', filter.to);
    }
    const row = await q.executeTakeFirst();
    if (row === undefined) return emptyRollUp();
    return {
      costUsd: num(row.cost),
      savedUsd: num(row.saved),
      wallMs: num(row.wall) ?? 0,
      cpuMs: num(row.cpu) ?? 0,
      peakRssBytes: num(row.peak),
      steps: num(row.steps) ?? 0,
      unpricedSteps: num(row.unpriced) ?? 0,
      cachedSteps: num(row.cached) ?? 0,
      runs: num(row.runs) ?? 0,
    };
  }
}

function emptyRollUp(): CostRollUp & { runs: number } {
  return {
    costUsd: undefined,
    savedUsd: undefined,
    wallMs: 0,
    cpuMs: 0,
    peakRssBytes: undefined,
    steps: 0,
    unpricedSteps: 0,
    cachedSteps: 0,
    runs: 0,
  };
}
