import type { Kysely, Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/** Promotion policies, approvals and scan verdicts, tied to registered models by their surrogate id. */
export function governanceMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('promotion_policies')
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('require_clean_scan', 'integer', (c) => c.notNull())
        .addColumn('metric_conditions', 'text', (c) => c.notNull())
        .addColumn('beat_current', 'text')
        .addColumn('required_approvals', 'integer', (c) => c.notNull())
        .addColumn('approvers', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('promotion_policies_pk', ['registered_model_id', 'target'])
        .execute();

      await db.schema
        .createTable('model_version_approvals')
        .addColumn('id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('decision_comment', 'text')
        .execute();
      await db.schema
        .createIndex('model_version_approvals_version')
        .on('model_version_approvals')
        .columns(['registered_model_id', 'version', 'target'])
        .execute();

      await db.schema
        .createTable('model_version_scans')
        .addColumn('registered_model_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('findings', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('files', 'integer', (c) => c.notNull())
        .addColumn('scanned_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_version_scans_pk', ['registered_model_id', 'version'])
        .execute();
    },
  };
}
