import type { Kysely } from 'kysely';
import type { DatabaseHandle } from '../../../db/engine.js';
import { auditMigration } from '../../../db/migrations/0006-audit.js';
import type { Database } from '../../../db/schema.js';
import type { AuditTables } from '../../../db/schema-audit.js';
import { openTestDatabase, type TestDatabase } from '../../../db/test-support/test-databases.js';
import type { Engine } from '../../../db/engine.js';

/**
 * Applies the audit migration to a database `migrateToLatest` already brought up to date, unless the tables
 * exist (once 0006 is registered in migrate.ts, `migrateToLatest` has created them and this does nothing).
 */
export async function ensureAuditTables(handle: DatabaseHandle): Promise<Kysely<Database & AuditTables>> {
  const tables = await handle.db.introspection.getTables();
  if (!tables.some((t) => t.name === 'audit_log')) {
    await handle.db.transaction().execute(async (trx) => {
      await auditMigration(handle).up(trx);
    });
  }
  // `Pick` turns the interface into a mapped type, which satisfies withTables' index-signature constraint.
  return handle.db.withTables<Pick<AuditTables, keyof AuditTables>>();
}

/** A fresh migrated test database with the audit tables, and its audit-typed Kysely instance. */
export async function openAuditTestDatabase(
  engine: Engine,
): Promise<TestDatabase & { audit: Kysely<Database & AuditTables> }> {
  const database = await openTestDatabase(engine);
  const audit = await ensureAuditTables(database.handle);
  return { ...database, audit };
}
