/** The SQL of lineage: one query per question, whatever the number of runs or versions involved. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { DatasetRef, ModelVersionRef } from './types.js';

type Db = Kysely<Database>;

/** Versions whose run is one of `runs`, or whose logged model came from one of them. */
function versionsQuery(db: Db) {
  return db
    .selectFrom('model_versions as mv')
    .innerJoin('registered_models as rm', 'rm.registered_model_id', 'mv.registered_model_id')
    .leftJoin('logged_models as lm', 'lm.model_id', 'mv.logged_model_id')
    .select(['rm.name as name', 'mv.version as version'])
    .orderBy('rm.name')
    .orderBy('mv.version');
}

function toRefs(rows: readonly { name: string; version: number | string }[]): ModelVersionRef[] {
  return rows.map((r) => ({ name: r.name, version: String(r.version) }));
}

export const lineageQueries = {
  async runExists(db: Db, runId: string): Promise<boolean> {
    const row = await db
      .selectFrom('runs')
      .select('run_uuid')
      .where('run_uuid', '=', runId)
      .executeTakeFirst();
    return row !== undefined;
  },

  async versionsFromRun(db: Db, runId: string): Promise<ModelVersionRef[]> {
    const rows = await versionsQuery(db)
      .where((eb) => eb.or([eb('mv.run_id', '=', runId), eb('lm.source_run_id', '=', runId)]))
      .execute();
    return toRefs(rows);
  },

  /** Runs that logged the dataset as an input (any experiment), oldest first. */
  async runsUsingDataset(db: Db, ref: DatasetRef): Promise<{ runId: string; experimentId: string }[]> {
    let query = db
      .selectFrom('run_inputs as ri')
      .innerJoin('datasets as d', 'd.dataset_uuid', 'ri.dataset_uuid')
      .innerJoin('runs as r', 'r.run_uuid', 'ri.run_uuid')
      .select(['r.run_uuid as run_id', 'r.experiment_id as experiment_id', 'r.start_time as start_time'])
      .distinct()
      .where('d.name', '=', ref.name);
    if (ref.digest !== undefined) query = query.where('d.digest', '=', ref.digest);
    const rows = await query.orderBy('r.start_time').orderBy('r.run_uuid').execute();
    return rows.map((r) => ({ runId: r.run_id, experimentId: String(r.experiment_id) }));
  },

  /** Versions that came from a run that used the dataset, in one query. */
  async versionsFromDataset(db: Db, ref: DatasetRef): Promise<ModelVersionRef[]> {
    const rows = await versionsQuery(db)
      .where((eb) =>
        eb.or([
          eb('mv.run_id', 'in', datasetRuns(db, ref)),
          eb('lm.source_run_id', 'in', datasetRuns(db, ref)),
        ]),
      )
      .execute();
    return toRefs(rows);
  },
};

/** The ids of the runs that used the dataset, as a subquery. */
function datasetRuns(db: Db, ref: DatasetRef) {
  let sub = db
    .selectFrom('run_inputs as ri')
    .innerJoin('datasets as d', 'd.dataset_uuid', 'ri.dataset_uuid')
    .select('ri.run_uuid')
    .where('d.name', '=', ref.name);
  if (ref.digest !== undefined) sub = sub.where('d.digest', '=', ref.digest);
  return sub;
}
