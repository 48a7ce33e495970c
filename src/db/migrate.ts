import {
  DEFAULT_MIGRATION_TABLE,
  Migrator,
  sql,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
import type { DatabaseHandle } from './engine.js';
import { trackingMigration } from './migrations/0001-tracking.js';
import { registryMigration } from './migrations/0002-registry.js';
import { eventsMigration } from './migrations/0003-events.js';
import { governanceMigration } from './migrations/0004-governance.js';
import { secretsMigration } from './migrations/0005-secrets.js';
import { auditMigration } from './migrations/0006-audit.js';
import { usersMigration } from './migrations/0007-users.js';
import { permissionsMigration } from './migrations/0008-permissions.js';
import { webhookSecretRefMigration } from './migrations/0009-webhook-secret-ref.js';
import { eventOutboxMigration } from './migrations/0010-event-outbox.js';
import { modelVersionLocationMigration } from './migrations/0011-model-version-location.js';
import { runModelInputsMigration } from './migrations/0012-run-model-inputs.js';
import { pipelinesMigration } from './migrations/0013-pipelines.js';
import { sessionsMigration } from './migrations/0016-sessions.js';
import { monitoringMigration } from './migrations/0014-monitoring.js';
import { userDisabledMigration } from './migrations/0017-user-disabled.js';
import { searchScaleMigration } from './migrations/0018-search-scale.js';
import { pipelineSchedulesMigration } from './migrations/0019-pipeline-schedules.js';
import { webhookFormatMigration } from './migrations/0021-webhook-format.js';
import { pipelineApprovalsMigration } from './migrations/0022-pipeline-approvals.js';
import { metricStepSummariesMigration } from './migrations/0023-metric-step-summaries.js';
import { monitoringSegmentsMigration } from './migrations/0024-monitoring-segments.js';
import { pipelineTriggerFiringsMigration } from './migrations/0026-pipeline-trigger-firings.js';
import { pipelineWorkersMigration } from './migrations/0027-pipeline-workers.js';
import { pipelineCostsMigration } from './migrations/0028-pipeline-costs.js';
import { monitoringSketchesMigration } from './migrations/0029-monitoring-sketches.js';
import { searchCoveringIndexesMigration } from './migrations/0030-search-covering-indexes.js';
import { metricValuesIndexMigration } from './migrations/0031-metric-values-index.js';

/** Every migration, in order. Names sort in the order they must run. */
function provider(handle: DatabaseHandle): MigrationProvider {
  return {
    getMigrations: async () => ({
      '0001-tracking': trackingMigration(handle),
      '0002-registry': registryMigration(handle),
      '0003-events': eventsMigration(handle),
      '0004-governance': governanceMigration(handle),
      '0005-secrets': secretsMigration(handle),
      '0006-audit': auditMigration(handle),
      '0007-users': usersMigration(handle),
      '0008-permissions': permissionsMigration(handle),
      '0009-webhook-secret-ref': webhookSecretRefMigration(handle),
      '0010-event-outbox': eventOutboxMigration(handle),
      '0011-model-version-location': modelVersionLocationMigration(handle),
      '0012-run-model-inputs': runModelInputsMigration(),
      '0013-pipelines': pipelinesMigration(),
      '0016-sessions': sessionsMigration(handle),
      '0014-monitoring': monitoringMigration(handle),
      '0017-user-disabled': userDisabledMigration(),
      '0018-search-scale': searchScaleMigration(),
      '0019-pipeline-schedules': pipelineSchedulesMigration(),
      '0021-webhook-format': webhookFormatMigration(),
      '0022-pipeline-approvals': pipelineApprovalsMigration(),
      '0023-metric-step-summaries': metricStepSummariesMigration(),
      '0024-monitoring-segments': monitoringSegmentsMigration(handle),
      '0026-pipeline-trigger-firings': pipelineTriggerFiringsMigration(),
      '0027-pipeline-workers': pipelineWorkersMigration(),
      '0028-pipeline-costs': pipelineCostsMigration(),
      '0029-monitoring-sketches': monitoringSketchesMigration(handle),
      '0030-search-covering-indexes': searchCoveringIndexesMigration(handle),
      '0031-metric-values-index': metricValuesIndexMigration(handle),
    }),
  };
}

/**
 * Brings the schema up to date. Safe to call from several processes at once: PostgreSQL serialises them
 * with an advisory lock, SQLite with the write lock taken by the lock row (see sqlite-dialect.ts).
 * Returns the names of the migrations this call applied.
 */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: provider(handle) });
  return applied(await migrator.migrateToLatest());
}

/**
 * Brings the schema up to the migration `name` and no further: for tests that build a database as an older
 * version left it, then check that the next migrations keep its data.
 */
export async function migrateTo(handle: DatabaseHandle, name: string): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: provider(handle) });
  return applied(await migrator.migrateTo(name));
}

/**
 * How the database's schema compares with this code's migrations: `pending` are this code's migrations the
 * database has not applied (the code is newer than the schema), `unknown` are applied migrations this code does
 * not have (the code is older: another server ran a newer release). Both empty: the schema is current. Reads
 * only; throws when the database cannot be read (or was never migrated). For readiness probes: a replica whose
 * code and schema differ must not take traffic.
 * Example: `const { pending, unknown } = await migrationState(handle);`
 */
export async function migrationState(
  handle: DatabaseHandle,
): Promise<{ pending: string[]; unknown: string[] }> {
  const known = Object.keys(await provider(handle).getMigrations()).sort();
  const result = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(
    handle.db,
  );
  const applied = new Set(result.rows.map((r) => r.name));
  const ours = new Set(known);
  return {
    pending: known.filter((name) => !applied.has(name)),
    unknown: [...applied].filter((name) => !ours.has(name)).sort(),
  };
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
