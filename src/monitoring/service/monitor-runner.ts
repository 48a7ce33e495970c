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
import { sketchStore } from '../store/sketch-store.js';
import { serialiseDatasetSketch } from '../sketches/index.js';
import { sketchWindow } from './long-window.js';
import { NotFoundError } from '../../shared/index.js';
import type { Breaches } from '../alerts/alert-decision.js';
import type {
  Alert,
  AlertCondition,
  Monitor,
  MonitorRun,
  ReferenceColumn,
  SchemaCheck,
  SignatureColumn,
  TargetValue,
} from './monitoring-types.js';
import { alertFromRow, resultFromRow, segmentResultFromRow } from './row-mapping.js';
import { sliceSegments } from './segments.js';
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
  /** The input schema of that version's signature, when it has one. */
  readonly signature?: readonly SignatureColumn[] | undefined;
  readonly windowEnd: number;
  readonly now: number;
}

const rowsText = (n: number): string => (n === 1 ? '1 row' : `${n} rows`);

function schemaMessage(schema: SchemaCheck): string {
  const parts: string[] = [];
  if (schema.missingColumns.length > 0) {
    parts.push(`missing ${schema.missingColumns.map((c) => `${c.column} (${rowsText(c.rows)})`).join(', ')}`);
  }
  if (schema.unexpectedColumns.length > 0) {
    parts.push(
      `unexpected ${schema.unexpectedColumns.map((c) => `${c.column} (${rowsText(c.rows)})`).join(', ')}`,
    );
  }
  if (schema.typeMismatches.length > 0) {
    parts.push(
      `wrong type ${schema.typeMismatches
        .map((c) => `${c.column} (${rowsText(c.rows)} not ${c.expected}, e.g. ${c.example})`)
        .join(', ')}`,
    );
  }
  return `schema: ${schema.violations} finding(s) against the signature of version ${schema.version}: ${parts.join('; ')}`;
}

function alertMessage(
  condition: AlertCondition,
  evaluation: WindowEvaluation,
  segment: string | null,
): string {
  const prefix = segment === null ? '' : `segment '${segment}': `;
  switch (condition) {
    case 'data_drift': {
      const d = evaluation.drift;
      if (!d) return `${prefix}data drift`;
      const drifted = d.columns.filter((c) => c.driftDetected).map((c) => c.column);
      return (
        `${prefix}data drift: ${d.driftedColumns} of ${d.testedColumns} columns drifted ` +
        `(share ${d.driftShare.toFixed(3)} ≥ ${d.driftShareThreshold}): ${drifted.join(', ')}`
      );
    }
    case 'performance': {
      const p = evaluation.performance;
      if (!p) return `${prefix}performance below threshold`;
      const parts = p.violations.map((m) => `${m} ${(p.metrics[m] ?? NaN).toFixed(4)}`);
      return `${prefix}performance past threshold on ${p.rows} labelled rows: ${parts.join(', ')}`;
    }
    case 'schema':
      return prefix + (evaluation.schema ? schemaMessage(evaluation.schema) : 'schema');
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

/** Judges each segment of a window against the reference rows of the same segment. */
function evaluateSegments(
  window: LoadedWindow,
  monitor: Monitor,
): { segment: string; rows: number; evaluation: WindowEvaluation }[] {
  const segmentBy = monitor.config.segmentBy;
  if (segmentBy === null) return [];
  const columns = (monitor.columns ?? window.referenceColumns.map((c) => c.name)).filter(
    (c) => c !== segmentBy,
  );
  return sliceSegments({
    segmentBy,
    maxSegments: monitor.config.maxSegments,
    rows: window.rows,
    referenceData: window.referenceData,
  }).map((slice) => ({
    segment: slice.segment,
    rows: slice.rows.length,
    evaluation: evaluateWindow({
      referenceColumns: window.referenceColumns,
      referenceData: slice.referenceData,
      columns,
      rows: slice.rows,
      config: monitor.config,
    }),
  }));
}

/**
 * Runs one monitor over `[windowEnd - windowMs, windowEnd)`: reads the reference and the window's predictions,
 * judges the window (pure) as a whole, against the served version's signature when it has one, and per segment
 * when the monitor has `segmentBy`; then in one transaction stores the result, its segments and the window's
 * sketch (for long windows), fires and
 * resolves alerts (hysteresis and one firing alert per condition, and per segment with `segmentAlerts`) and
 * records their events in the outbox.
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
    signature:
      ctx.signature && ctx.version !== null
        ? { version: String(ctx.version), columns: ctx.signature }
        : undefined,
  });
  const segments = evaluateSegments(window, monitor);
  // The window's sketch, merged later to judge long windows without re-reading these rows.
  // Of the monitor's columns only: the ones a long window judges.
  const sketched = monitor.columns
    ? window.referenceColumns.filter((c) => monitor.columns!.includes(c.name))
    : window.referenceColumns;
  const sketch = rows.length > 0 ? serialiseDatasetSketch(sketchWindow(rows, sketched)) : null;

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
      schema_check: evaluation.schema ? JSON.stringify(evaluation.schema) : null,
      created_at: ctx.now,
    });
    if (sketch !== null) {
      await sketchStore.insertWindowSketch(trx, {
        result_id: resultId,
        monitor_id: monitorId,
        version: ctx.version,
        window_start: windowStart,
        window_end: ctx.windowEnd,
        row_count: rows.length,
        sketch,
      });
    }
    await monitorStore.insertSegmentResults(
      tdb,
      segments.map(({ segment, rows: count, evaluation: e }) => ({
        result_id: resultId,
        monitor_id: monitorId,
        segment,
        row_count: count,
        labelled_rows: e.labelledRows,
        status: e.status,
        breaches: JSON.stringify(e.breaches),
        drift_share: e.drift?.driftShare ?? null,
        drift: e.drift ? JSON.stringify(e.drift) : null,
        performance: e.performance ? JSON.stringify(e.performance) : null,
      })),
    );
    const resultRow = (await monitorStore.results(tdb, monitorId, { limit: 1 }))[0]!;
    const fired: Alert[] = [];
    const resolved: Alert[] = [];
    const names = { modelName: monitor.modelName, monitorName: monitor.name };
    const judge = async (
      segment: string | null,
      e: WindowEvaluation,
      history: readonly Breaches[],
    ): Promise<void> => {
      const { fireAfter, resolveAfter } = monitor.config;
      const firingRows = await monitorStore.alerts(tdb, {
        monitorIds: [monitorId],
        state: 'firing',
        segment,
        limit: 10,
      });
      const decision = decideAlerts({
        history,
        firing: new Set(firingRows.map((a) => a.condition as AlertCondition)),
        fireAfter,
        resolveAfter,
      });
      const payload = (alertId: number, condition: AlertCondition, message: string) => ({
        ...names,
        alertId: String(alertId),
        condition,
        ...(segment !== null ? { segment } : {}),
        resultId: String(resultId),
        message,
        windowStart,
        windowEnd: ctx.windowEnd,
        driftShare: e.drift?.driftShare ?? null,
      });
      for (const condition of decision.fire) {
        const message = alertMessage(condition, e, segment);
        const alertId = await monitorStore.insertAlert(tdb, {
          monitor_id: monitorId,
          condition,
          segment,
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
    };
    const depth = Math.max(monitor.config.fireAfter, monitor.config.resolveAfter) * 4;
    if (evaluation.status !== 'insufficient_data') {
      const history = await monitorStore.results(tdb, monitorId, { limit: depth, judgedOnly: true });
      await judge(
        null,
        evaluation,
        history.map((h) => resultFromRow(h).breaches),
      );
    }
    if (monitor.config.segmentAlerts) {
      for (const { segment, evaluation: e } of segments) {
        if (e.status === 'insufficient_data') continue;
        const history = await monitorStore.segmentResults(tdb, monitorId, segment, {
          limit: depth,
          judgedOnly: true,
        });
        await judge(
          segment,
          e,
          history.map((h) => JSON.parse(h.segment.breaches) as Breaches),
        );
      }
    }
    const segmentRows = await monitorStore.segmentResultsOf(tdb, resultId);
    return {
      result: resultFromRow(resultRow),
      segments: segmentRows.map((r) => segmentResultFromRow(r, resultRow)),
      fired,
      resolved,
    };
  });
}
