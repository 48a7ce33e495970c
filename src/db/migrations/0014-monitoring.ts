import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Monitoring (issue 13): reference datasets and their profiles, logged predictions (with labels joined later by
 * request id), monitors, the result of each monitor window and the alerts those results fire and resolve. Every
 * row names its registered model by surrogate id, so a rename carries monitors along. JSON documents are text.
 */
export function monitoringMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('monitoring_references')
        .addColumn('reference_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer')
        .addColumn('logged_model_id', 'text')
        .addColumn('columns', 'text', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('monitoring_references_name', ['registered_model_id', 'name'])
        .execute();

      await db.schema
        .createTable('monitoring_predictions')
        .addColumn('prediction_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('features', 'text', (c) => c.notNull())
        .addColumn('prediction', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('labelled_at', 'bigint')
        .addColumn('ingested_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('monitoring_predictions_time')
        .on('monitoring_predictions')
        .columns(['registered_model_id', 'timestamp'])
        .execute();
      // NULL request ids never collide (both engines treat NULLs as distinct in a unique index).
      await db.schema
        .createIndex('monitoring_predictions_request')
        .on('monitoring_predictions')
        .columns(['registered_model_id', 'request_id'])
        .unique()
        .execute();

      await db.schema
        .createTable('monitors')
        .addColumn('monitor_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('target_version', 'integer')
        .addColumn('target_alias', 'text')
        .addColumn('reference_id', 'integer', (c) => c.notNull())
        .addColumn('window_ms', 'bigint', (c) => c.notNull())
        .addColumn('schedule_ms', 'bigint')
        .addColumn('columns', 'text')
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_run_at', 'bigint')
        .addUniqueConstraint('monitors_name', ['registered_model_id', 'name'])
        .execute();

      await db.schema
        .createTable('monitor_results')
        .addColumn('result_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('monitor_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer')
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('labelled_rows', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('breaches', 'text', (c) => c.notNull())
        .addColumn('drift_share', 'double precision')
        .addColumn('dataset_drift', 'integer')
        .addColumn('drift', 'text')
        .addColumn('performance', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('monitor_results_monitor')
        .on('monitor_results')
        .columns(['monitor_id', 'result_id'])
        .execute();

      await db.schema
        .createTable('monitor_alerts')
        .addColumn('alert_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('monitor_id', 'integer', (c) => c.notNull())
        .addColumn('condition', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('fired_at', 'bigint', (c) => c.notNull())
        .addColumn('fired_result_id', 'integer', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .addColumn('resolved_result_id', 'integer')
        .execute();
      // Deduplication: at most one firing alert per monitor and condition, whatever runs concurrently.
      await db.schema
        .createIndex('monitor_alerts_firing')
        .on('monitor_alerts')
        .columns(['monitor_id', 'condition'])
        .unique()
        .where(sql.ref('state'), '=', 'firing')
        .execute();
      await db.schema
        .createIndex('monitor_alerts_monitor')
        .on('monitor_alerts')
        .columns(['monitor_id', 'alert_id'])
        .execute();
    },
  };
}
