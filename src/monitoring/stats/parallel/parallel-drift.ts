import type { ColumnData } from '../drift/column-types.js';
import {
  columnDrift,
  summarizeDrift,
  type ColumnDrift,
  type DatasetDrift,
  type DriftOptions,
} from '../drift/dataset-drift.js';
import { InvalidParameterError } from '../../../shared/index.js';
import { DriftWorkerPool, defaultDriftThreads, parseDriftThreads } from './drift-pool.js';
import { postableOptions, runDriftTask, SortScratch, type KsWassersteinColumn } from './drift-tasks.js';

/** Below this many numeric values in all (both sides, every column) threads cost more than they save. */
export const PARALLEL_MIN_VALUES = 200_000;

/** How {@link datasetDriftParallel} and {@link ksAndWassersteinColumns} use threads. */
export interface ParallelOptions {
  /**
   * Threads to use (default: the cores, `os.availableParallelism()`); 1 computes in this thread. A pool of its
   * own is started for the call and stopped after it.
   */
  readonly threads?: number;
  /** A pool to use instead (kept open: for a caller running many checks, such as a monitor). */
  readonly pool?: DriftWorkerPool;
  /**
   * With neither `pool` nor `threads: 1`: below this many numeric values the work stays in this thread
   * (default {@link PARALLEL_MIN_VALUES}).
   */
  readonly minValues?: number;
}

/** Values in the Float64Array columns of both sides. */
function numericValues(...tables: Readonly<Record<string, ColumnData>>[]): number {
  let n = 0;
  for (const table of tables) {
    for (const values of Object.values(table)) if (values instanceof Float64Array) n += values.length;
  }
  return n;
}

/** The pool to use (and whether this call owns it), or undefined to stay in this thread. */
function choosePool(parallel: ParallelOptions, values: number): [DriftWorkerPool, boolean] | undefined {
  if (parallel.pool !== undefined) return [parallel.pool, false];
  const threads =
    parallel.threads === undefined ? defaultDriftThreads() : parseDriftThreads(parallel.threads);
  if (threads <= 1 || values < (parallel.minValues ?? PARALLEL_MIN_VALUES)) return undefined;
  return [new DriftWorkerPool(threads), true];
}

/**
 * {@link datasetDrift} with the columns spread over worker threads: the same columns, methods, scores and
 * verdict, bit for bit (each thread runs `columnDrift`, the function `datasetDrift` runs per column). Columns
 * held as Float64Arrays on both sides go to the threads (on a SharedArrayBuffer without a copy); cell columns,
 * and every column when the preset is not a named one (a custom preset holds a function a thread cannot
 * receive), are computed in this thread meanwhile. Errors are the ones `datasetDrift` raises, for the first
 * failing column in column order.
 *
 * @example
 * const report = await datasetDriftParallel(table.reference, table.current, { preset: EVIDENTLY_PRESET });
 */
export async function datasetDriftParallel(
  reference: Readonly<Record<string, ColumnData>>,
  current: Readonly<Record<string, ColumnData>>,
  options: DriftOptions = {},
  parallel: ParallelOptions = {},
): Promise<DatasetDrift> {
  const posted = postableOptions(options);
  const names = Object.keys(reference);
  const chosen = posted === undefined ? undefined : choosePool(parallel, numericValues(reference, current));
  if (posted === undefined || chosen === undefined) return datasetDriftInline(reference, current, options);
  const [pool, owned] = chosen;
  try {
    const settled = await Promise.allSettled(
      names.map(async (column): Promise<ColumnDrift> => {
        const ref = reference[column]!;
        const cur = current[column];
        if (ref instanceof Float64Array && cur instanceof Float64Array) {
          const answer = await pool.run({
            kind: 'column',
            column,
            reference: ref,
            current: cur,
            options: posted,
          });
          if (answer.kind !== 'column') throw new Error('drift worker answered another kind of task');
          return answer.drift;
        }
        return columnDrift(column, ref, cur, options, undefined);
      }),
    );
    const results: ColumnDrift[] = [];
    for (const outcome of settled) {
      if (outcome.status === 'rejected') throw outcome.reason;
      results.push(outcome.value);
    }
    return summarizeDrift(results, options);
  } finally {
    if (owned) await pool.close();
  }
}

function datasetDriftInline(
  reference: Readonly<Record<string, ColumnData>>,
  current: Readonly<Record<string, ColumnData>>,
  options: DriftOptions,
): DatasetDrift {
  const scratch = new SortScratch();
  const results = Object.keys(reference).map((column) => {
    const ref = reference[column]!;
    const cur = current[column];
    const size = Math.max(ref.length, cur?.length ?? 0);
    return columnDrift(column, ref, cur, options, scratch.take(size));
  });
  return summarizeDrift(results, options);
}

/**
 * KS (scipy's method choice) and Evidently's normed Wasserstein distance for each pair of numeric columns, on
 * their finite values, over worker threads (the drift benchmark's computation). Each column's values are sorted
 * once for both statistics, in one merge pass ({@link ksAndWasserstein}); results in column order.
 */
export async function ksAndWassersteinColumns(
  reference: readonly Float64Array[],
  current: readonly Float64Array[],
  parallel: ParallelOptions = {},
): Promise<KsWassersteinColumn[]> {
  if (reference.length !== current.length) {
    throw new InvalidParameterError(
      `reference has ${reference.length} columns and current ${current.length}; they must match`,
    );
  }
  let values = 0;
  for (const column of [...reference, ...current]) values += column.length;
  const chosen = choosePool(parallel, values);
  if (chosen === undefined) {
    const scratch = new SortScratch();
    return reference.map((ref, c) => {
      const answer = runDriftTask({ kind: 'ks-wasserstein', reference: ref, current: current[c]! }, scratch);
      if (answer.kind !== 'ks-wasserstein') throw new Error('unexpected drift task answer');
      return answer.result;
    });
  }
  const [pool, owned] = chosen;
  try {
    const settled = await Promise.allSettled(
      reference.map(async (ref, c) => {
        const answer = await pool.run({ kind: 'ks-wasserstein', reference: ref, current: current[c]! });
        if (answer.kind !== 'ks-wasserstein') throw new Error('drift worker answered another kind of task');
        return answer.result;
      }),
    );
    return settled.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
  } finally {
    if (owned) await pool.close();
  }
}
