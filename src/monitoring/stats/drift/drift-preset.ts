import type { ColumnType } from './column-types.js';
import type { DriftMethod } from './drift-methods.js';

/**
 * A named set of defaults for dataset drift: which method each column gets, thresholds, and the dataset rule.
 * {@link EVIDENTLY_PRESET} reproduces Evidently 0.7's `DataDriftPreset`; {@link BOSUN_PRESET} swaps in the
 * better choices; any field can be overridden per call.
 */
export interface DriftPreset {
  readonly name: string;
  /** Picks the method for a column from its type, the reference size and the distinct values of ref ∪ cur. */
  readonly chooseMethod: (
    type: ColumnType,
    referenceSize: number,
    uniqueValues: number,
  ) => DriftMethod | undefined;
  /** Dataset drift when (drifted columns)/(tested columns) ≥ this share. */
  readonly driftShare: number;
  /** Multiple-testing control across columns for p-value methods. */
  readonly multipleTesting: 'none' | 'benjamini-hochberg';
  /** False discovery rate for Benjamini-Hochberg. */
  readonly fdr: number;
}

/** Up to this many reference rows Evidently uses tests (p-values); above it, distances. */
export const EVIDENTLY_SMALL_REFERENCE_MAX = 1000;

/**
 * Evidently 0.7's default test choice (`legacy/calculations/stattests/registry.py` `_get_default_stattest`), on the
 * data after NaN and ±Infinity are dropped:
 *
 * | column type | n_ref ≤ 1000 | n_ref > 1000 |
 * |---|---|---|
 * | numerical, > 5 distinct values | `ks` (p ≤ 0.05) | `wasserstein` normed (≥ 0.1) |
 * | numerical, 3–5 distinct | `chisquare` (p < 0.05) | `jensenshannon` (≥ 0.1) |
 * | numerical, ≤ 2 distinct | `z` (p < 0.05) | `jensenshannon` |
 * | categorical, > 2 distinct | `chisquare` | `jensenshannon` |
 * | categorical, ≤ 2 distinct | `z` | `jensenshannon` |
 *
 * Only the reference size decides; text and datetime columns get no method (Evidently's text drift trains a
 * classifier, which is not part of this module).
 */
export function evidentlyDefaultMethod(
  type: ColumnType,
  referenceSize: number,
  uniqueValues: number,
): DriftMethod | undefined {
  const small = referenceSize <= EVIDENTLY_SMALL_REFERENCE_MAX;
  switch (type) {
    case 'numerical':
      if (uniqueValues > 5) return small ? 'ks' : 'wasserstein';
      if (uniqueValues >= 3) return small ? 'chisquare' : 'jensenshannon';
      return small ? 'z' : 'jensenshannon';
    case 'categorical':
      if (uniqueValues > 2) return small ? 'chisquare' : 'jensenshannon';
      return small ? 'z' : 'jensenshannon';
    case 'text':
    case 'datetime':
      return undefined;
  }
}

/** Evidently 0.7 `DataDriftPreset` defaults: its test choice, thresholds and comparators, the 50 % share rule. */
export const EVIDENTLY_PRESET: DriftPreset = {
  name: 'evidently-0.7',
  chooseMethod: evidentlyDefaultMethod,
  driftShare: 0.5,
  multipleTesting: 'none',
  fdr: 0.05,
};

/**
 * Bosun's recommended choices, where Evidently's are known to mislead (docs/monitoring.md says why):
 * categorical columns use the chi-square homogeneity test (the reference's own noise counted) instead of goodness
 * of fit, binary columns the same test instead of the z-test, Jensen-Shannon in base 2 (bounded by 1), and
 * Benjamini-Hochberg across the p-value columns at FDR 5 %.
 */
export const BOSUN_PRESET: DriftPreset = {
  name: 'bosun',
  chooseMethod: (type, referenceSize, uniqueValues) => {
    const small = referenceSize <= EVIDENTLY_SMALL_REFERENCE_MAX;
    switch (type) {
      case 'numerical':
        if (uniqueValues > 5) return small ? 'ks' : 'wasserstein';
        return small ? 'chi2_contingency' : 'jensenshannon_base2';
      case 'categorical':
        return small ? 'chi2_contingency' : 'jensenshannon_base2';
      case 'text':
      case 'datetime':
        return undefined;
    }
  },
  driftShare: 0.5,
  multipleTesting: 'benjamini-hochberg',
  fdr: 0.05,
};
