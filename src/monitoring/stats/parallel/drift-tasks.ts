import { BOSUN_PRESET, EVIDENTLY_PRESET, type DriftPreset } from '../drift/drift-preset.js';
import type { ColumnData } from '../drift/column-types.js';
import { columnDrift, type ColumnDrift, type DriftOptions } from '../drift/dataset-drift.js';
import { ksAndWasserstein } from '../ks-wasserstein.js';
import type { KsResult } from '../ks-two-sample.js';
import { sortedFiniteCopy } from '../numeric/radix-sort.js';

/** The presets a worker thread knows by name (a preset holds a function, which cannot be posted). */
const NAMED_PRESETS: Readonly<Record<string, DriftPreset>> = {
  [EVIDENTLY_PRESET.name]: EVIDENTLY_PRESET,
  [BOSUN_PRESET.name]: BOSUN_PRESET,
};

/** {@link DriftOptions} as they cross to a worker thread: the preset by name, the rest plain data. */
export type PostedDriftOptions = Omit<DriftOptions, 'preset'> & { readonly presetName: string };

/**
 * Work for one worker thread: one column of a dataset drift check, or KS and the normed Wasserstein distance of
 * one numeric column (the benchmark's pair). Float64Arrays on a SharedArrayBuffer cross without a copy.
 */
export type DriftTask =
  | {
      readonly kind: 'column';
      readonly column: string;
      readonly reference: ColumnData;
      readonly current: ColumnData;
      readonly options: PostedDriftOptions;
    }
  | {
      readonly kind: 'ks-wasserstein';
      readonly reference: Float64Array;
      readonly current: Float64Array;
    };

/** KS and Wasserstein of one column's finite values, and how many values each side had that were not finite. */
export interface KsWassersteinColumn {
  readonly ks: KsResult;
  readonly wasserstein: number;
  readonly wassersteinNormed: number;
  readonly missing: { readonly reference: number; readonly current: number };
}

/** What a {@link DriftTask} answers. */
export type DriftTaskResult =
  | { readonly kind: 'column'; readonly drift: ColumnDrift }
  | { readonly kind: 'ks-wasserstein'; readonly result: KsWassersteinColumn };

/** The options to post for `options`, or undefined when its preset is not one a worker knows by name. */
export function postableOptions(options: DriftOptions): PostedDriftOptions | undefined {
  const preset = options.preset ?? EVIDENTLY_PRESET;
  if (NAMED_PRESETS[preset.name] !== preset) return undefined;
  const { preset: _preset, ...rest } = options;
  return { ...rest, presetName: preset.name };
}

/** A growing working buffer for the radix sort, one per thread, reused task after task. */
export class SortScratch {
  private buffer = new Float64Array(0);

  /** A buffer of at least `n` values (its contents are unspecified). */
  take(n: number): Float64Array {
    if (this.buffer.length < n) this.buffer = new Float64Array(n);
    return this.buffer;
  }
}

/**
 * Runs a task in this thread (what a worker does with a posted task, and the single-thread path): the same
 * functions as `datasetDrift` and `ksAndWasserstein`, so a worker's answer has the same bits.
 */
export function runDriftTask(task: DriftTask, scratch: SortScratch): DriftTaskResult {
  switch (task.kind) {
    case 'column': {
      const { presetName, ...rest } = task.options;
      const preset = NAMED_PRESETS[presetName];
      if (preset === undefined) throw new Error(`unknown drift preset '${presetName}'`);
      const size = Math.max(lengthOf(task.reference), lengthOf(task.current));
      const drift = columnDrift(
        task.column,
        task.reference,
        task.current,
        { ...rest, preset },
        scratch.take(size),
      );
      return { kind: 'column', drift };
    }
    case 'ks-wasserstein': {
      const size = Math.max(task.reference.length, task.current.length);
      const reference = finiteSorted(task.reference, scratch.take(size));
      const current = finiteSorted(task.current, scratch.take(size));
      const both = ksAndWasserstein(
        { kind: 'sorted-sample', values: reference },
        { kind: 'sorted-sample', values: current },
      );
      return {
        kind: 'ks-wasserstein',
        result: {
          ...both,
          missing: {
            reference: task.reference.length - reference.length,
            current: task.current.length - current.length,
          },
        },
      };
    }
  }
}

function lengthOf(values: ColumnData): number {
  return values.length;
}

/** The finite values of `values`, copied and sorted ascending (one pass to copy and count, then the radix sort). */
export function finiteSorted(values: Float64Array, scratch?: Float64Array): Float64Array {
  return sortedFiniteCopy(values, scratch);
}
