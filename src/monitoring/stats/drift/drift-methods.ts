import { InvalidParameterError } from '../../../shared/index.js';
import { andersonKSamp } from '../anderson-darling.js';
import { energyDistance, wassersteinDistanceNormed } from '../cdf-distances.js';
import { chiSquareContingency, evidentlyChiSquare, gTest } from '../chi-square.js';
import { cramerVonMises2Samp } from '../cramer-von-mises.js';
import {
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  populationStabilityIndex,
  smoothZeroShares,
} from '../distribution-divergences.js';
import { ks2Samp } from '../ks-two-sample.js';
import type { SampleInput, SortedSample } from '../numeric/sample.js';
import { mannWhitneyU } from '../mann-whitney.js';
import { normalCdf } from '../special/error-function.js';
import { tTestInd } from '../t-test.js';
import { evidentlyBinnedShares, evidentlyNumericHellinger } from './binning.js';
import { countsByKey, sortedCategoryKeys, type Category } from './categories.js';
import type { ColumnType } from './column-types.js';

/**
 * The drift methods a column can be checked with. The first block are Evidently 0.7's names and behaviour
 * (`legacy/calculations/stattests/*.py`); the second are better choices offered as options.
 */
export type DriftMethod =
  | 'ks'
  | 'wasserstein'
  | 'jensenshannon'
  | 'chisquare'
  | 'z'
  | 'psi'
  | 'kl_div'
  | 'hellinger'
  | 'anderson'
  | 'cramer_von_mises'
  | 'ed'
  | 'mannw'
  | 't_test'
  // better choices
  | 'chi2_contingency'
  | 'g_test'
  | 'welch_t_test'
  | 'jensenshannon_base2';

/** How a score is compared with the threshold to say "drift". */
export type Comparator = '<' | '<=' | '>=' | '>';

export interface DriftMethodSpec {
  /** Whether the score is a p-value (small = drift) or a distance (large = drift). */
  readonly scoreKind: 'p-value' | 'distance';
  readonly defaultThreshold: number;
  /** drift when `score <comparator> threshold`. */
  readonly comparator: Comparator;
  /** Numeric data only (needs ordering or arithmetic), or any column. */
  readonly needsNumbers: boolean;
  /** One line for reports. */
  readonly description: string;
}

/** Threshold and comparator per method, as Evidently 0.7 registers them (its inconsistent comparators kept). */
export const DRIFT_METHODS: Readonly<Record<DriftMethod, DriftMethodSpec>> = {
  ks: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<=',
    needsNumbers: true,
    description: 'two-sample Kolmogorov-Smirnov p-value',
  },
  wasserstein: {
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    comparator: '>=',
    needsNumbers: true,
    description: 'Wasserstein distance / σ_ref',
  },
  jensenshannon: {
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    comparator: '>=',
    needsNumbers: false,
    description: 'Jensen-Shannon distance, natural log',
  },
  chisquare: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<',
    needsNumbers: false,
    description: 'chi-square goodness of fit p-value against reference proportions',
  },
  z: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<',
    needsNumbers: false,
    description: 'two-proportion z-test p-value',
  },
  psi: {
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    comparator: '>=',
    needsNumbers: false,
    description: 'population stability index',
  },
  kl_div: {
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    comparator: '>=',
    needsNumbers: false,
    description: 'Kullback-Leibler divergence KL(ref‖cur)',
  },
  hellinger: {
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    comparator: '>=',
    needsNumbers: false,
    description: 'Hellinger distance',
  },
  anderson: {
    scoreKind: 'p-value',
    defaultThreshold: 0.1,
    comparator: '<',
    needsNumbers: true,
    description: 'Anderson-Darling k-sample p-value (capped to [0.001, 0.25])',
  },
  cramer_von_mises: {
    scoreKind: 'p-value',
    defaultThreshold: 0.1,
    comparator: '<=',
    needsNumbers: true,
    description: 'Cramér-von Mises two-sample p-value',
  },
  ed: {
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    comparator: '>',
    needsNumbers: true,
    description: 'energy distance',
  },
  mannw: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<',
    needsNumbers: true,
    description: "Mann-Whitney U p-value, alternative 'less'",
  },
  t_test: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<',
    needsNumbers: true,
    description: "Student's t-test p-value",
  },
  chi2_contingency: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<',
    needsNumbers: false,
    description: 'chi-square homogeneity test p-value (reference × current table)',
  },
  g_test: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<',
    needsNumbers: false,
    description: 'G-test (log-likelihood) homogeneity p-value',
  },
  welch_t_test: {
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    comparator: '<',
    needsNumbers: true,
    description: "Welch's t-test p-value",
  },
  jensenshannon_base2: {
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    comparator: '>=',
    needsNumbers: false,
    description: 'Jensen-Shannon distance, base 2 (in [0, 1])',
  },
};

/** Parses a method name from configuration. */
export function parseDriftMethod(value: string): DriftMethod {
  if (Object.prototype.hasOwnProperty.call(DRIFT_METHODS, value)) return value as DriftMethod;
  throw new InvalidParameterError(
    `unknown drift method '${value}'; known: ${Object.keys(DRIFT_METHODS).join(', ')}`,
  );
}

/** Applies a comparator. */
export function compare(score: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '<':
      return score < threshold;
    case '<=':
      return score <= threshold;
    case '>=':
      return score >= threshold;
    case '>':
      return score > threshold;
  }
}

function numbers(values: readonly Category[], column: string, method: DriftMethod): number[] {
  return values.map((v) => {
    if (typeof v !== 'number') {
      throw new InvalidParameterError(
        `drift method '${method}' needs numbers; column '${column}' holds ${JSON.stringify(v)}`,
      );
    }
    return v;
  });
}

/**
 * Evidently's `z` test: the first sorted category is "0", every other one "1"; pooled two-proportion z with
 * p = 2·(1 − Φ(|z|)) (Evidently's own arithmetic, not erfc); p = 1 when both sides hold the same single value.
 */
function evidentlyZ(reference: readonly Category[], current: readonly Category[]): number {
  const refKeys = sortedCategoryKeys(reference);
  const curKeys = sortedCategoryKeys(current);
  if (refKeys.length === 1 && curKeys.length === 1 && refKeys[0] === curKeys[0]) return 1;
  const first = sortedCategoryKeys([...reference, ...current])[0];
  const ones = (vs: readonly Category[]): number => vs.reduce<number>((s, v) => s + (v === first ? 0 : 1), 0);
  const n1 = reference.length;
  const n2 = current.length;
  const p1 = ones(reference) / n1;
  const p2 = ones(current) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return 2 * (1 - normalCdf(Math.abs(z)));
}

/** Counts of reference and current over the categories of both, sorted. */
function categoryCounts(reference: readonly Category[], current: readonly Category[]): [number[], number[]] {
  const keys = sortedCategoryKeys([...reference, ...current]);
  return [countsByKey(reference, keys), countsByKey(current, keys)];
}

/** A drift method's score and, for a p-value method, the test statistic behind it (null where not computed). */
export interface DriftMethodOutcome {
  readonly score: number;
  readonly statistic: number | null;
}

/**
 * Runs one drift method on the non-missing values of a column, returning its score (a p-value or a distance as
 * {@link DRIFT_METHODS} says).
 */
export function runDriftMethod(
  method: DriftMethod,
  reference: readonly Category[],
  current: readonly Category[],
  type: ColumnType,
  column: string,
): number {
  return evaluateDriftMethod(method, reference, current, type, column).score;
}

/**
 * {@link runDriftMethod} with the test statistic too. `sorted` passes the two sides already sorted (the same
 * values as `reference` and `current`), so the methods that need numbers do not convert and sort again.
 */
export function evaluateDriftMethod(
  method: DriftMethod,
  reference: readonly Category[],
  current: readonly Category[],
  type: ColumnType,
  column: string,
  sorted?: readonly [SortedSample, SortedSample],
): DriftMethodOutcome {
  const spec = DRIFT_METHODS[method];
  const ref: SampleInput = spec.needsNumbers ? (sorted?.[0] ?? numbers(reference, column, method)) : [];
  const cur: SampleInput = spec.needsNumbers ? (sorted?.[1] ?? numbers(current, column, method)) : [];
  const scored = (score: number): DriftMethodOutcome => ({ score, statistic: null });
  const tested = (r: { pValue: number; statistic: number }): DriftMethodOutcome => ({
    score: r.pValue,
    statistic: r.statistic,
  });
  switch (method) {
    case 'ks':
      return tested(ks2Samp(ref, cur));
    case 'wasserstein':
      return scored(wassersteinDistanceNormed(ref, cur));
    case 'jensenshannon':
    case 'jensenshannon_base2': {
      const b = evidentlyBinnedShares(reference, current, type);
      return scored(jensenShannonDistance(b.reference, b.current, method === 'jensenshannon' ? 'e' : 2));
    }
    case 'psi': {
      const b = evidentlyBinnedShares(reference, current, type);
      return scored(populationStabilityIndex(smoothZeroShares(b.reference), smoothZeroShares(b.current)));
    }
    case 'kl_div': {
      const b = evidentlyBinnedShares(reference, current, type);
      return scored(klDivergence(smoothZeroShares(b.reference), smoothZeroShares(b.current)));
    }
    case 'hellinger': {
      if (
        type === 'numerical' &&
        reference.every((v) => typeof v === 'number') &&
        current.every((v) => typeof v === 'number')
      ) {
        return scored(evidentlyNumericHellinger(reference as number[], current as number[]));
      }
      const b = evidentlyBinnedShares(reference, current, 'categorical');
      return scored(hellingerDistance(b.reference, b.current));
    }
    case 'chisquare': {
      const [r, c] = categoryCounts(reference, current);
      return tested(evidentlyChiSquare(r, c));
    }
    case 'chi2_contingency': {
      const [r, c] = categoryCounts(reference, current);
      return tested(chiSquareContingency([r, c]));
    }
    case 'g_test': {
      const [r, c] = categoryCounts(reference, current);
      return tested(gTest(r, c));
    }
    case 'z':
      return scored(evidentlyZ(reference, current));
    case 'anderson':
      return tested(andersonKSamp([ref, cur]));
    case 'cramer_von_mises':
      return tested(cramerVonMises2Samp(ref, cur));
    case 'ed':
      return scored(energyDistance(ref, cur));
    case 'mannw':
      return tested(mannWhitneyU(ref, cur, { alternative: 'less' }));
    case 't_test':
      return tested(tTestInd(plain(ref), plain(cur)));
    case 'welch_t_test':
      return tested(tTestInd(plain(ref), plain(cur), { equalVar: false }));
  }
}

function plain(sample: SampleInput): ArrayLike<number> {
  return (sample as Partial<SortedSample>).kind === 'sorted-sample'
    ? (sample as SortedSample).values
    : (sample as ArrayLike<number>);
}
