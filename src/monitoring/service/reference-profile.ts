import { inferColumnType, isMissing, type ColumnType, type ColumnValue } from '../stats/index.js';
import type { ColumnProfile, FeatureValue, ReferenceColumn } from './monitoring-types.js';

const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95];
const TOP = 20;

/** Linear-interpolation quantile of sorted values (numpy's default method). */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low]!;
  const b = sorted[high]!;
  return a + (b - a) * (position - low);
}

/** Rows (objects) to columns, over the union of the rows' keys in first-seen order; absent keys are null. */
export function toColumns(
  rows: readonly Readonly<Record<string, FeatureValue>>[],
  names?: readonly string[],
): Record<string, FeatureValue[]> {
  const columns: Record<string, FeatureValue[]> = {};
  const order: string[] = names ? [...names] : [];
  if (!names) {
    const seen = new Set<string>();
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (!seen.has(key)) {
          seen.add(key);
          order.push(key);
        }
      }
    }
  }
  for (const name of order) columns[name] = rows.map((row) => row[name] ?? null);
  return columns;
}

/** Each column's type: the declared one, else Evidently's inference from the values. */
export function columnTypes(
  data: Readonly<Record<string, readonly ColumnValue[]>>,
  declared: Readonly<Record<string, ColumnType>> = {},
): ReferenceColumn[] {
  return Object.entries(data).map(([name, values]) => ({
    name,
    type: declared[name] ?? inferColumnType(values),
  }));
}

function numericProfile(name: string, values: readonly ColumnValue[]): ColumnProfile | undefined {
  const kept: number[] = [];
  let missing = 0;
  for (const v of values) {
    if (isMissing(v)) missing++;
    else if (typeof v === 'number') kept.push(v);
    else return undefined;
  }
  if (kept.length === 0) return undefined;
  kept.sort((a, b) => a - b);
  const mean = kept.reduce((s, v) => s + v, 0) / kept.length;
  const variance = kept.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, kept.length - 1);
  return {
    kind: 'numerical',
    name,
    count: kept.length,
    missing,
    min: kept[0]!,
    max: kept[kept.length - 1]!,
    mean,
    std: Math.sqrt(variance),
    quantiles: QUANTILES.map((q) => quantile(kept, q)),
  };
}

function categoricalProfile(name: string, type: ColumnType, values: readonly ColumnValue[]): ColumnProfile {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (isMissing(v)) missing++;
    else counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  }
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP)
    .map(([value, count]) => ({ value, count }));
  return {
    kind: 'categorical',
    name,
    type,
    count: values.length - missing,
    missing,
    distinct: counts.size,
    top,
  };
}

/**
 * A compact profile per column: count, missing, range, mean, standard deviation (n-1) and quantiles for numbers;
 * distinct values and the most frequent ones otherwise.
 * Example: `profileColumns({ age: [1, 2, null] }, [{ name: 'age', type: 'numerical' }])[0].missing // 1`.
 */
export function profileColumns(
  data: Readonly<Record<string, readonly ColumnValue[]>>,
  columns: readonly ReferenceColumn[],
): ColumnProfile[] {
  return columns.map(({ name, type }) => {
    const values = data[name] ?? [];
    return (
      (type === 'numerical' ? numericProfile(name, values) : undefined) ??
      categoricalProfile(name, type, values)
    );
  });
}
