import type { Kysely, Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Monitoring sketches (issue 13, long windows): a reference's compact mergeable sketch (`sketch` on
 * `monitoring_references`, JSON; null for references stored before, whose sketch is computed from their rows when
 * read), and one sketch per evaluated window of a monitor (`monitor_window_sketches`, keyed by the window's result),
 * merged to judge windows too long to re-read.
 */
export function monitoringSketchesMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('monitoring_references').addColumn('sketch', 'text').execute();
      await db.schema
        .createTable('monitor_window_sketches')
        .addColumn('sketch_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('result_id', 'integer', (c) => c.notNull().unique())
        .addColumn('monitor_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer')
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('sketch', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('monitor_window_sketches_series')
        .on('monitor_window_sketches')
        .columns(['monitor_id', 'window_start'])
        .execute();
    },
  };
}
