import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import {
  mergeDatasetSketches,
  parseDatasetSketch,
  serialiseDatasetSketch,
  sketchDataset,
  sketchDrift,
  type DatasetSketch,
  type SketchDrift,
} from '../sketches/index.js';
import { EVIDENTLY_SMALL_REFERENCE_MAX, type ColumnValue } from '../stats/index.js';
import { sketchStore, type WindowSketchRow } from '../store/sketch-store.js';
import type { Monitor, ReferenceColumn } from './monitoring-types.js';
import type { WindowRow } from './window-evaluation.js';

/** Window sketches merged in one request at most (a year of 1-hour windows). */
export const MAX_MERGED_WINDOWS = 10_000;
/** The range a long window covers when the request names none: the 30 days before `to`. */
export const DEFAULT_LONG_WINDOW_MS = 30 * 24 * 3600 * 1000;

/** A time range `[from, to)` in epoch milliseconds. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** Which stored windows a long window merged. */
export interface MergedWindows {
  readonly from: number;
  readonly to: number;
  /** Windows merged (non-overlapping, inside the range). */
  readonly windows: number;
  /** Windows inside the range left out because they overlap one already merged (sliding windows, re-runs). */
  readonly overlappingSkipped: number;
  /** Start of the first and end of the last merged window (null: none). */
  readonly coveredFrom: number | null;
  readonly coveredTo: number | null;
  /** Predictions counted in the merged windows. */
  readonly rows: number;
}

/** A long window judged from sketches: the merged windows and the drift against the reference's sketch. */
export interface LongWindow extends MergedWindows {
  /** Null when no window in the range has a sketch. */
  readonly drift: SketchDrift | null;
}

/** Merged quantiles of one numerical column over a range, beside the reference's. */
export interface MergedQuantiles extends MergedWindows {
  readonly column: string;
  /** The quantile sketch's relative accuracy α: each value within α·|x| of the true quantile. */
  readonly relativeAccuracy: number;
  readonly count: number;
  readonly missing: number;
  readonly quantiles: readonly { readonly q: number; readonly value: number | null }[];
  readonly reference: {
    readonly count: number;
    readonly quantiles: readonly { readonly q: number; readonly value: number | null }[];
  };
}

/** Checks a `[from, to)` range of a request; `to` defaults to now, `from` to 30 days before `to`. */
export function parseTimeRange(from: number | undefined, to: number | undefined, now: number): TimeRange {
  const end = to ?? now;
  const start = from ?? Math.max(0, end - DEFAULT_LONG_WINDOW_MS);
  for (const [name, v] of [
    ['from', start],
    ['to', end],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new InvalidParameterError(`${name} must be epoch milliseconds (an integer from 0), got ${v}`);
    }
  }
  if (start >= end) throw new InvalidParameterError(`from (${start}) must be before to (${end})`);
  return { from: start, to: end };
}

/** The sketch of a window's rows over the reference's columns (values of the wrong kind counted apart). */
export function sketchWindow(rows: readonly WindowRow[], columns: readonly ReferenceColumn[]): DatasetSketch {
  const data: Record<string, ColumnValue[]> = {};
  for (const { name } of columns) data[name] = rows.map((r) => r.features[name] ?? null);
  return sketchDataset(data, columns, rows.length);
}

/**
 * A reference's sketch: the stored one, or (a reference stored before sketches existed) computed from its rows
 * and stored for next time.
 */
export async function referenceSketch(
  db: Kysely<Database>,
  reference: {
    readonly id: number;
    readonly columns: readonly ReferenceColumn[];
    readonly rows: number;
    readonly data: () => Promise<Readonly<Record<string, readonly ColumnValue[]>>>;
  },
): Promise<DatasetSketch> {
  const stored = await sketchStore.referenceSketch(db, reference.id);
  if (stored) return parseDatasetSketch(stored);
  const sketch = sketchDataset(await reference.data(), reference.columns, reference.rows);
  await sketchStore.saveReferenceSketch(db, reference.id, serialiseDatasetSketch(sketch));
  return sketch;
}

/**
 * The monitor's window sketches inside the range, merged: oldest first, a window overlapping one already taken
 * is left out (sliding windows and re-runs of a window would count rows twice).
 */
export async function mergeWindows(
  db: Kysely<Database>,
  monitorId: number,
  range: TimeRange,
): Promise<{ merged: MergedWindows; sketch: DatasetSketch | null }> {
  const rows = await sketchStore.windowSketches(db, { monitorId, ...range, limit: MAX_MERGED_WINDOWS + 1 });
  if (rows.length > MAX_MERGED_WINDOWS) {
    throw new InvalidParameterError(
      `More than ${MAX_MERGED_WINDOWS} windows in [${range.from}, ${range.to}): ask for a shorter range`,
    );
  }
  const taken: WindowSketchRow[] = [];
  let skipped = 0;
  let end = -Infinity;
  for (const row of rows) {
    if (row.window_start < end) skipped++;
    else {
      taken.push(row);
      end = row.window_end;
    }
  }
  const sketch =
    taken.length === 0 ? null : mergeDatasetSketches(taken.map((r) => parseDatasetSketch(r.sketch)));
  return {
    merged: {
      ...range,
      windows: taken.length,
      overlappingSkipped: skipped,
      coveredFrom: taken[0]?.window_start ?? null,
      coveredTo: taken.length === 0 ? null : taken[taken.length - 1]!.window_end,
      rows: sketch?.rows ?? 0,
    },
    sketch,
  };
}

/**
 * Judges a long window from sketches with the monitor's settings: its columns, its drift share (the preset's
 * otherwise), Jensen-Shannon in the preset's base, and its column thresholds where they are for the same distance.
 */
export function judgeLongWindow(
  monitor: Monitor,
  reference: DatasetSketch,
  current: DatasetSketch,
  presetDriftShare: number,
  referenceColumns: readonly ReferenceColumn[],
): SketchDrift {
  // As in a window's own verdict: text and datetime columns get no drift method.
  const untested: Record<string, string> = {};
  for (const { name, type } of referenceColumns) {
    if (type === 'text' || type === 'datetime') untested[name] = `no drift method applies to ${type} columns`;
  }
  // A monitor's column threshold is for the method its preset picks: the same distance only past 1,000
  // reference values (below, a p-value test); there it applies, elsewhere the distance's default does.
  const thresholdByColumn: Record<string, number> = {};
  for (const [column, threshold] of Object.entries(monitor.config.columnThresholds)) {
    const c = reference.columns[column];
    if (c && c.count > EVIDENTLY_SMALL_REFERENCE_MAX) thresholdByColumn[column] = threshold;
  }
  return sketchDrift(reference, current, {
    jsBase: monitor.config.preset === 'bosun' ? 2 : 'e',
    driftShare: monitor.config.driftShare ?? presetDriftShare,
    thresholdByColumn,
    columns: monitor.columns,
    untested,
  });
}
