import { usersMigration } from '../../../db/migrations/0007-users.js';
import type { DatabaseHandle } from '../../../db/engine.js';
import { openTestDatabase, type TestDatabase } from '../../../db/test-support/test-databases.js';
import type { Engine } from '../../../db/engine.js';

/**
 * Applies the users migration unless its tables already exist (once migrate.ts registers 0007, `migrateToLatest`
 * has done it and this does nothing).
 */
export async function ensureUsersTables(handle: DatabaseHandle): Promise<void> {
  const tables = await handle.db.introspection.getTables();
  if (tables.some((t) => t.name === 'users')) return;
  await usersMigration(handle).up(handle.db);
}

/** A migrated test database with the users tables. */
export async function openUsersTestDatabase(engine: Engine): Promise<TestDatabase> {
  const database = await openTestDatabase(engine);
  await ensureUsersTables(database.handle);
  return database;
}
