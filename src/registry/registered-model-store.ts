import type { Kysely, Selectable } from 'kysely';
import type { Database, RegisteredModelsTable } from '../db/index.js';
import { buildRegisteredModelSearchQuery, type RegistrySearchQuery } from '../search/index.js';
import { modelVersionStore } from './model-version-store.js';
import type { ModelAlias, ModelVersion, RegisteredModel, Tag } from './types.js';

type Db = Kysely<Database>;
export type RegisteredModelRow = Selectable<RegisteredModelsTable>;

const sliceSize = 1000;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** SQL for registered models, their tags and aliases, and the version counter. Callers validate. */
export const registeredModelStore = {
  async insert(db: Db, row: { name: string; description: string | null; now: number }): Promise<number> {
    const inserted = await db
      .insertInto('registered_models')
      .values({
        name: row.name,
        description: row.description,
        creation_time: row.now,
        last_updated_time: row.now,
        last_version: 0,
      })
      .returning('registered_model_id')
      .executeTakeFirstOrThrow();
    return Number(inserted.registered_model_id);
  },

  async findByName(db: Db, name: string): Promise<RegisteredModelRow | undefined> {
    return db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst();
  },

  /** The name of a registered model by id; undefined when there is none. */
  async nameById(db: Db, id: number): Promise<string | undefined> {
    const row = await db
      .selectFrom('registered_models')
      .select('name')
      .where('registered_model_id', '=', id)
      .executeTakeFirst();
    return row?.name;
  },

  /** The name of a registered model that must exist (Kysely's NoResultError otherwise). */
  async nameOfExisting(db: Db, id: number): Promise<string> {
    const row = await db
      .selectFrom('registered_models')
      .select('name')
      .where('registered_model_id', '=', id)
      .executeTakeFirstOrThrow();
    return row.name;
  },

  /** Loads registered models with tags, aliases and latest versions, in the order of `ids`. */
  async loadMany(db: Db, ids: readonly number[]): Promise<RegisteredModel[]> {
    if (ids.length === 0) return [];
    const rows = new Map<number, RegisteredModelRow>();
    const tags = new Map<number, Tag[]>();
    const aliases = new Map<number, ModelAlias[]>();
    const latest = new Map<number, ModelVersion[]>();
    for (let i = 0; i < ids.length; i += sliceSize) {
      const slice = [...ids.slice(i, i + sliceSize)];
      const [modelRows, tagRows, aliasRows, latestKeys] = await Promise.all([
        db.selectFrom('registered_models').selectAll().where('registered_model_id', 'in', slice).execute(),
        db
          .selectFrom('registered_model_tags')
          .selectAll()
          .where('registered_model_id', 'in', slice)
          .orderBy('key')
          .execute(),
        db
          .selectFrom('registered_model_aliases')
          .selectAll()
          .where('registered_model_id', 'in', slice)
          .orderBy('alias')
          .execute(),
        modelVersionStore.latestPerStage(db, slice),
      ]);
      for (const r of modelRows) rows.set(Number(r.registered_model_id), r);
      for (const t of tagRows) push(tags, Number(t.registered_model_id), { key: t.key, value: t.value });
      for (const a of aliasRows) {
        push(aliases, Number(a.registered_model_id), { alias: a.alias, version: String(a.version) });
      }
      const versions = await modelVersionStore.loadMany(db, latestKeys);
      const byKey = new Map(versions.map((v) => [`${v.name}\u0000${v.version}`, v]));
      for (const key of latestKeys) {
        const name = rows.get(key.registeredModelId)?.name;
        const version = name === undefined ? undefined : byKey.get(`${name}\u0000${key.version}`);
        if (version) push(latest, key.registeredModelId, version);
      }
    }
    return ids.flatMap((id) => {
      const row = rows.get(id);
      if (!row) return [];
      const model: RegisteredModel = {
        name: row.name,
        creationTimestamp: Number(row.creation_time),
        lastUpdatedTimestamp: Number(row.last_updated_time),
        latestVersions: latest.get(id) ?? [],
        tags: tags.get(id) ?? [],
        aliases: aliases.get(id) ?? [],
      };
      if (row.description !== null) model.description = row.description;
      return [model];
    });
  },

  async search(db: Db, q: RegistrySearchQuery): Promise<RegisteredModel[]> {
    const rows = await buildRegisteredModelSearchQuery(db, q).execute();
    return this.loadMany(
      db,
      rows.map((r) => Number(r.registered_model_id)),
    );
  },

  /**
   * Allocates the next version number. One atomic `update ... returning`: concurrent creations queue on the
   * model's row (PostgreSQL row lock, SQLite's single writer), so numbers have no gaps and no duplicates.
   */
  async allocateVersion(db: Db, id: number, now: number): Promise<number> {
    const row = await db
      .updateTable('registered_models')
      .set((eb) => ({ last_version: eb('last_version', '+', 1), last_updated_time: now }))
      .where('registered_model_id', '=', id)
      .returning('last_version')
      .executeTakeFirstOrThrow();
    return Number(row.last_version);
  },

  async rename(db: Db, id: number, name: string, now: number): Promise<void> {
    await db
      .updateTable('registered_models')
      .set({ name, last_updated_time: now })
      .where('registered_model_id', '=', id)
      .execute();
  },

  async setDescription(db: Db, id: number, description: string, now: number): Promise<void> {
    await db
      .updateTable('registered_models')
      .set({ description, last_updated_time: now })
      .where('registered_model_id', '=', id)
      .execute();
  },

  async touch(db: Db, id: number, now: number): Promise<void> {
    await db
      .updateTable('registered_models')
      .set({ last_updated_time: now })
      .where('registered_model_id', '=', id)
      .execute();
  },

  /** Deletes a model with its versions, tags and aliases. */
  async delete(db: Db, id: number): Promise<void> {
    await db.deleteFrom('registered_model_aliases').where('registered_model_id', '=', id).execute();
    await db.deleteFrom('model_version_tags').where('registered_model_id', '=', id).execute();
    await db.deleteFrom('model_versions').where('registered_model_id', '=', id).execute();
    await db.deleteFrom('registered_model_tags').where('registered_model_id', '=', id).execute();
    await db.deleteFrom('registered_models').where('registered_model_id', '=', id).execute();
  },

  async setTag(db: Db, id: number, tag: Tag): Promise<void> {
    await db
      .insertInto('registered_model_tags')
      .values({ registered_model_id: id, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['registered_model_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  },

  async deleteTag(db: Db, id: number, key: string): Promise<boolean> {
    const result = await db
      .deleteFrom('registered_model_tags')
      .where('registered_model_id', '=', id)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  async findAlias(db: Db, id: number, alias: string): Promise<number | undefined> {
    const row = await db
      .selectFrom('registered_model_aliases')
      .select('version')
      .where('registered_model_id', '=', id)
      .where('alias', '=', alias)
      .executeTakeFirst();
    return row ? Number(row.version) : undefined;
  },

  async setAlias(db: Db, id: number, alias: string, version: number): Promise<void> {
    await db
      .insertInto('registered_model_aliases')
      .values({ registered_model_id: id, alias, version })
      .onConflict((oc) => oc.columns(['registered_model_id', 'alias']).doUpdateSet({ version }))
      .execute();
  },

  async deleteAlias(db: Db, id: number, alias: string): Promise<boolean> {
    const result = await db
      .deleteFrom('registered_model_aliases')
      .where('registered_model_id', '=', id)
      .where('alias', '=', alias)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  /** The highest version number that exists now (deleted ones excluded), or undefined. */
  async maxExistingVersion(db: Db, id: number): Promise<number | undefined> {
    const row = await db
      .selectFrom('model_versions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('registered_model_id', '=', id)
      .executeTakeFirst();
    return row?.v === null || row?.v === undefined ? undefined : Number(row.v);
  },
};
