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
};
