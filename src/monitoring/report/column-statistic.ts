import {
  andersonKSamp,
  chiSquareContingency,
  cramerVonMises2Samp,
  evidentlyChiSquare,
  gTest,
  isMissing,
  ks2Samp,
  mannWhitneyU,
  tTestInd,
  type ColumnValue,
  type DriftMethod,
} from '../stats/index.js';
import { countsByKey, sortedCategoryKeys, type Category } from '../stats/drift/categories.js';

/** The statistic a method computes, by name, with its value. */
export interface NamedStatistic {
  readonly name: string;
  readonly value: number;
}

/** The name each method's statistic (or distance) goes by in reports. */
export const STATISTIC_NAMES: Readonly<Record<DriftMethod, string>> = {
  ks: 'D',
  wasserstein: 'W1/σ_ref',
  jensenshannon: 'JS distance',
  jensenshannon_base2: 'JS distance (base 2)',
  psi: 'PSI',
  kl_div: 'KL',
  hellinger: 'Hellinger',
  ed: 'energy distance',
  chisquare: 'χ²',
  chi2_contingency: 'χ²',
  g_test: 'G',
  z: 'z',
  anderson: 'T (A²)',
  cramer_von_mises: 'T',
  mannw: 'U',
  t_test: 't',
  welch_t_test: 't',
};

/**
 * The test statistic behind a p-value method (KS D, χ², G, z, U, t, CvM T, AD T), computed on the same
 * non-missing values `datasetDrift` tested, so a report shows both the statistic and its p-value. Distances are
 * their own statistic: the caller passes the score for those.
 */
export function testStatistic(
  method: DriftMethod,
  reference: readonly ColumnValue[],
  current: readonly ColumnValue[],
): number | null {
  const ref = reference.filter((v): v is Category => !isMissing(v));
  const cur = current.filter((v): v is Category => !isMissing(v));
  const nums = (vs: readonly Category[]): number[] => vs.filter((v): v is number => typeof v === 'number');
  const counts = (): [number[], number[]] => {
    const keys = sortedCategoryKeys([...ref, ...cur]);
    return [countsByKey(ref, keys), countsByKey(cur, keys)];
  };
  switch (method) {
    case 'ks':
      return ks2Samp(nums(ref), nums(cur)).statistic;
    case 'chisquare':
      return evidentlyChiSquare(...counts()).statistic;
    case 'chi2_contingency':
      return chiSquareContingency(counts()).statistic;
    case 'g_test':
      return gTest(...counts()).statistic;
    case 'z':
      return evidentlyZStatistic(ref, cur);
    case 'anderson':
      return andersonKSamp([nums(ref), nums(cur)]).statistic;
    case 'cramer_von_mises':
      return cramerVonMises2Samp(nums(ref), nums(cur)).statistic;
    case 'mannw':
      return mannWhitneyU(nums(ref), nums(cur), { alternative: 'less' }).statistic;
    case 't_test':
      return tTestInd(nums(ref), nums(cur)).statistic;
    case 'welch_t_test':
      return tTestInd(nums(ref), nums(cur), { equalVar: false }).statistic;
    case 'wasserstein':
    case 'jensenshannon':
    case 'jensenshannon_base2':
    case 'psi':
    case 'kl_div':
    case 'hellinger':
    case 'ed':
      return null;
  }
}

/** z of Evidently's `z` test (first sorted category "0", the rest "1"); null where Evidently skips to p = 1. */
function evidentlyZStatistic(ref: readonly Category[], cur: readonly Category[]): number | null {
  const refKeys = sortedCategoryKeys(ref);
  const curKeys = sortedCategoryKeys(cur);
  if (refKeys.length === 1 && curKeys.length === 1 && refKeys[0] === curKeys[0]) return null;
  const first = sortedCategoryKeys([...ref, ...cur])[0];
  const share = (vs: readonly Category[]): number => vs.filter((v) => v !== first).length / vs.length;
  const p1 = share(ref);
  const p2 = share(cur);
  const pooled = (p1 * ref.length + p2 * cur.length) / (ref.length + cur.length);
  return (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / ref.length + 1 / cur.length));
}
