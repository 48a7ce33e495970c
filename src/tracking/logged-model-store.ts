import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { buildLoggedModelSearchQuery, type LoggedModelSearchQuery } from '../search/index.js';
import { toMetric } from './metric-store.js';
import { chunks, encodeMetricValue, groupBy, toLoggedModelBase } from './row-mappers.js';
import type { LoggedModel, LoggedModelStatus, Metric, Tag } from './types.js';

type Db = Kysely<Database>;

/** SQL for MLflow 3 logged models: the model row, its params, tags and metrics. */
export const loggedModelStore = {
  async insert(
    db: Db,
    row: {
      modelId: string;
      experimentId: number;
      name: string;
      artifactLocation: string;
      now: number;
      sourceRunId?: string;
      modelType?: string;
    },
  ): Promise<void> {
    await db
      .insertInto('logged_models')
      .values({
        model_id: row.modelId,
        experiment_id: row.experimentId,
        name: row.name,
        artifact_location: row.artifactLocation,
        creation_time: row.now,
        last_updated_time: row.now,
        source_run_id: row.sourceRunId ?? null,
        status: 'LOGGED_MODEL_PENDING',
        status_message: null,
        model_type: row.modelType ?? null,
        lifecycle_stage: 'active',
      })
      .execute();
  },

  async loadMany(db: Db, ids: string[]): Promise<LoggedModel[]> {
    if (ids.length === 0) return [];
    const models = new Map<string, LoggedModel>();
    for (const slice of chunks(ids)) {
      const [rows, params, tags, metrics] = await Promise.all([
        db.selectFrom('logged_models').selectAll().where('model_id', 'in', slice).execute(),
        db
          .selectFrom('logged_model_params')
          .selectAll()
          .where('model_id', 'in', slice)
          .orderBy('key')
          .execute(),
        db
          .selectFrom('logged_model_tags')
          .selectAll()
          .where('model_id', 'in', slice)
          .orderBy('key')
          .execute(),
        db
          .selectFrom('logged_model_metrics')
          .selectAll()
          .where('model_id', 'in', slice)
          .orderBy('key')
          .orderBy('step')
          .execute(),
      ]);
      const paramsBy = groupBy(params, (r) => r.model_id);
      const tagsBy = groupBy(tags, (r) => r.model_id);
      const metricsBy = groupBy(metrics, (r) => r.model_id);
      for (const row of rows) {
        const id = row.model_id;
        models.set(id, {
          ...toLoggedModelBase(row),
          params: (paramsBy.get(id) ?? []).map(({ key, value }) => ({ key, value })),
          tags: (tagsBy.get(id) ?? []).map(({ key, value }) => ({ key, value })),
          metrics: (metricsBy.get(id) ?? []).map((m) => {
            const metric = toMetric(m);
            if (m.run_id) metric.runId = m.run_id;
            return metric;
          }),
        });
      }
    }
    return ids.flatMap((id) => {
      const model = models.get(id);
      return model ? [model] : [];
    });
  },

  async search(db: Db, q: LoggedModelSearchQuery): Promise<LoggedModel[]> {
    const rows = await buildLoggedModelSearchQuery(db, q).execute();
    return this.loadMany(
      db,
      rows.map((r) => r.model_id),
    );
  },

  async setStatus(db: Db, modelId: string, status: LoggedModelStatus, now: number): Promise<void> {
    await db
      .updateTable('logged_models')
      .set({ status, last_updated_time: now })
      .where('model_id', '=', modelId)
      .execute();
  },

  async markDeleted(db: Db, modelId: string, now: number): Promise<void> {
    await db
      .updateTable('logged_models')
      .set({ lifecycle_stage: 'deleted', last_updated_time: now })
      .where('model_id', '=', modelId)
      .execute();
  },

  async upsertKeyValues(
    db: Db,
    table: 'logged_model_params' | 'logged_model_tags',
    modelId: string,
    rows: Tag[],
  ) {
    if (rows.length === 0) return;
    await db
      .insertInto(table)
      .values(rows.map((r) => ({ model_id: modelId, key: r.key, value: r.value })))
      .onConflict((oc) =>
        oc.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
  },

  async deleteTag(db: Db, modelId: string, key: string): Promise<boolean> {
    const result = await db
      .deleteFrom('logged_model_tags')
      .where('model_id', '=', modelId)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  /** Metrics logged to a run with a `model_id` are also the logged model's metrics. */
  async insertMetrics(db: Db, runId: string, metrics: Metric[]): Promise<void> {
    const linked = metrics.filter((m) => m.modelId);
    for (const slice of chunks(linked, 1000)) {
      await db
        .insertInto('logged_model_metrics')
        .values(
          slice.map((m) => ({
            model_id: m.modelId!,
            key: m.key,
            ...encodeMetricValue(m.value),
            timestamp: m.timestamp,
            step: m.step,
            run_id: runId,
            dataset_name: m.datasetName ?? null,
            dataset_digest: m.datasetDigest ?? null,
          })),
        )
        .execute();
    }
  },
};
