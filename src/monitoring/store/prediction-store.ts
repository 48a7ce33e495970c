import type { Insertable, Selectable } from 'kysely';
import type { MonitoringDb, MonitoringPredictionsTable } from './monitoring-tables.js';

export type NewPredictionRow = Insertable<MonitoringPredictionsTable>;
export type PredictionRow = Selectable<MonitoringPredictionsTable>;

/** Rows per INSERT: 9 columns × 500 stays far below SQLite's bound-parameter limit. */
const INSERT_CHUNK = 500;
/** Identifiers per IN list. */
const LOOKUP_CHUNK = 500;

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Queries on `monitoring_predictions`. */
export const predictionStore = {
  /** Inserts every row; call inside a transaction so a failure leaves none. */
  async insertMany(db: MonitoringDb, rows: readonly NewPredictionRow[]): Promise<void> {
    for (const chunk of chunks(rows, INSERT_CHUNK)) {
      await db.insertInto('monitoring_predictions').values(chunk).execute();
    }
  },

  /** Which of `requestIds` the model has logged already. */
  async existingRequestIds(
    db: MonitoringDb,
    modelId: number,
    requestIds: readonly string[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(requestIds, LOOKUP_CHUNK)) {
      const rows = await db
        .selectFrom('monitoring_predictions')
        .select('request_id')
        .where('registered_model_id', '=', modelId)
        .where('request_id', 'in', chunk)
        .execute();
      for (const r of rows) if (r.request_id !== null) found.add(r.request_id);
    }
    return found;
  },

  async setLabel(
    db: MonitoringDb,
    modelId: number,
    requestId: string,
    label: string,
    now: number,
  ): Promise<void> {
    await db
      .updateTable('monitoring_predictions')
      .set({ label, labelled_at: now })
      .where('registered_model_id', '=', modelId)
      .where('request_id', '=', requestId)
      .execute();
  },

  /** The newest `limit` predictions with `start <= timestamp < end`, optionally of one version, oldest first. */
  async window(
    db: MonitoringDb,
    q: { modelId: number; version: number | null; start: number; end: number; limit: number },
  ): Promise<Pick<PredictionRow, 'features' | 'prediction' | 'label'>[]> {
    let query = db
      .selectFrom('monitoring_predictions')
      .select(['features', 'prediction', 'label', 'prediction_id'])
      .where('registered_model_id', '=', q.modelId)
      .where('timestamp', '>=', q.start)
      .where('timestamp', '<', q.end);
    if (q.version !== null) query = query.where('version', '=', q.version);
    const rows = await query
      .orderBy('timestamp', 'desc')
      .orderBy('prediction_id', 'desc')
      .limit(q.limit)
      .execute();
    return rows.reverse();
  },

  /** Logged predictions and labels per registered model (for /metrics). */
  async countsByModel(
    db: MonitoringDb,
  ): Promise<{ registered_model_id: number; predictions: number; labels: number }[]> {
    const rows = await db
      .selectFrom('monitoring_predictions')
      .select((eb) => [
        'registered_model_id',
        eb.fn.countAll<number | string>().as('predictions'),
        eb.fn.count<number | string>('label').as('labels'),
      ])
      .groupBy('registered_model_id')
      .execute();
    return rows.map((r) => ({
      registered_model_id: r.registered_model_id,
      predictions: Number(r.predictions),
      labels: Number(r.labels),
    }));
  },
};
