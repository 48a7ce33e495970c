/**
 * The SQL of lineage: one query per question, whatever the number of runs or versions involved. The registry's
 * own tables are read here; what tracking knows (runs, datasets, logged models) comes from its named queries.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { trackingQueries, type IdSubquery } from '../../tracking/index.js';
import type { DatasetRef, ModelVersionRef } from './types.js';

type Db = Kysely<Database>;

/** Versions whose run is one of `runs`, or whose logged model came from one of them (one id or a subquery). */
async function versionsFromRuns(db: Db, runs: string | IdSubquery): Promise<ModelVersionRef[]> {
  const rows = await db
    .selectFrom('model_versions as mv')
    .innerJoin('registered_models as rm', 'rm.registered_model_id', 'mv.registered_model_id')
    .select(['rm.name as name', 'mv.version as version'])
    .where((eb) =>
      eb.or([
        typeof runs === 'string' ? eb('mv.run_id', '=', runs) : eb('mv.run_id', 'in', runs),
        eb('mv.logged_model_id', 'in', trackingQueries.loggedModelIdsFromRuns(db, runs)),
      ]),
    )
    .orderBy('rm.name')
    .orderBy('mv.version')
    .execute();
  return rows.map((r) => ({ name: r.name, version: String(r.version) }));
}

/** Which model versions came from given runs; what tracking knows comes from its named queries. */
export const lineageQueries = {
  /** Versions whose run is `runId` or whose logged model came from it. */
  versionsFromRun(db: Db, runId: string): Promise<ModelVersionRef[]> {
    return versionsFromRuns(db, runId);
  },

  /** Versions that came from a run that used the dataset, in one query. */
  versionsFromDataset(db: Db, ref: DatasetRef): Promise<ModelVersionRef[]> {
    return versionsFromRuns(db, trackingQueries.runIdsUsingDataset(db, ref));
  },
};
