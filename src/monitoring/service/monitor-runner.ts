import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { EventAppender } from '../../events/index.js';
import { decideAlerts } from '../alerts/alert-decision.js';
import type { MonitoringEventType } from '../alerts/monitoring-event-catalogue.js';
import type { ColumnValue } from '../stats/index.js';
import { monitorStore } from '../store/monitor-store.js';
import { monitoringDb } from '../store/monitoring-tables.js';
import { predictionStore } from '../store/prediction-store.js';
import { referenceStore } from '../store/reference-store.js';
import { NotFoundError } from '../../shared/index.js';
import type {
  Alert,
  AlertCondition,
  Monitor,
  MonitorRun,
  ReferenceColumn,
  TargetValue,
} from './monitoring-types.js';
import { alertFromRow, resultFromRow } from './row-mapping.js';
import { evaluateWindow, type WindowEvaluation, type WindowRow } from './window-evaluation.js';

/** Rows of one window at most (the newest ones when more were logged). */
export const MAX_WINDOW_ROWS = 200_000;

export interface RunContext {
  readonly db: Kysely<Database>;
  readonly events: EventAppender<MonitoringEventType>;
  readonly modelId: number;
  readonly monitor: Monitor;
  /** The version the window is read for (null: every version). */
  readonly version: number | null;
  readonly windowEnd: number;
  readonly now: number;
}

function alertMessage(condition: AlertCondition, evaluation: WindowEvaluation): string {
  switch (condition) {
    case 'data_drift': {
      const d = evaluation.drift;
      if (!d) return 'data drift';
      const drifted = d.columns.filter((c) => c.driftDetected).map((c) => c.column);
      return (
        `data drift: ${d.driftedColumns} of ${d.testedColumns} columns drifted ` +
        `(share ${d.driftShare.toFixed(3)} ≥ ${d.driftShareThreshold}): ${drifted.join(', ')}`
      );
    }
    case 'performance': {
      const p = evaluation.performance;
      if (!p) return 'performance below threshold';
      const parts = p.violations.map((m) => `${m} ${(p.metrics[m] ?? NaN).toFixed(4)}`);
      return `performance past threshold on ${p.rows} labelled rows: ${parts.join(', ')}`;
    }
  }
}

/** A window's predictions beside the monitor's reference. */
export interface LoadedWindow {
  readonly referenceName: string;
  readonly referenceRows: number;
  readonly referenceColumns: ReferenceColumn[];
  readonly referenceData: Record<string, ColumnValue[]>;
  readonly rows: WindowRow[];
}

/** Reads a monitor's reference and the predictions of `[start, end)` (of one version, or all when null). */
export async function loadWindow(
  db: Kysely<Database>,
  q: { modelId: number; monitor: Monitor; version: number | null; start: number; end: number },
): Promise<LoadedWindow> {
  const mdb = monitoringDb(db);
  const referenceId = Number(q.monitor.referenceId);
  const header = await referenceStore.find(mdb, q.modelId, referenceId);
  const data = await referenceStore.data(mdb, referenceId);
  if (!header || data === undefined) {
    throw new NotFoundError(`Reference ${q.monitor.referenceId} of monitor '${q.monitor.name}' not found`);
  }
  const stored = await predictionStore.window(mdb, {
    modelId: q.modelId,
    version: q.version,
    start: q.start,
    end: q.end,
    limit: MAX_WINDOW_ROWS,
  });
  return {
    referenceName: header.name,
    referenceRows: header.row_count,
    referenceColumns: JSON.parse(header.columns) as ReferenceColumn[],
    referenceData: JSON.parse(data) as Record<string, ColumnValue[]>,
    rows: stored.map((r) => ({
      features: JSON.parse(r.features) as WindowRow['features'],
      prediction: JSON.parse(r.prediction) as TargetValue,
      label: r.label === null ? null : (JSON.parse(r.label) as TargetValue),
    })),
  };
}

/**
 * Runs one monitor over `[windowEnd - windowMs, windowEnd)`: reads the reference and the window's predictions,
 * judges the window (pure), then in one transaction stores the result, fires and resolves alerts (hysteresis
 * and one firing alert per condition) and records their events in the outbox.
 */
export async function runMonitorWindow(ctx: RunContext): Promise<MonitorRun> {
  const { monitor } = ctx;
  const windowStart = ctx.windowEnd - monitor.windowMs;
  const window = await loadWindow(ctx.db, {
    modelId: ctx.modelId,
    monitor,
    version: ctx.version,
    start: windowStart,
    end: ctx.windowEnd,
  });
  const { rows } = window;
  const evaluation = evaluateWindow({
    referenceColumns: window.referenceColumns,
    referenceData: window.referenceData,
    columns: monitor.columns,
    rows,
    config: monitor.config,
  });

  return ctx.db.transaction().execute(async (trx) => {
    const tdb = monitoringDb(trx);
    const monitorId = Number(monitor.id);
    if (!(await monitorStore.touchRun(tdb, monitorId, ctx.now))) {
      throw new NotFoundError(`Monitor ${monitor.id} was deleted while it ran`);
    }
    const resultId = await monitorStore.insertResult(tdb, {
      monitor_id: monitorId,
      version: ctx.version,
      window_start: windowStart,
      window_end: ctx.windowEnd,
      row_count: rows.length,
      labelled_rows: evaluation.labelledRows,
      status: evaluation.status,
      breaches: JSON.stringify(evaluation.breaches),
      drift_share: evaluation.drift?.driftShare ?? null,
      dataset_drift: evaluation.drift ? (evaluation.drift.datasetDrift ? 1 : 0) : null,
      drift: evaluation.drift ? JSON.stringify(evaluation.drift) : null,
      performance: evaluation.performance ? JSON.stringify(evaluation.performance) : null,
      created_at: ctx.now,
    });
    const resultRow = (await monitorStore.results(tdb, monitorId, { limit: 1 }))[0]!;
    const fired: Alert[] = [];
    const resolved: Alert[] = [];
    if (evaluation.status !== 'insufficient_data') {
      const { fireAfter, resolveAfter } = monitor.config;
      const history = await monitorStore.results(tdb, monitorId, {
        limit: Math.max(fireAfter, resolveAfter) * 4,
        judgedOnly: true,
      });
      const firingRows = await monitorStore.alerts(tdb, {
        monitorIds: [monitorId],
        state: 'firing',
        limit: 10,
      });
      const decision = decideAlerts({
        history: history.map((h) => resultFromRow(h).breaches),
        firing: new Set(firingRows.map((a) => a.condition as AlertCondition)),
        fireAfter,
        resolveAfter,
      });
      const names = { modelName: monitor.modelName, monitorName: monitor.name };
      const payload = (alertId: number, condition: AlertCondition, message: string) => ({
        ...names,
        alertId: String(alertId),
        condition,
        resultId: String(resultId),
        message,
        windowStart,
        windowEnd: ctx.windowEnd,
        driftShare: evaluation.drift?.driftShare ?? null,
      });
      for (const condition of decision.fire) {
        const message = alertMessage(condition, evaluation);
        const alertId = await monitorStore.insertAlert(tdb, {
          monitor_id: monitorId,
          condition,
          state: 'firing',
          message,
          fired_at: ctx.now,
          fired_result_id: resultId,
          resolved_at: null,
          resolved_result_id: null,
        });
        await ctx.events.append(trx, {
          type: 'monitor.alert_fired',
          subject: monitor.id,
          payload: payload(alertId, condition, message),
        });
        fired.push(alertFromRow((await monitorStore.findAlert(tdb, alertId))!, names));
      }
      for (const condition of decision.resolve) {
        const row = firingRows.find((a) => a.condition === condition)!;
        await monitorStore.resolveAlert(tdb, row.alert_id, resultId, ctx.now);
        await ctx.events.append(trx, {
          type: 'monitor.alert_resolved',
          subject: monitor.id,
          payload: payload(row.alert_id, condition, row.message),
        });
        resolved.push(alertFromRow((await monitorStore.findAlert(tdb, row.alert_id))!, names));
      }
    }
    return { result: resultFromRow(resultRow), fired, resolved };
  });
}
