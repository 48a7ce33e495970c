import type { Kysely } from 'kysely';
import type { DatabaseHandle, Engine } from '../../../db/engine.js';
import { secretsMigration } from '../../../db/migrations/0005-secrets.js';
import { openTestDatabase, type TestDatabase } from '../../../db/test-support/test-databases.js';

/**
 * Applies the secrets migration unless its tables exist already (so it keeps working once `migrateToLatest`
 * runs 0005 itself).
 */
export async function ensureSecretsSchema(handle: DatabaseHandle): Promise<void> {
  const tables = await handle.db.introspection.getTables();
  if (tables.some((t) => t.name === 'secrets')) return;
  const db: Kysely<unknown> = handle.db as Kysely<unknown>;
  await secretsMigration(handle).up(db);
}

/** A fresh migrated test database with the secret tables. */
export async function openSecretsTestDatabase(engine: Engine): Promise<TestDatabase> {
  const database = await openTestDatabase(engine);
  await ensureSecretsSchema(database.handle);
  return database;
}
