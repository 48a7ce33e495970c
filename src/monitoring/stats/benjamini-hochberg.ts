import { InvalidParameterError } from '../../shared/index.js';

export interface BenjaminiHochbergResult {
  /** BH-adjusted p-values (q-values), in the input order: min over j ≥ rank of p₍ⱼ₎·m/j, capped at 1. */
  readonly adjusted: Float64Array;
  /** Whether each hypothesis is rejected at the false discovery rate `q` (adjusted ≤ q). */
  readonly rejected: readonly boolean[];
}

/**
 * Benjamini-Hochberg step-up procedure (Benjamini & Hochberg 1995, JRSS B 57(1)), for testing drift in many columns
 * at once while controlling the expected share of false alarms among the columns flagged: sort the m p-values,
 * find the largest k with p₍ₖ₎ ≤ k·q/m, reject the k smallest. Adjusted p-values are those of R's
 * `p.adjust(method = "BH")` and statsmodels' `fdr_bh`. O(m log m).
 *
 * @example benjaminiHochberg([0.01, 0.04, 0.03, 0.5], 0.05).rejected // [true, false, false, false]
 */
export function benjaminiHochberg(pValues: ArrayLike<number>, q = 0.05): BenjaminiHochbergResult {
  if (!(q > 0 && q < 1)) throw new InvalidParameterError(`FDR level q must be in (0, 1), got ${q}`);
  const m = pValues.length;
  for (let i = 0; i < m; i++) {
    const p = pValues[i]!;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new InvalidParameterError(`p-value ${i} must be a number in [0, 1], got ${String(p)}`);
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const adjusted = new Float64Array(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const idx = order[r]!;
    running = Math.min(running, (pValues[idx]! * m) / (r + 1));
    adjusted[idx] = running;
  }
  const rejected = Array.from(adjusted, (a) => a <= q);
  return { adjusted, rejected };
}
