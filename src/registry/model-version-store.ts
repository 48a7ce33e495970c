import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, ModelVersionsTable } from '../db/index.js';
import { buildModelVersionSearchQuery, type RegistrySearchQuery } from '../search/index.js';
import type { ModelStage, ModelVersion, Tag } from './types.js';

type Db = Kysely<Database>;

/** A version's key: the registered model's surrogate id and the version number. */
export interface VersionKey {
  registeredModelId: number;
  version: number;
}

export type ModelVersionRow = Selectable<ModelVersionsTable>;

const sliceSize = 1000;

function keyOf(id: number, version: number): string {
  return `${id}:${version}`;
}

function toModelVersion(
  row: ModelVersionRow & { name: string },
  tags: Tag[],
  aliases: string[],
): ModelVersion {
  return {
    name: row.name,
    version: String(row.version),
    creationTimestamp: Number(row.creation_time),
    lastUpdatedTimestamp: Number(row.last_updated_time),
    currentStage: row.current_stage as ModelStage,
    ...(row.description !== null ? { description: row.description } : {}),
    source: row.source,
    storageLocation: row.storage_location,
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    ...(row.run_link !== null ? { runLink: row.run_link } : {}),
    ...(row.logged_model_id !== null ? { modelId: row.logged_model_id } : {}),
    status: 'READY',
    tags,
    aliases,
  };
}

/** SQL for model versions, their tags, and the aliases that point at them. Callers validate. */
export const modelVersionStore = {
  async insert(db: Db, row: ModelVersionRow): Promise<void> {
    await db.insertInto('model_versions').values(row).execute();
  },

  async find(db: Db, key: VersionKey): Promise<ModelVersionRow | undefined> {
    return db
      .selectFrom('model_versions')
      .selectAll()
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .executeTakeFirst();
  },

  /** Loads versions with their tags and aliases, in the order of `keys`, with a fixed number of queries. */
  async loadMany(db: Db, keys: readonly VersionKey[]): Promise<ModelVersion[]> {
    if (keys.length === 0) return [];
    const rows = new Map<string, ModelVersionRow & { name: string }>();
    const tags = new Map<string, Tag[]>();
    const aliases = new Map<string, string[]>();
    for (let i = 0; i < keys.length; i += sliceSize) {
      const slice = keys.slice(i, i + sliceSize);
      const ids = [...new Set(slice.map((k) => k.registeredModelId))];
      const versions = [...new Set(slice.map((k) => k.version))];
      const [versionRows, tagRows, aliasRows] = await Promise.all([
        db
          .selectFrom('model_versions')
          .innerJoin(
            'registered_models',
            'registered_models.registered_model_id',
            'model_versions.registered_model_id',
          )
          .selectAll('model_versions')
          .select('registered_models.name')
          .where('model_versions.registered_model_id', 'in', ids)
          .where('model_versions.version', 'in', versions)
          .execute(),
        db
          .selectFrom('model_version_tags')
          .selectAll()
          .where('registered_model_id', 'in', ids)
          .where('version', 'in', versions)
          .orderBy('key')
          .execute(),
        db
          .selectFrom('registered_model_aliases')
          .selectAll()
          .where('registered_model_id', 'in', ids)
          .where('version', 'in', versions)
          .orderBy('alias')
          .execute(),
      ]);
      for (const r of versionRows) rows.set(keyOf(r.registered_model_id, r.version), r);
      for (const t of tagRows) {
        const k = keyOf(t.registered_model_id, t.version);
        const list = tags.get(k) ?? [];
        list.push({ key: t.key, value: t.value });
        tags.set(k, list);
      }
      for (const a of aliasRows) {
        const k = keyOf(a.registered_model_id, a.version);
        const list = aliases.get(k) ?? [];
        list.push(a.alias);
        aliases.set(k, list);
      }
    }
    return keys.flatMap((key) => {
      const k = keyOf(key.registeredModelId, key.version);
      const row = rows.get(k);
      return row ? [toModelVersion(row, tags.get(k) ?? [], aliases.get(k) ?? [])] : [];
    });
  },

  async search(db: Db, q: RegistrySearchQuery): Promise<ModelVersion[]> {
    const rows = await buildModelVersionSearchQuery(db, q).execute();
    return this.loadMany(
      db,
      rows.map((r) => ({ registeredModelId: Number(r.registered_model_id), version: Number(r.version) })),
    );
  },

  /** The highest version in each stage, for the given models (and stages, when given). */
  async latestPerStage(
    db: Db,
    ids: readonly number[],
    stages?: readonly ModelStage[],
  ): Promise<VersionKey[]> {
    if (ids.length === 0 || stages?.length === 0) return [];
    let query = db
      .selectFrom('model_versions')
      .select(['registered_model_id', 'current_stage', sql<number>`max(version)`.as('version')])
      .where('registered_model_id', 'in', [...ids])
      .groupBy(['registered_model_id', 'current_stage']);
    if (stages) query = query.where('current_stage', 'in', [...stages]);
    const rows = await query.execute();
    const rank = (stage: string): number => ['None', 'Staging', 'Production', 'Archived'].indexOf(stage);
    rows.sort(
      (a, b) =>
        Number(a.registered_model_id) - Number(b.registered_model_id) ||
        rank(a.current_stage) - rank(b.current_stage),
    );
    return rows.map((r) => ({
      registeredModelId: Number(r.registered_model_id),
      version: Number(r.version),
    }));
  },

  async setDescription(db: Db, key: VersionKey, description: string, now: number): Promise<void> {
    await db
      .updateTable('model_versions')
      .set({ description, last_updated_time: now })
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .execute();
  },

  async setStage(db: Db, key: VersionKey, stage: ModelStage, now: number): Promise<void> {
    await db
      .updateTable('model_versions')
      .set({ current_stage: stage, last_updated_time: now })
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .execute();
  },

  /** Moves every other version in `stage` to Archived; returns the versions moved. */
  async archiveOthers(db: Db, key: VersionKey, stage: ModelStage, now: number): Promise<number[]> {
    const rows = await db
      .updateTable('model_versions')
      .set({ current_stage: 'Archived', last_updated_time: now })
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '!=', key.version)
      .where('current_stage', '=', stage)
      .returning('version')
      .execute();
    return rows.map((r) => Number(r.version)).sort((a, b) => a - b);
  },

  async touch(db: Db, key: VersionKey, now: number): Promise<void> {
    await db
      .updateTable('model_versions')
      .set({ last_updated_time: now })
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .execute();
  },

  /** Deletes a version with its tags and the aliases pointing at it; returns those aliases. */
  async delete(db: Db, key: VersionKey): Promise<string[]> {
    const removed = await db
      .deleteFrom('registered_model_aliases')
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .returning('alias')
      .execute();
    await db
      .deleteFrom('model_version_tags')
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .execute();
    await db
      .deleteFrom('model_versions')
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .execute();
    return removed.map((r) => r.alias).sort();
  },

  async setTag(db: Db, key: VersionKey, tag: Tag): Promise<void> {
    await db
      .insertInto('model_version_tags')
      .values({
        registered_model_id: key.registeredModelId,
        version: key.version,
        key: tag.key,
        value: tag.value,
      })
      .onConflict((oc) =>
        oc.columns(['registered_model_id', 'version', 'key']).doUpdateSet({ value: tag.value }),
      )
      .execute();
  },

  async deleteTag(db: Db, key: VersionKey, tagKey: string): Promise<boolean> {
    const result = await db
      .deleteFrom('model_version_tags')
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .where('key', '=', tagKey)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },
};
