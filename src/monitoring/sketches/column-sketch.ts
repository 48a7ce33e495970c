import { InvalidParameterError } from '../../shared/index.js';
import { isMissing, type ColumnType, type ColumnValue } from '../stats/index.js';
import { DEFAULT_FREQUENT_ITEMS_CAPACITY, FrequentItems, type FrequentItemsJson } from './frequent-items.js';
import { DEFAULT_RELATIVE_ACCURACY, QuantileSketch, type QuantileSketchJson } from './quantile-sketch.js';

/** Counters every column sketch keeps (exact, and exactly mergeable). */
export interface ColumnCounters {
  /** Non-missing values counted. */
  readonly count: number;
  /** null, NaN and ±Infinity. */
  readonly missing: number;
  /** Values of a kind the column does not hold (a string in a numerical column); left out, as missing ones. */
  readonly typeMismatches: number;
}

/** A numerical column: its counters, range, moments and quantile sketch. */
export interface NumericalSketch extends ColumnCounters {
  readonly kind: 'numerical';
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number;
  /** Σ (x − mean)², for the variance (Chan et al.'s parallel update, so merges stay exact to rounding). */
  readonly m2: number;
  /** Σ |x|: the scale of the quantile sketch's error in distances (α · Σ|x| / n). */
  readonly sumAbs: number;
  readonly quantiles: QuantileSketch;
}

/** Any other column: its counters and frequent-items sketch (values as text). */
export interface CategoricalSketch extends ColumnCounters {
  readonly kind: 'categorical';
  readonly items: FrequentItems;
}

export type ColumnSketch = NumericalSketch | CategoricalSketch;

/** A dataset's sketch: rows counted and one sketch per column. */
export interface DatasetSketch {
  readonly rows: number;
  readonly columns: Readonly<Record<string, ColumnSketch>>;
}

/** How precise the sketches are: the quantile sketch's relative accuracy, the frequent items' counters. */
export interface SketchSettings {
  readonly relativeAccuracy: number;
  readonly capacity: number;
}

export const DEFAULT_SKETCH_SETTINGS: SketchSettings = {
  relativeAccuracy: DEFAULT_RELATIVE_ACCURACY,
  capacity: DEFAULT_FREQUENT_ITEMS_CAPACITY,
};

/** Sketches one column's values: numbers for a numerical column (others are type mismatches), text otherwise. */
export function sketchColumn(
  type: ColumnType,
  values: readonly (ColumnValue | undefined)[],
  settings: SketchSettings = DEFAULT_SKETCH_SETTINGS,
): ColumnSketch {
  let missing = 0;
  let typeMismatches = 0;
  if (type === 'numerical') {
    const quantiles = new QuantileSketch(settings.relativeAccuracy);
    let count = 0;
    let mean = 0;
    let m2 = 0;
    let sumAbs = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (v === undefined || isMissing(v)) missing++;
      else if (typeof v !== 'number') typeMismatches++;
      else {
        count++;
        const delta = v - mean;
        mean += delta / count;
        m2 += delta * (v - mean);
        sumAbs += Math.abs(v);
        if (v < min) min = v;
        if (v > max) max = v;
        quantiles.add(v);
      }
    }
    return {
      kind: 'numerical',
      count,
      missing,
      typeMismatches,
      min: count > 0 ? min : null,
      max: count > 0 ? max : null,
      mean,
      m2,
      sumAbs,
      quantiles,
    };
  }
  const items = new FrequentItems(settings.capacity);
  const kept: string[] = [];
  for (const v of values) {
    if (v === undefined || isMissing(v)) missing++;
    else kept.push(String(v));
  }
  items.addAll(kept);
  return { kind: 'categorical', count: kept.length, missing, typeMismatches, items };
}

/** Sketches each of `columns` of column-wise data (absent columns count every row as missing). */
export function sketchDataset(
  data: Readonly<Record<string, readonly (ColumnValue | undefined)[]>>,
  columns: readonly { readonly name: string; readonly type: ColumnType }[],
  rows: number,
  settings: SketchSettings = DEFAULT_SKETCH_SETTINGS,
): DatasetSketch {
  const out: Record<string, ColumnSketch> = {};
  for (const { name, type } of columns) {
    out[name] = sketchColumn(type, data[name] ?? new Array<null>(rows).fill(null), settings);
  }
  return { rows, columns: out };
}

/** A fresh copy of a column sketch (its quantile or frequent-items sketch copied too). */
function cloneColumnSketch(c: ColumnSketch): ColumnSketch {
  return c.kind === 'numerical'
    ? { ...c, quantiles: QuantileSketch.fromJSON(c.quantiles.toJSON()) }
    : { ...c, items: FrequentItems.fromJSON(c.items.toJSON()) };
}

/**
 * `b` merged into `a`, whose quantile or frequent-items sketch is changed in place (the counters come back in
 * the returned object). Same kind and settings only.
 */
function mergeInto(a: ColumnSketch, b: ColumnSketch, column: string): ColumnSketch {
  if (a.kind === 'numerical' && b.kind === 'numerical') {
    a.quantiles.merge(b.quantiles);
    const count = a.count + b.count;
    const delta = b.mean - a.mean;
    const mean = count === 0 ? 0 : a.mean + (delta * b.count) / count;
    const m2 = count === 0 ? 0 : a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
    const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number) =>
      x === null ? y : y === null ? x : f(x, y);
    return {
      kind: 'numerical',
      count,
      missing: a.missing + b.missing,
      typeMismatches: a.typeMismatches + b.typeMismatches,
      min: pick(a.min, b.min, Math.min),
      max: pick(a.max, b.max, Math.max),
      mean,
      m2,
      sumAbs: a.sumAbs + b.sumAbs,
      quantiles: a.quantiles,
    };
  }
  if (a.kind === 'categorical' && b.kind === 'categorical') {
    a.items.merge(b.items);
    return {
      kind: 'categorical',
      count: a.count + b.count,
      missing: a.missing + b.missing,
      typeMismatches: a.typeMismatches + b.typeMismatches,
      items: a.items,
    };
  }
  throw new InvalidParameterError(`cannot merge a ${a.kind} and a ${b.kind} sketch of '${column}'`);
}

/** The two sketches of one column merged into a new one (same kind and settings only); neither is changed. */
export function mergeColumnSketches(a: ColumnSketch, b: ColumnSketch, column = 'column'): ColumnSketch {
  return mergeInto(cloneColumnSketch(a), b, column);
}

/**
 * Dataset sketches merged into a new one: rows added, each column merged (a column in some only is merged from
 * those). The inputs are not changed; each column is copied once, then merged in place.
 */
export function mergeDatasetSketches(sketches: readonly DatasetSketch[]): DatasetSketch {
  let rows = 0;
  const columns: Record<string, ColumnSketch> = {};
  for (const s of sketches) {
    rows += s.rows;
    for (const [name, c] of Object.entries(s.columns)) {
      const have = columns[name];
      columns[name] = have ? mergeInto(have, c, name) : cloneColumnSketch(c);
    }
  }
  return { rows, columns };
}

/** A column sketch as JSON. */
export type ColumnSketchJson =
  | (Omit<NumericalSketch, 'quantiles'> & { readonly quantiles: QuantileSketchJson })
  | (Omit<CategoricalSketch, 'items'> & { readonly items: FrequentItemsJson });

/** A dataset sketch as JSON (`version` 1). */
export interface DatasetSketchJson {
  readonly version: 1;
  readonly rows: number;
  readonly columns: Readonly<Record<string, ColumnSketchJson>>;
}

/** A dataset sketch as JSON text (stored per window and per reference). */
export function serialiseDatasetSketch(sketch: DatasetSketch): string {
  const columns: Record<string, ColumnSketchJson> = {};
  for (const [name, c] of Object.entries(sketch.columns)) {
    columns[name] =
      c.kind === 'numerical' ? { ...c, quantiles: c.quantiles.toJSON() } : { ...c, items: c.items.toJSON() };
  }
  const json: DatasetSketchJson = { version: 1, rows: sketch.rows, columns };
  return JSON.stringify(json);
}

function countOf(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidParameterError(`sketch: ${what} must be a count, got ${String(v)}`);
  }
  return v;
}

function finiteOf(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InvalidParameterError(`sketch: ${what} must be a finite number, got ${String(v)}`);
  }
  return v;
}

/** Parses what {@link serialiseDatasetSketch} wrote, checking every part (InvalidParameterError otherwise). */
export function parseDatasetSketch(text: string): DatasetSketch {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidParameterError('sketch: not JSON');
  }
  const o = json as Partial<DatasetSketchJson> | null;
  if (typeof o !== 'object' || o === null || o.version !== 1) {
    throw new InvalidParameterError('sketch: not a version 1 dataset sketch');
  }
  if (typeof o.columns !== 'object' || o.columns === null) {
    throw new InvalidParameterError('sketch: columns must be an object');
  }
  const columns: Record<string, ColumnSketch> = {};
  for (const [name, raw] of Object.entries(o.columns as Record<string, unknown>)) {
    const c = raw as Partial<Record<string, unknown>> | null;
    if (typeof c !== 'object' || c === null)
      throw new InvalidParameterError(`sketch: column '${name}' is bad`);
    const counters = {
      count: countOf(c.count, `${name}.count`),
      missing: countOf(c.missing, `${name}.missing`),
      typeMismatches: countOf(c.typeMismatches, `${name}.typeMismatches`),
    };
    if (c.kind === 'numerical') {
      const bound = (v: unknown, what: string) => (v === null ? null : finiteOf(v, what));
      columns[name] = {
        kind: 'numerical',
        ...counters,
        min: bound(c.min, `${name}.min`),
        max: bound(c.max, `${name}.max`),
        mean: finiteOf(c.mean, `${name}.mean`),
        m2: finiteOf(c.m2, `${name}.m2`),
        sumAbs: finiteOf(c.sumAbs, `${name}.sumAbs`),
        quantiles: QuantileSketch.fromJSON(c.quantiles),
      };
    } else if (c.kind === 'categorical') {
      columns[name] = { kind: 'categorical', ...counters, items: FrequentItems.fromJSON(c.items) };
    } else {
      throw new InvalidParameterError(`sketch: column '${name}' has an unknown kind`);
    }
  }
  return { rows: countOf(o.rows, 'rows'), columns };
}
