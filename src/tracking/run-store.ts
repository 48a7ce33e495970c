import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { chunks, toRunInfo } from './row-mappers.js';
import { loadRuns } from './run-loader.js';
import type { DatasetInput, LifecycleStage, ModelOutput, Run, RunInfo, RunStatus, Tag } from './types.js';

type Db = Kysely<Database>;

/** SQL for runs and what hangs off them (params, tags, inputs, outputs). */
export const runStore = {
  async insert(db: Db, info: RunInfo, tags: Tag[]): Promise<void> {
    await db
      .insertInto('runs')
      .values({
        run_uuid: info.runId,
        experiment_id: Number(info.experimentId),
        name: info.runName,
        user_id: info.userId,
        status: info.status,
        start_time: info.startTime,
        end_time: info.endTime,
        lifecycle_stage: info.lifecycleStage,
        artifact_uri: info.artifactUri,
        deleted_time: null,
      })
      .execute();
    await this.upsertTags(db, info.runId, tags);
  },

  async findInfo(db: Db, runId: string): Promise<RunInfo | undefined> {
    const row = await db.selectFrom('runs').selectAll().where('run_uuid', '=', runId).executeTakeFirst();
    return row ? toRunInfo(row) : undefined;
  },

  /** Loads whole runs in the given order with one query per 5,000 runs (see `loadRuns`). */
  loadMany(db: Db, runIds: string[]): Promise<Run[]> {
    return loadRuns(db, runIds);
  },

  async update(
    db: Db,
    runId: string,
    changes: { status?: RunStatus; endTime?: number; name?: string },
  ): Promise<void> {
    const set: { status?: string; end_time?: number; name?: string } = {};
    if (changes.status !== undefined) set.status = changes.status;
    if (changes.endTime !== undefined) set.end_time = changes.endTime;
    if (changes.name !== undefined) set.name = changes.name;
    if (Object.keys(set).length > 0)
      await db.updateTable('runs').set(set).where('run_uuid', '=', runId).execute();
  },

  async setLifecycle(
    db: Db,
    runIds: string[] | { experimentId: number; deletedTime?: number },
    stage: LifecycleStage,
    now: number,
  ) {
    let query = db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null });
    if (Array.isArray(runIds)) {
      query = query.where('run_uuid', 'in', runIds);
    } else {
      query = query.where('experiment_id', '=', runIds.experimentId);
      query =
        stage === 'deleted'
          ? query.where('lifecycle_stage', '=', 'active')
          : query.where('deleted_time', '=', runIds.deletedTime ?? -1);
    }
    await query.execute();
  },

  async existingParams(db: Db, runId: string, keys: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const slice of chunks(keys)) {
      const rows = await db
        .selectFrom('params')
        .select(['key', 'value'])
        .where('run_uuid', '=', runId)
        .where('key', 'in', slice)
        .execute();
      for (const r of rows) found.set(r.key, r.value);
    }
    return found;
  },

  async insertParams(db: Db, runId: string, params: Tag[]): Promise<void> {
    if (params.length === 0) return;
    await db
      .insertInto('params')
      .values(params.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
      .onConflict((oc) => oc.columns(['run_uuid', 'key']).doNothing())
      .execute();
  },

  async upsertTags(db: Db, runId: string, tags: Tag[]): Promise<void> {
    if (tags.length === 0) return;
    await db
      .insertInto('tags')
      .values(tags.map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
      .onConflict((oc) =>
        oc.columns(['run_uuid', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
  },

  async deleteTag(db: Db, runId: string, key: string): Promise<boolean> {
    const result = await db
      .deleteFrom('tags')
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  async addDatasetInput(
    db: Db,
    runId: string,
    experimentId: number,
    input: DatasetInput,
    newId: () => string,
  ) {
    const d = input.dataset;
    const existing = await db
      .selectFrom('datasets')
      .select('dataset_uuid')
      .where('experiment_id', '=', experimentId)
      .where('name', '=', d.name)
      .where('digest', '=', d.digest)
      .executeTakeFirst();
    let datasetId = existing?.dataset_uuid;
    if (!datasetId) {
      datasetId = newId();
      await db
        .insertInto('datasets')
        .values({
          dataset_uuid: datasetId,
          experiment_id: experimentId,
          name: d.name,
          digest: d.digest,
          source_type: d.sourceType,
          source: d.source,
          schema: d.schema ?? null,
          profile: d.profile ?? null,
        })
        .execute();
    }
    await db
      .insertInto('run_inputs')
      .values({ run_uuid: runId, dataset_uuid: datasetId, tags: JSON.stringify(input.tags) })
      .onConflict((oc) => oc.columns(['run_uuid', 'dataset_uuid']).doNothing())
      .execute();
  },

  async addOutputs(db: Db, runId: string, outputs: ModelOutput[]): Promise<void> {
    if (outputs.length === 0) return;
    await db
      .insertInto('run_outputs')
      .values(outputs.map((o) => ({ run_uuid: runId, model_id: o.modelId, step: o.step })))
      .onConflict((oc) =>
        oc.columns(['run_uuid', 'model_id']).doUpdateSet((eb) => ({ step: eb.ref('excluded.step') })),
      )
      .execute();
  },
};
