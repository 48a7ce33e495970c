import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { chunks, groupBy } from './row-mappers.js';
import type { ModelInput } from './types.js';

type Db = Kysely<Database>;

/** SQL for the logged models runs used as inputs (`runs/log-inputs` models). Callers validate. */
export const runModelInputStore = {
  /**
   * Records models a run used; one already recorded keeps its place. New ones go after the run's last input,
   * in the order given (a repeated id counts once).
   */
  async add(db: Db, runId: string, inputs: readonly ModelInput[]): Promise<void> {
    const ids = [...new Set(inputs.map((i) => i.modelId))];
    if (ids.length === 0) return;
    const last = await db
      .selectFrom('run_model_inputs')
      .select(sql<number | string | null>`max(position)`.as('last'))
      .where('run_uuid', '=', runId)
      .executeTakeFirst();
    const start = last?.last === null || last?.last === undefined ? 0 : Number(last.last) + 1;
    await db
      .insertInto('run_model_inputs')
      .values(ids.map((modelId, i) => ({ run_uuid: runId, model_id: modelId, position: start + i })))
      .onConflict((oc) => oc.columns(['run_uuid', 'model_id']).doNothing())
      .execute();
  },

  /** The model inputs of each run, in the order they were first logged. */
  async loadMany(db: Db, runIds: readonly string[]): Promise<Map<string, ModelInput[]>> {
    const rows: { run_uuid: string; model_id: string }[] = [];
    for (const slice of chunks([...runIds])) {
      rows.push(
        ...(await db
          .selectFrom('run_model_inputs')
          .select(['run_uuid', 'model_id'])
          .where('run_uuid', 'in', slice)
          .orderBy('run_uuid')
          .orderBy('position')
          .orderBy('model_id')
          .execute()),
      );
    }
    const byRun = groupBy(rows, (r) => r.run_uuid);
    return new Map([...byRun].map(([runId, list]) => [runId, list.map((r) => ({ modelId: r.model_id }))]));
  },
};
