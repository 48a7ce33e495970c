export type { BulkWriter, DatabaseHandle, Engine, NewMetricRow } from './engine.js';
export type { Database } from './schema.js';
export { openDatabase, type OpenOptions } from './open-database.js';
export { migrateTo, migrateToLatest } from './migrate.js';
export { isUniqueViolation } from './unique-violation.js';
export type { SqliteSynchronous } from './sqlite-dialect.js';
