import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { buildExperimentSearchQuery, type ExperimentSearchQuery } from '../search/index.js';
import { chunks, groupBy, toExperiment } from './row-mappers.js';
import type { Experiment, LifecycleStage, Tag } from './types.js';

type Db = Kysely<Database>;

/** What the id of an experiment created without a location is appended to (`mlflow-artifacts:/` + `7`). */
export function defaultPrefix(defaultRoot: string): string {
  return defaultRoot.endsWith('/') ? defaultRoot : `${defaultRoot}/`;
}

/** SQL for experiments and their tags. Callers validate; this file only reads and writes rows. */
export const experimentStore = {
  async insert(
    db: Db,
    row: { name: string; artifactLocation: string | null; now: number; defaultRoot: string },
  ): Promise<number> {
    const inserted = await db
      .insertInto('experiments')
      .values({
        name: row.name,
        artifact_location: row.artifactLocation ?? '',
        lifecycle_stage: 'active',
        creation_time: row.now,
        last_update_time: row.now,
      })
      .returning('experiment_id')
      .executeTakeFirstOrThrow();
    const id = Number(inserted.experiment_id);
    if (row.artifactLocation === null) {
      await db
        .updateTable('experiments')
        .set({ artifact_location: `${defaultPrefix(row.defaultRoot)}${id}` })
        .where('experiment_id', '=', id)
        .execute();
    }
    return id;
  },

  /**
   * Every experiment (deleted ones too, they can be restored) whose artifact location is not the default one for
   * its id under `defaultRoot`: the ones a new custom location could overlap. Default locations are skipped in
   * SQL, so the answer stays small however many experiments there are.
   */
  async customLocations(
    db: Db,
    defaultRoot: string,
  ): Promise<{ experimentId: string; artifactLocation: string }[]> {
    const rows = await db
      .selectFrom('experiments')
      .select(['experiment_id', 'artifact_location'])
      .where(
        'artifact_location',
        '<>',
        sql<string>`${defaultPrefix(defaultRoot)} || cast(experiment_id as text)`,
      )
      .orderBy('experiment_id')
      .execute();
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      artifactLocation: r.artifact_location,
    }));
  },

  /** Whether the experiment has a run or a logged model (deleted ones too): files may then be at its location. */
  async holdsEntities(db: Db, id: number): Promise<boolean> {
    const run = await db
      .selectFrom('runs')
      .select('run_uuid')
      .where('experiment_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    if (run) return true;
    const model = await db
      .selectFrom('logged_models')
      .select('model_id')
      .where('experiment_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    return model !== undefined;
  },

  /**
   * The datasets runs of these experiments used, each with its input's tags (JSON text, `[{key, value}]`), distinct,
   * by experiment, name and digest; at most `limit` rows.
   */
  async datasetUses(
    db: Db,
    ids: number[],
    limit: number,
  ): Promise<{ experimentId: string; name: string; digest: string; tags: string }[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('datasets')
      .innerJoin('run_inputs', 'run_inputs.dataset_uuid', 'datasets.dataset_uuid')
      .select(['datasets.experiment_id', 'datasets.name', 'datasets.digest', 'run_inputs.tags'])
      .distinct()
      .where('datasets.experiment_id', 'in', ids)
      .orderBy('datasets.experiment_id')
      .orderBy('datasets.name')
      .orderBy('datasets.digest')
      .orderBy('run_inputs.tags')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      digest: r.digest,
      tags: r.tags,
    }));
  },

  async setArtifactLocation(db: Db, id: number, location: string): Promise<void> {
    await db
      .updateTable('experiments')
      .set({ artifact_location: location })
      .where('experiment_id', '=', id)
      .execute();
  },

  async findById(db: Db, id: number): Promise<Experiment | undefined> {
    const row = await db
      .selectFrom('experiments')
      .selectAll()
      .where('experiment_id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return toExperiment(row, await this.tagsOf(db, id));
  },

  /** The experiment's own columns, without its tags. */
  findRow(db: Db, id: number) {
    return db
      .selectFrom('experiments')
      .select(['experiment_id', 'artifact_location', 'lifecycle_stage'])
      .where('experiment_id', '=', id)
      .executeTakeFirst();
  },

  async findByName(db: Db, name: string): Promise<Experiment | undefined> {
    const row = await db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return undefined;
    return toExperiment(row, await this.tagsOf(db, Number(row.experiment_id)));
  },

  async tagsOf(db: Db, id: number): Promise<Tag[]> {
    return db
      .selectFrom('experiment_tags')
      .select(['key', 'value'])
      .where('experiment_id', '=', id)
      .orderBy('key')
      .execute();
  },

  /** Loads experiments by id in the given order, with a fixed number of queries. */
  async loadMany(db: Db, ids: number[]): Promise<Experiment[]> {
    if (ids.length === 0) return [];
    const rows = [];
    const tags = [];
    for (const slice of chunks(ids)) {
      rows.push(
        ...(await db.selectFrom('experiments').selectAll().where('experiment_id', 'in', slice).execute()),
      );
      tags.push(
        ...(await db
          .selectFrom('experiment_tags')
          .selectAll()
          .where('experiment_id', 'in', slice)
          .orderBy('key')
          .execute()),
      );
    }
    const tagsById = groupBy(tags, (t) => Number(t.experiment_id));
    const byId = new Map(rows.map((r) => [Number(r.experiment_id), r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row
        ? [
            toExperiment(
              row,
              (tagsById.get(id) ?? []).map(({ key, value }) => ({ key, value })),
            ),
          ]
        : [];
    });
  },

  async search(db: Db, q: ExperimentSearchQuery): Promise<Experiment[]> {
    const rows = await buildExperimentSearchQuery(db, q).execute();
    return this.loadMany(
      db,
      rows.map((r) => Number(r.experiment_id)),
    );
  },

  async rename(db: Db, id: number, name: string, now: number): Promise<void> {
    await db
      .updateTable('experiments')
      .set({ name, last_update_time: now })
      .where('experiment_id', '=', id)
      .execute();
  },

  async setLifecycle(db: Db, id: number, stage: LifecycleStage, now: number): Promise<void> {
    await db
      .updateTable('experiments')
      .set({ lifecycle_stage: stage, last_update_time: now })
      .where('experiment_id', '=', id)
      .execute();
  },

  async setTag(db: Db, id: number, tag: Tag): Promise<void> {
    await db
      .insertInto('experiment_tags')
      .values({ experiment_id: id, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  },

  async deleteTag(db: Db, id: number, key: string): Promise<boolean> {
    const result = await db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', id)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },
};
