import { InvalidParameterError } from '../../shared/index.js';
import { normalSf } from './special/error-function.js';
import type { TestResult } from './types.js';

/**
 * Two-proportion z-test with the pooled proportion (Evidently's `z` drift test; statsmodels
 * `proportions_ztest`): p̂₁ = x₁/n₁, p̂₂ = x₂/n₂, p̂ = (x₁+x₂)/(n₁+n₂),
 * z = (p̂₁ − p̂₂)/√(p̂(1−p̂)(1/n₁ + 1/n₂)), two-sided p = 2·Φ̄(|z|) (from erfc, so small p keep their digits).
 * z² equals the uncorrected 2×2 chi-square. When both samples are all successes or all failures (p̂ ∈ {0, 1})
 * nothing can differ: z = 0 and p = 1, as Evidently returns for a single shared value.
 *
 * @example proportionsZTest(30, 100, 45, 120) // { statistic: -1.1686, pValue: 0.2426 }
 */
export function proportionsZTest(x1: number, n1: number, x2: number, n2: number): TestResult {
  for (const [name, v] of [
    ['x1', x1],
    ['n1', n1],
    ['x2', x2],
    ['n2', n2],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new InvalidParameterError(`z-test: ${name} must be a non-negative integer, got ${String(v)}`);
    }
  }
  if (n1 === 0 || n2 === 0) throw new InvalidParameterError('z-test: both sample sizes must be positive');
  if (x1 > n1 || x2 > n2) throw new InvalidParameterError('z-test: successes cannot exceed the sample size');
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  if (pooled === 0 || pooled === 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * normalSf(Math.abs(z)) };
}
