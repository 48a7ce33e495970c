import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { BulkWriter, Database, NewMetricRow } from '../db/index.js';
import { metricStepSummaryStore } from './metric-step-summary.js';
import { chunks, decodeMetricValue, encodeMetricValue } from './row-mappers.js';
import type { Metric, SampledHistory } from './types.js';

type Db = Kysely<Database>;

/** Rows per INSERT: 10 columns each stays far below both engines' bound-parameter limits. */
const insertChunk = 1000;

/** True when `a` should replace `b` as a key's latest value: higher step, then later timestamp, then larger value. */
function isLater(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return compareValues(a.value, b.value) > 0;
}

function compareValues(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}

/** The points of one run and key that {@link readAtSteps} reads: where, order and limit set, columns not chosen. */
type AtStepsQuery = SelectQueryBuilder<Database, 'metrics', object>;

/**
 * A run's values of a key at the given steps (ascending), by step, timestamp, value, is_nan and id, at most
 * `limit`: the steps are asked `chunks()` at a time (bound-parameter limits), each slice for what is left of
 * the limit. `select` chooses the columns and runs the query; the rows come back in order, slices concatenated.
 */
async function readAtSteps<R>(
  at: { db: Db; runId: string; key: string; steps: number[]; limit: number },
  select: (query: AtStepsQuery) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = [];
  for (const slice of chunks(at.steps)) {
    if (out.length >= at.limit) break;
    const query = at.db
      .selectFrom('metrics')
      .where('run_uuid', '=', at.runId)
      .where('key', '=', at.key)
      .where('step', 'in', slice)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .orderBy('is_nan')
      .orderBy('id')
      .limit(at.limit - out.length);
    out.push(...(await select(query)));
  }
  return out;
}

/** SQL for metric points, the per-run latest values that search reads, and histories. */
export const metricStore = {
  /**
   * Inserts points and updates latest values and step summaries; call inside a transaction (`bulk` writes on its
   * connection). This is the only write to `metrics`: `metric_step_summaries` relies on it.
   */
  async insert(db: Db, runId: string, metrics: Metric[], bulk?: BulkWriter): Promise<void> {
    if (metrics.length === 0) return;
    const steps = new Map<string, Set<number>>();
    for (const m of metrics) {
      const set = steps.get(m.key);
      if (set === undefined) steps.set(m.key, new Set([m.step]));
      else set.add(m.step);
    }
    // before the points: the summary looks up which steps the run had already
    await metricStepSummaryStore.recordSteps(db, runId, steps);
    const rows: NewMetricRow[] = metrics.map((m) => ({
      run_uuid: runId,
      key: m.key,
      ...encodeMetricValue(m.value),
      timestamp: m.timestamp,
      step: m.step,
      model_id: m.modelId ?? null,
      dataset_name: m.datasetName ?? null,
      dataset_digest: m.datasetDigest ?? null,
    }));
    if (bulk) {
      await bulk.insertMetrics(rows);
    } else {
      for (const slice of chunks(rows, insertChunk)) await db.insertInto('metrics').values(slice).execute();
    }
    const latest = new Map<string, Metric>();
    for (const m of metrics) {
      const current = latest.get(m.key);
      if (!current || isLater(m, current)) latest.set(m.key, m);
    }
    await this.upsertLatest(db, runId, [...latest.values()]);
  },

  /** Replaces a key's latest value only when the new point is later (step, timestamp, value). */
  async upsertLatest(db: Db, runId: string, metrics: Metric[]): Promise<void> {
    for (const slice of chunks(metrics, insertChunk)) {
      await db
        .insertInto('latest_metrics')
        .values(
          slice.map((m) => ({
            run_uuid: runId,
            // copied from the run for the metric-ordered search index (migration 0018)
            experiment_id: sql<number>`(select r.experiment_id from runs r where r.run_uuid = ${runId})`,
            key: m.key,
            ...encodeMetricValue(m.value),
            timestamp: m.timestamp,
            step: m.step,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['run_uuid', 'key'])
            .doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              is_nan: eb.ref('excluded.is_nan'),
              timestamp: eb.ref('excluded.timestamp'),
              step: eb.ref('excluded.step'),
            }))
            .where(
              sql<boolean>`excluded.step > latest_metrics.step
                or (excluded.step = latest_metrics.step and excluded.timestamp > latest_metrics.timestamp)
                or (excluded.step = latest_metrics.step and excluded.timestamp = latest_metrics.timestamp
                    and (excluded.is_nan > latest_metrics.is_nan
                         or (excluded.is_nan = latest_metrics.is_nan and excluded.value > latest_metrics.value)))`,
            ),
        )
        .execute();
    }
  },

  /** One page of a key's history in step order; all of it when `limit` is absent. */
  async history(db: Db, runId: string, key: string, offset: number, limit?: number): Promise<Metric[]> {
    let q = db
      .selectFrom('metrics')
      .select(['key', 'value', 'is_nan', 'timestamp', 'step', 'model_id', 'dataset_name', 'dataset_digest'])
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('id');
    if (limit !== undefined) q = q.limit(limit).offset(offset);
    const rows = await q.execute();
    return rows.map((r) => toMetric(r));
  },

  async historyAll(
    db: Db,
    runId: string,
    key: string,
    startStep?: number,
    endStep?: number,
  ): Promise<Metric[]> {
    let q = db
      .selectFrom('metrics')
      .select(['key', 'value', 'is_nan', 'timestamp', 'step', 'model_id', 'dataset_name', 'dataset_digest'])
      .where('run_uuid', '=', runId)
      .where('key', '=', key);
    if (startStep !== undefined) q = q.where('step', '>=', startStep);
    if (endStep !== undefined) q = q.where('step', '<=', endStep);
    const rows = await q.orderBy('step').orderBy('timestamp').orderBy('id').execute();
    return rows.map((r) => ({ ...toMetric(r), runId }));
  },

  /** The distinct steps at which a run logged a key, ascending. */
  async distinctSteps(db: Db, runId: string, key: string): Promise<number[]> {
    const rows = await db
      .selectFrom('metrics')
      .select('step')
      .distinct()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .execute();
    return rows.map((r) => Number(r.step));
  },

  /**
   * How many distinct steps a run logged a key at, and the first and last of them, counted in the database over
   * the (run_uuid, key, step) index without sending the steps (`count` 0: no value of the key).
   */
  async stepSummary(
    db: Db,
    runId: string,
    key: string,
  ): Promise<{ count: number; first: number; last: number }> {
    const distinct = db
      .selectFrom('metrics')
      .select('step')
      .distinct()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .as('s');
    const row = await db
      .selectFrom(distinct)
      .select((eb) => [
        eb.fn.countAll<number | string | bigint>().as('count'),
        eb.fn.min<number | string | bigint | null>('s.step').as('first'),
        eb.fn.max<number | string | bigint | null>('s.step').as('last'),
      ])
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), first: Number(row.first ?? 0), last: Number(row.last ?? 0) };
  },

  /** How many of a run's values of a key are at a step off the grid `first + i × stride`. */
  async offGridCount(db: Db, runId: string, key: string, first: number, stride: number): Promise<number> {
    const row = await db
      .selectFrom('metrics')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .where(sql<number>`(step - ${first}) % ${stride}`, '<>', 0)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  },

  /** A run's values of a key at the given steps (ascending), by step, timestamp and value; at most `limit`. */
  async atSteps(db: Db, runId: string, key: string, steps: number[], limit: number): Promise<Metric[]> {
    const rows = await readAtSteps({ db, runId, key, steps, limit }, (q) =>
      q
        .select(['key', 'value', 'is_nan', 'timestamp', 'step', 'model_id', 'dataset_name', 'dataset_digest'])
        .execute(),
    );
    return rows.map((r) => ({ ...toMetric(r), runId }));
  },

  /**
   * {@link atSteps} in columns, without the per-point objects or the dataset and model columns (so that the
   * read stays in the covering index of migration 0031): the same points in the same order, at most `limit`.
   */
  async columnsAtSteps(
    db: Db,
    runId: string,
    key: string,
    steps: number[],
    limit: number,
  ): Promise<Omit<SampledHistory, 'runId'>> {
    const rows = await readAtSteps({ db, runId, key, steps, limit }, (q) =>
      q.select(['value', 'is_nan', 'timestamp', 'step']).execute(),
    );
    const out: Omit<SampledHistory, 'runId'> = { steps: [], values: [], timestamps: [] };
    for (const r of rows) {
      out.steps.push(Number(r.step));
      out.values.push(decodeMetricValue(r.value, r.is_nan));
      out.timestamps.push(Number(r.timestamp));
    }
    return out;
  },

  /** Values of a key of several runs, by run id, then timestamp, step and value; at most `limit`. */
  async ofRuns(db: Db, runIds: string[], key: string, limit: number): Promise<Metric[]> {
    if (runIds.length === 0) return [];
    const rows = await db
      .selectFrom('metrics')
      .select([
        'run_uuid',
        'key',
        'value',
        'is_nan',
        'timestamp',
        'step',
        'model_id',
        'dataset_name',
        'dataset_digest',
      ])
      .where('run_uuid', 'in', runIds)
      .where('key', '=', key)
      .orderBy('run_uuid')
      .orderBy('timestamp')
      .orderBy('step')
      .orderBy('value')
      .orderBy('is_nan')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...toMetric(r), runId: r.run_uuid }));
  },
};

export function toMetric(r: {
  key: string;
  value: number;
  is_nan: number;
  timestamp: number;
  step: number;
  model_id?: string | null;
  dataset_name?: string | null;
  dataset_digest?: string | null;
}): Metric {
  const metric: Metric = {
    key: r.key,
    value: decodeMetricValue(r.value, r.is_nan),
    timestamp: Number(r.timestamp),
    step: Number(r.step),
  };
  if (r.model_id) metric.modelId = r.model_id;
  if (r.dataset_name) metric.datasetName = r.dataset_name;
  if (r.dataset_digest) metric.datasetDigest = r.dataset_digest;
  return metric;
}
