export type { BulkWriter, DatabaseHandle, Engine, NewMetricRow } from './engine.js';
export type { Database } from './schema.js';
export { openDatabase, sqliteFileOf, type OpenOptions } from './open-database.js';
export { migrateTo, migrateToLatest, migrationState } from './migrate.js';
export { isUniqueViolation } from './unique-violation.js';
export type { SqliteSynchronous } from './sqlite-dialect.js';
export { AUDIT_GENESIS_HASH } from './migrations/0006-audit.js';
export type { AuditLogTable, AuditTables } from './schema-audit.js';
export type { EventOutboxTable } from './schema-events.js';
export type {
  ModelVersionApprovalsTable,
  ModelVersionScansTable,
  PromotionPoliciesTable,
} from './schema-governance.js';
export type { ResourcePermissionsTable } from './schema-permissions.js';
export type { ModelVersionsTable, RegisteredModelsTable } from './schema-registry.js';
export type { SecretsTable, SecretTables, SecretVersionsTable } from './schema-secrets.js';
export type { ApiTokensTable, UsersTable, UserTables } from './schema-users.js';
export type { SessionsTable, SessionTables } from './schema-sessions.js';
export type { ExperimentsTable, LoggedModelsTable, RunsTable } from './schema.js';
