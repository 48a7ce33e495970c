import { Type } from '@sinclair/typebox';
import { InvalidParameterError } from '../../shared/index.js';
import type {
  LongWindow,
  MergedQuantiles,
  MergedWindows,
  MonitoringService,
  SketchColumnDrift,
  SketchSideSummary,
} from '../../monitoring/index.js';
import type { TypedApp } from '../typed-app.js';
import { SerialIdParam } from '../id-schemas.js';
import { Nullable } from './wire-schemas.js';

/*
 * Long windows from sketches: a monitor's stored window sketches merged over a time range, judged against the
 * reference's sketch (`/long-window`), and one column's merged quantiles (`/quantiles`).
 */

const tags = ['monitoring'];
const MonitorParams = Type.Object({ name: Type.String({ minLength: 1 }), monitor_id: SerialIdParam });
const Epoch = Type.Integer({ minimum: 0, description: 'epoch milliseconds' });
const Range = {
  from: Type.Optional({ ...Epoch, description: 'start of the range, epoch ms (default: 30 days before to)' }),
  to: Type.Optional({ ...Epoch, description: 'end of the range, epoch ms, exclusive (default: now)' }),
};

const MergedOut = {
  from: Type.Integer(),
  to: Type.Integer(),
  windows: Type.Integer({ description: 'window sketches merged (inside the range, not overlapping)' }),
  overlapping_skipped: Type.Integer({ description: 'windows left out because they overlap a merged one' }),
  covered_from: Nullable(Type.Integer()),
  covered_to: Nullable(Type.Integer()),
  rows: Type.Integer(),
};

const SideOut = Type.Object({
  count: Type.Integer(),
  missing: Type.Integer(),
  missing_rate: Nullable(Type.Number()),
  type_mismatches: Type.Integer(),
  quantiles: Nullable(Type.Array(Nullable(Type.Number()))),
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
});

const SketchColumnOut = Type.Object({
  column: Type.String(),
  kind: Type.String(),
  method: Nullable(Type.String()),
  score: Nullable(Type.Number()),
  error_bound: Nullable(Type.Number()),
  threshold: Type.Number(),
  drift_detected: Type.Boolean(),
  verdict_certain: Type.Boolean(),
  reference: SideOut,
  current: SideOut,
  new_categories: Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() })),
  new_categories_exact: Type.Boolean(),
  reason: Nullable(Type.String()),
});

const LongWindowOut = Type.Object({
  ...MergedOut,
  drift: Nullable(
    Type.Object({
      approximate: Type.Literal(true),
      relative_accuracy: Type.Number(),
      summary_quantiles: Type.Array(Type.Number()),
      reference_rows: Type.Integer(),
      current_rows: Type.Integer(),
      tested_columns: Type.Integer(),
      drifted_columns: Type.Integer(),
      drift_share: Type.Number(),
      drift_share_threshold: Type.Number(),
      dataset_drift: Type.Boolean(),
      columns: Type.Array(SketchColumnOut),
    }),
  ),
});

const QuantileOut = Type.Object({ q: Type.Number(), value: Nullable(Type.Number()) });
const QuantilesOut = Type.Object({
  ...MergedOut,
  column: Type.String(),
  relative_accuracy: Type.Number(),
  count: Type.Integer(),
  missing: Type.Integer(),
  quantiles: Type.Array(QuantileOut),
  reference: Type.Object({ count: Type.Integer(), quantiles: Type.Array(QuantileOut) }),
});

function mergedToWire(m: MergedWindows) {
  return {
    from: m.from,
    to: m.to,
    windows: m.windows,
    overlapping_skipped: m.overlappingSkipped,
    covered_from: m.coveredFrom,
    covered_to: m.coveredTo,
    rows: m.rows,
  };
}

function sideToWire(s: SketchSideSummary) {
  return {
    count: s.count,
    missing: s.missing,
    missing_rate: s.missingRate,
    type_mismatches: s.typeMismatches,
    quantiles: s.quantiles === null ? null : [...s.quantiles],
    min: s.min,
    max: s.max,
  };
}

function columnToWire(c: SketchColumnDrift) {
  return {
    column: c.column,
    kind: c.kind,
    method: c.method,
    score: c.score,
    error_bound: c.errorBound,
    threshold: c.threshold,
    drift_detected: c.driftDetected,
    verdict_certain: c.verdictCertain,
    reference: sideToWire(c.reference),
    current: sideToWire(c.current),
    new_categories: [...c.newCategories],
    new_categories_exact: c.newCategoriesExact,
    reason: c.reason,
  };
}

/** A long window in its wire form (snake_case). */
export function longWindowToWire(w: LongWindow, summaryQuantiles: readonly number[]) {
  const d = w.drift;
  return {
    ...mergedToWire(w),
    drift:
      d === null
        ? null
        : {
            approximate: d.approximate,
            relative_accuracy: d.relativeAccuracy,
            summary_quantiles: [...summaryQuantiles],
            reference_rows: d.referenceRows,
            current_rows: d.currentRows,
            tested_columns: d.testedColumns,
            drifted_columns: d.driftedColumns,
            drift_share: d.driftShare,
            drift_share_threshold: d.driftShareThreshold,
            dataset_drift: d.datasetDrift,
            columns: d.columns.map(columnToWire),
          },
  };
}

function quantilesToWire(m: MergedQuantiles) {
  return {
    ...mergedToWire(m),
    column: m.column,
    relative_accuracy: m.relativeAccuracy,
    count: m.count,
    missing: m.missing,
    quantiles: [...m.quantiles],
    reference: { count: m.reference.count, quantiles: [...m.reference.quantiles] },
  };
}

/** `0.5,0.9,0.99` → numbers (400 for anything else). */
export function parseQuantileList(text: string | undefined): number[] {
  if (text === undefined) return [0.05, 0.25, 0.5, 0.75, 0.95];
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length > 100) throw new InvalidParameterError('q: at most 100 quantiles');
  return parts.map((p) => {
    const n = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(p) ? Number(p) : NaN;
    if (!(n >= 0 && n <= 1)) {
      throw new InvalidParameterError(`q: '${p}' is not a quantile (a number from 0 to 1, e.g. q=0.5,0.99)`);
    }
    return n;
  });
}

/** Registers `GET .../monitors/:monitor_id/long-window` and `.../quantiles` (policies in monitoring-routes.ts). */
export function registerMonitoringSketchRoutes(
  app: TypedApp,
  monitoring: MonitoringService,
  monitorPath: string,
  summaryQuantiles: readonly number[],
): void {
  app.get(
    `${monitorPath}/long-window`,
    {
      schema: {
        tags,
        summary:
          "A long window judged from sketches: the monitor's window sketches in [from, to) merged (no row read " +
          "again) and compared with the reference's sketch; approximate, each distance with its error bound",
        params: MonitorParams,
        querystring: Type.Object(Range),
        response: { 200: Type.Object({ long_window: LongWindowOut }) },
      },
    },
    async (req) => ({
      long_window: longWindowToWire(
        await monitoring.longWindow(req.params.name, req.params.monitor_id, {
          from: req.query.from,
          to: req.query.to,
        }),
        summaryQuantiles,
      ),
    }),
  );

  app.get(
    `${monitorPath}/quantiles`,
    {
      schema: {
        tags,
        summary:
          "One numerical column's quantiles over [from, to) from the merged window sketches, beside the " +
          "reference's; each within relative_accuracy of the true quantile",
        params: MonitorParams,
        querystring: Type.Object({
          column: Type.String({ minLength: 1, maxLength: 250 }),
          q: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 2000,
              description: 'comma-separated, default 0.05,...,0.95',
            }),
          ),
          ...Range,
        }),
        response: { 200: Type.Object({ quantiles: QuantilesOut }) },
      },
    },
    async (req) => ({
      quantiles: quantilesToWire(
        await monitoring.mergedQuantiles(req.params.name, req.params.monitor_id, {
          column: req.query.column,
          qs: parseQuantileList(req.query.q),
          from: req.query.from,
          to: req.query.to,
        }),
      ),
    }),
  );
}
