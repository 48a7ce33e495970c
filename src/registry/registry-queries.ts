/**
 * The questions other parts of Bosun (the CLI; later pipelines and monitoring) ask of the registry's tables, as
 * named queries, so that none of them reads those tables itself. Each takes the database or a transaction.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { registeredModelStore } from './registered-model-store.js';

/**
 * The registry's named queries for other domains.
 *
 * Example: `if (!(await registryQueries.registeredModelExists(db, 'churn'))) throw new NotFoundError(...);`
 */
export const registryQueries = {
  /** Whether a registered model of exactly this name exists (no name checks: an odd name simply does not). */
  async registeredModelExists(db: Kysely<Database>, name: string): Promise<boolean> {
    return (await registeredModelStore.findByName(db, name)) !== undefined;
  },
  /** The surrogate id of a registered model (stable across renames), or undefined when there is none. */
  async registeredModelId(db: Kysely<Database>, name: string): Promise<number | undefined> {
    return (await registeredModelStore.findByName(db, name))?.registered_model_id;
  },
  /** The current names of registered models by surrogate id (ids of deleted models are absent). */
  async registeredModelNames(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('registered_models')
      .select(['registered_model_id', 'name'])
      .where('registered_model_id', 'in', [...new Set(ids)])
      .execute();
    return new Map(rows.map((r) => [r.registered_model_id, r.name]));
  },
};
