import type { ColumnValue } from '../stats/index.js';
import { MISSING_SEGMENT, OTHER_SEGMENT, type FeatureValue } from './monitoring-types.js';
import type { WindowRow } from './window-evaluation.js';

/** One segment of a window: its rows, and the reference rows of the same segment value(s). */
export interface SegmentSlice {
  readonly segment: string;
  readonly rows: readonly WindowRow[];
  readonly referenceData: Readonly<Record<string, readonly ColumnValue[]>>;
}

/** The segment a value falls in before the cap: its text, or `__missing__` (null, NaN or empty text). */
export function segmentKey(value: FeatureValue | ColumnValue | undefined): string {
  if (value === null || value === undefined || value === '') return MISSING_SEGMENT;
  if (typeof value === 'number' && Number.isNaN(value)) return MISSING_SEGMENT;
  return String(value);
}

/**
 * Splits a window by the value of `segmentBy`: the `maxSegments` values with the most rows in the window (ties by
 * name) are segments of their own, the others together form `__other__` (absent when there are none); rows
 * without a value form `__missing__`, which counts as a value for the cap. Each segment is compared with the
 * reference rows of the same value(s), so a segment drifts when it moves away from its own training data.
 * Segments come out largest first, `__other__` last.
 *
 * Example: `sliceSegments({ segmentBy: 'city', maxSegments: 1, rows, referenceData })` with window cities
 * a, a, b → segments `a` (2 rows, the reference's `a` rows) and `__other__` (1 row, the reference's others).
 */
export function sliceSegments(input: {
  readonly segmentBy: string;
  readonly maxSegments: number;
  readonly rows: readonly WindowRow[];
  readonly referenceData: Readonly<Record<string, readonly ColumnValue[]>>;
}): SegmentSlice[] {
  const counts = new Map<string, number>();
  const keys = input.rows.map((r) => segmentKey(r.features[input.segmentBy]));
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept = new Set(ranked.slice(0, input.maxSegments).map(([k]) => k));
  const order = [...ranked.slice(0, input.maxSegments).map(([k]) => k)];
  if (ranked.length > input.maxSegments) order.push(OTHER_SEGMENT);
  const slotOf = (key: string): string => (kept.has(key) ? key : OTHER_SEGMENT);

  const rowsBy = new Map<string, WindowRow[]>(order.map((s) => [s, []]));
  input.rows.forEach((row, i) => rowsBy.get(slotOf(keys[i]!))!.push(row));

  const referenceKeys = (input.referenceData[input.segmentBy] ?? []).map((v) => slotOf(segmentKey(v)));
  const indicesBy = new Map<string, number[]>(order.map((s) => [s, []]));
  referenceKeys.forEach((slot, i) => indicesBy.get(slot)?.push(i));
  const columns = Object.keys(input.referenceData);
  return order.map((segment) => {
    const indices = indicesBy.get(segment)!;
    const referenceData: Record<string, ColumnValue[]> = Object.create(null) as Record<string, ColumnValue[]>;
    for (const column of columns) {
      const values = input.referenceData[column]!;
      referenceData[column] = indices.map((i) => values[i] ?? null);
    }
    return { segment, rows: rowsBy.get(segment)!, referenceData };
  });
}
