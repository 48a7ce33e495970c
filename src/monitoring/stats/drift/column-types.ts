/** One cell of a column as it arrives from a CSV/Parquet/JSON row: missing values are null or undefined. */
export type ColumnValue = number | string | boolean | null | undefined;

/**
 * A column as drift checks take it: cells, or a Float64Array of numbers where NaN marks a missing value (what
 * the file readers produce for numeric columns: 8 bytes a value, no per-cell objects).
 */
export type ColumnData = readonly ColumnValue[] | Float64Array;

/** What kind of data a column holds, which decides the drift test. */
export type ColumnType = 'numerical' | 'categorical' | 'text' | 'datetime';

/** Above this many distinct values an integer column is numerical (Evidently's `INTEGER_CARDINALITY_LIMIT`). */
export const INTEGER_CARDINALITY_LIMIT = 10;

/** True for null, undefined, NaN and ±Infinity: the values Evidently drops before any drift test. */
export function isMissing(v: ColumnValue): v is null | undefined {
  return v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v));
}

/**
 * Infers a column's type the way Evidently 0.7 does (`evidently/core/datasets.py` `infer_column_type`), from the
 * non-missing values of the reference:
 * - numbers with a fractional part (float dtype) → numerical;
 * - integers → categorical when they take at most 10 distinct values, otherwise numerical;
 * - strings → text when more than half of the non-null values are distinct, otherwise categorical;
 * - booleans, or a mix of kinds → categorical.
 * An all-missing column is categorical. Datetime columns are never inferred from plain values: declare them.
 *
 * @example inferColumnType([1, 2, 1, 3]) // 'categorical'
 */
export function inferColumnType(values: readonly ColumnValue[]): ColumnType {
  let numbers = 0;
  let strings = 0;
  let fractional = false;
  const distinct = new Set<ColumnValue>();
  let present = 0;
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    present++;
    distinct.add(v);
    if (typeof v === 'number') {
      numbers++;
      if (!Number.isInteger(v)) fractional = true;
    } else if (typeof v === 'string') strings++;
  }
  if (present === 0) return 'categorical';
  if (numbers === present) {
    if (fractional) return 'numerical';
    return distinct.size <= INTEGER_CARDINALITY_LIMIT ? 'categorical' : 'numerical';
  }
  if (strings === present) return distinct.size > 0.5 * present ? 'text' : 'categorical';
  return 'categorical';
}

/**
 * {@link inferColumnType} for a numeric column held as a Float64Array (NaN = missing): numerical when a value has
 * a fractional part (or is infinite), otherwise categorical at most 10 distinct values. Stops counting distinct
 * values at 11, so a million-row column costs one pass and no large set.
 */
export function inferNumericColumnType(values: Float64Array): ColumnType {
  const distinct = new Set<number>();
  let present = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    present++;
    if (!Number.isInteger(v)) return 'numerical';
    if (distinct.size <= INTEGER_CARDINALITY_LIMIT) distinct.add(v);
  }
  if (present === 0) return 'categorical';
  return distinct.size <= INTEGER_CARDINALITY_LIMIT ? 'categorical' : 'numerical';
}
