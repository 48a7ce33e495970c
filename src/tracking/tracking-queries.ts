/**
 * The questions other domains ask of tracking's tables, as named queries: the registry's governance and lineage,
 * the CLI. Tracking's tables stay tracking's; a caller outside this folder asks here instead of reading them.
 * Every function takes the database or the caller's transaction, so a read can join the change it belongs to.
 */
import type { Expression, Kysely } from 'kysely';
import type { Database } from '../db/index.js';

type Db = Kysely<Database>;

/** A dataset by name, and by digest when one is given (absent: every digest of the name). */
export interface DatasetSelector {
  name: string;
  digest?: string | undefined;
}

/** A run as the runs using a dataset are listed. */
export interface RunOfDataset {
  runId: string;
  experimentId: string;
}

/**
 * A select answering one column of ids, to compose into another query (`where x in (...)`) so that the whole
 * question stays one query.
 */
export type IdSubquery = Expression<string>;

/** The inputs (`ri`) that are the dataset (`d`), to select from. */
function inputsOfDataset(db: Db, dataset: DatasetSelector) {
  const query = db
    .selectFrom('run_inputs as ri')
    .innerJoin('datasets as d', 'd.dataset_uuid', 'ri.dataset_uuid')
    .where('d.name', '=', dataset.name);
  return dataset.digest === undefined ? query : query.where('d.digest', '=', dataset.digest);
}

/**
 * Tracking's named queries for other domains.
 *
 * Example: `const auc = (await trackingQueries.latestMetricValues(db, runId, ['auc'])).get('auc');`
 */
export const trackingQueries = {
  /** Whether the experiment exists, in any lifecycle stage. */
  async experimentExists(db: Db, experimentId: number): Promise<boolean> {
    const row = await db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('experiment_id', '=', experimentId)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Whether the run exists, in any lifecycle stage. */
  async runExists(db: Db, runId: string): Promise<boolean> {
    const row = await db
      .selectFrom('runs')
      .select('run_uuid')
      .where('run_uuid', '=', runId)
      .executeTakeFirst();
    return row !== undefined;
  },

  /**
   * The latest value of each of `keys` the run has logged, by key (keys it never logged are absent). NaN stays
   * NaN; ±Infinity read as the stored ±Number.MAX_VALUE (what promotion policies have always compared).
   */
  async latestMetricValues(db: Db, runId: string, keys: readonly string[]): Promise<Map<string, number>> {
    const values = new Map<string, number>();
    if (keys.length === 0) return values;
    const rows = await db
      .selectFrom('latest_metrics')
      .select(['key', 'value', 'is_nan'])
      .where('run_uuid', '=', runId)
      .where('key', 'in', [...new Set(keys)])
      .execute();
    for (const r of rows) values.set(r.key, Number(r.is_nan) === 1 ? NaN : Number(r.value));
    return values;
  },

  /** Runs that logged the dataset as an input (any experiment), oldest first. */
  async runsUsingDataset(db: Db, dataset: DatasetSelector): Promise<RunOfDataset[]> {
    const rows = await inputsOfDataset(db, dataset)
      .innerJoin('runs as r', 'r.run_uuid', 'ri.run_uuid')
      .select(['r.run_uuid as run_id', 'r.experiment_id as experiment_id', 'r.start_time as start_time'])
      .distinct()
      .orderBy('r.start_time')
      .orderBy('r.run_uuid')
      .execute();
    return rows.map((r) => ({ runId: r.run_id, experimentId: String(r.experiment_id) }));
  },

  /** The ids of the runs that logged the dataset as an input, as a subquery. */
  runIdsUsingDataset(db: Db, dataset: DatasetSelector): IdSubquery {
    return inputsOfDataset(db, dataset).select('ri.run_uuid').$asScalar();
  },

  /** The ids of the logged models whose source run is `runId` (or one of the runs a subquery answers), as a subquery. */
  loggedModelIdsFromRuns(db: Db, runs: string | IdSubquery): IdSubquery {
    const query = db.selectFrom('logged_models').select('model_id');
    return (
      typeof runs === 'string'
        ? query.where('source_run_id', '=', runs)
        : query.where('source_run_id', 'in', runs)
    ).$asScalar();
  },
};
