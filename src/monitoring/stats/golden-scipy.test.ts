import { describe, expect, it } from 'vitest';
import {
  andersonKSamp,
  chiSquareContingency,
  chiSquareGoodnessOfFit,
  cramerVonMises2Samp,
  energyDistance,
  evidentlyChiSquare,
  fisherExact,
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  kolmogorovSf,
  ks2Samp,
  kstwoSf,
  mannWhitneyU,
  parseKsMethod,
  populationStabilityIndex,
  proportionsZTest,
  tTestInd,
  wassersteinDistance,
  wassersteinDistanceNormed,
} from './index.js';
import {
  arr,
  close,
  closeTest,
  eachGoldenCase,
  generateGolden,
  num,
  table,
  table2x2,
  type GoldenCase,
} from './test-support/golden-cases.js';

/**
 * Every case of the shared scipy 1.17.1 / numpy 2.4.6 golden file, generated when the test runs by its generator
 * (test-support/golden_scipy.py) with the test Python's scipy, so no 3 MB fixture is committed and nothing outside
 * the repository is read; compared with a relative tolerance per statistic. Measured worst errors are in the
 * comments; the tolerances leave a margin of about 10× above them. On a fresh clone the first run makes the test
 * Python (src/shared/test-support/test-python.ts).
 */

const golden = generateGolden('golden_scipy.py');

/** Relative tolerances, by golden family and output. */
const TOLERANCE = {
  /** D is a ratio of integers computed with the same operations as scipy: bit-exact. */
  ksStatistic: 1e-15,
  /**
   * Exact KS p (lattice paths) is bit-exact in practice; the asymptotic p goes through kstwo, whose 2·smirnov
   * branch (n·D² ≥ 2.2) sums in log space where Cephes uses double-double: measured 3.1e-15 at n = 6,667.
   */
  ksPValue: 1e-12,
  /** kstwo.sf alone, up to n = 100,000: measured 3.2e-14. */
  kstwo: 1e-12,
  /** The limiting distribution: closed-form series, measured exact. */
  kstwobign: 1e-14,
  /** Sums of positive terms; scipy sums with BLAS ddot, we with a compensated sum: measured 2e-16. */
  cdfDistance: 1e-14,
  /** Midrank sums with numpy's pairwise order: measured exact. */
  rankStatistic: 1e-14,
  /** CvM's limiting CDF needs K_{1/4}; ours is quadrature, scipy's is AMOS: measured 5.9e-12. */
  cvmPValue: 1e-10,
  /** AD p interpolates a polyfit (QR here, SVD in numpy): measured exact on these cases. */
  adPValue: 1e-12,
  /** Normal tail from Cephes erfc: measured exact. */
  mwuPValue: 1e-13,
  /** Student t tail via the incomplete beta with df up to 27,000 (log-beta cancellation): measured 7.1e-12. */
  tPValue: 1e-10,
  /** Logs from V8's libm instead of glibc's differ in the last ulp: measured 7e-16. */
  divergence: 1e-14,
  /** Chi-square and G statistics: sums of a few terms, measured exact. */
  chiStatistic: 1e-14,
  /** χ² survival function (incomplete gamma): measured 1.4e-14. */
  chiPValue: 1e-12,
  /** Hypergeometric pmf from log-gamma (scipy uses Boost): measured 8.2e-14. */
  fisherPValue: 1e-12,
  /** z statistic and normal tail: measured exact. */
  zTest: 1e-14,
} as const;

/** The chi-square and G tests' tolerances. */
const CHI = { statistic: TOLERANCE.chiStatistic, p: TOLERANCE.chiPValue } as const;

/** Checks one golden case; returns false for a family this test does not know (which fails the test). */
function check(c: GoldenCase): boolean {
  const family = c.name.split('/')[0]!;
  const i = c.inputs;
  const e = c.expected;
  switch (family) {
    case 'ks_2samp': {
      const r = ks2Samp(arr(i.x), arr(i.y), { method: parseKsMethod(String(i.method)) });
      closeTest(r, e, { statistic: TOLERANCE.ksStatistic, p: TOLERANCE.ksPValue }, 'D');
      return true;
    }
    case 'wasserstein':
      close(wassersteinDistance(arr(i.x), arr(i.y)), e.value, TOLERANCE.cdfDistance, 'W1');
      return true;
    case 'wasserstein_norm_evidently':
      close(wassersteinDistanceNormed(arr(i.x), arr(i.y)), e.value, TOLERANCE.cdfDistance, 'W1/std');
      return true;
    case 'energy':
      close(energyDistance(arr(i.x), arr(i.y)), e.value, TOLERANCE.cdfDistance, 'energy');
      return true;
    case 'cvm': {
      const r = cramerVonMises2Samp(arr(i.x), arr(i.y));
      closeTest(r, e, { statistic: TOLERANCE.rankStatistic, p: TOLERANCE.cvmPValue }, 'T');
      return true;
    }
    case 'anderson_ksamp': {
      const r = andersonKSamp([arr(i.x), arr(i.y)]);
      closeTest(r, e, { statistic: TOLERANCE.rankStatistic, p: TOLERANCE.adPValue }, 'A2');
      const p = num(e.pvalue);
      expect(r.pValueKind).toBe(p === 0.25 ? 'capped' : p === 0.001 ? 'floored' : 'interpolated');
      return true;
    }
    case 'mannwhitneyu': {
      const r = mannWhitneyU(arr(i.x), arr(i.y));
      closeTest(r, e, { statistic: TOLERANCE.rankStatistic, p: TOLERANCE.mwuPValue }, 'U');
      return true;
    }
    case 'ttest_ind': {
      const r = tTestInd(arr(i.x), arr(i.y));
      closeTest(r, e, { statistic: TOLERANCE.rankStatistic, p: TOLERANCE.tPValue }, 't');
      return true;
    }
    case 'jensenshannon_e':
      close(jensenShannonDistance(arr(i.p), arr(i.q)), e.value, TOLERANCE.divergence, 'JS');
      return true;
    case 'jensenshannon_2':
      close(jensenShannonDistance(arr(i.p), arr(i.q), 2), e.value, TOLERANCE.divergence, 'JS base 2');
      return true;
    case 'kl':
      close(klDivergence(arr(i.p), arr(i.q)), e.value, TOLERANCE.divergence, 'KL');
      return true;
    case 'hellinger':
      close(hellingerDistance(arr(i.p), arr(i.q)), e.value, TOLERANCE.divergence, 'Hellinger');
      return true;
    case 'psi':
      close(populationStabilityIndex(arr(i.p), arr(i.q)), e.value, TOLERANCE.divergence, 'PSI');
      return true;
    case 'chisquare_gof_evidently': {
      const r = evidentlyChiSquare(arr(i.ref), arr(i.cur));
      closeTest(r, e, CHI, 'chi2');
      return true;
    }
    case 'chi2_contingency_3cat':
    case 'chi2_contingency_2x2': {
      const r = chiSquareContingency(table(i.table), { correction: Boolean(i.correction) });
      closeTest(r, e, CHI, 'chi2');
      expect(r.dof).toBe(num(e.dof));
      return true;
    }
    case 'g_test_evidently(unscaled f_exp)': {
      const r = chiSquareGoodnessOfFit(arr(i.cur), arr(i.ref), { statistic: 'log-likelihood' });
      closeTest(r, e, CHI, 'G');
      return true;
    }
    case 'fisher_exact_2x2': {
      const r = fisherExact(table2x2(i.table));
      closeTest(r, e, { statistic: TOLERANCE.chiStatistic, p: TOLERANCE.fisherPValue }, 'odds ratio');
      return true;
    }
    case 'z_two_proportions_pooled': {
      const r = proportionsZTest(Number(i.x1), Number(i.n1), Number(i.x2), Number(i.n2));
      close(r.statistic, e.z, TOLERANCE.zTest, 'z');
      close(r.pValue, e.pvalue, TOLERANCE.zTest, 'p');
      return true;
    }
    case 'kstwo.sf':
      close(kstwoSf(Number(i.d), Number(i.n)), e.value, TOLERANCE.kstwo, 'kstwo.sf');
      return true;
    case 'kstwobign.sf':
      close(kolmogorovSf(Number(i.d) * Math.sqrt(Number(i.n))), e.value, TOLERANCE.kstwobign, 'kstwobign.sf');
      return true;
    default:
      return false;
  }
}

describe('scipy golden cases', () => {
  it('come from scipy 1.17.1 / numpy 2.4.6 and number 72', () => {
    expect(golden.scipy).toBe('1.17.1');
    expect(golden.numpy).toBe('2.4.6');
    expect(golden.cases).toHaveLength(72);
  });

  eachGoldenCase(golden, check, 'no check for golden family of');
});
