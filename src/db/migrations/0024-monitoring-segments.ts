import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Monitoring, the rest of issue 13: where a reference came from (`source` on `monitoring_references`: JSON of the
 * run artifact or logged dataset it was read from, null for uploaded rows); a window's schema check against the
 * model's signature (`schema_check` on `monitor_results`, JSON); the segment an alert is about (`segment` on
 * `monitor_alerts`, null for the whole window); and one row per segment of each window
 * (`monitor_segment_results`), read as a time series per segment.
 */
export function monitoringSegmentsMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('monitoring_references').addColumn('source', 'text').execute();
      await db.schema.alterTable('monitor_results').addColumn('schema_check', 'text').execute();
      await db.schema.alterTable('monitor_alerts').addColumn('segment', 'text').execute();
      // Deduplication now per segment: one firing alert per monitor, condition and segment (the whole window's
      // segment is null, which a plain unique index would let repeat).
      await db.schema.dropIndex('monitor_alerts_firing').execute();
      await sql`create unique index monitor_alerts_firing on monitor_alerts (monitor_id, condition, coalesce(segment, '')) where state = 'firing'`.execute(
        db,
      );
      await db.schema
        .createTable('monitor_segment_results')
        .addColumn('segment_result_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('result_id', 'integer', (c) => c.notNull())
        .addColumn('monitor_id', 'integer', (c) => c.notNull())
        .addColumn('segment', 'text', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('labelled_rows', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('breaches', 'text', (c) => c.notNull())
        .addColumn('drift_share', 'double precision')
        .addColumn('drift', 'text')
        .addColumn('performance', 'text')
        .execute();
      await db.schema
        .createIndex('monitor_segment_results_series')
        .on('monitor_segment_results')
        .columns(['monitor_id', 'segment', 'result_id'])
        .execute();
      await db.schema
        .createIndex('monitor_segment_results_result')
        .on('monitor_segment_results')
        .columns(['result_id'])
        .execute();
    },
  };
}
