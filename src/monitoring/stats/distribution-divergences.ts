import { InvalidParameterError } from '../../shared/index.js';
import { pairwiseSum } from './numeric/pairwise-sum.js';
import { requireFiniteVector } from './numeric/sample.js';

/**
 * Divergences between two discrete distributions over the same bins or categories (p: reference shares,
 * q: current shares). Inputs are non-negative weights or counts of equal length; each function states whether
 * it normalises them first (as its scipy counterpart does).
 */

function checkPair(p: ArrayLike<number>, q: ArrayLike<number>, what: string): void {
  if (p.length !== q.length) {
    throw new InvalidParameterError(
      `${what}: p and q must have the same length, got ${p.length} and ${q.length}`,
    );
  }
  if (p.length === 0) throw new InvalidParameterError(`${what}: p and q must not be empty`);
  requireFiniteVector(p, 'p', what);
  requireFiniteVector(q, 'q', what);
  for (let i = 0; i < p.length; i++) {
    if (p[i]! < 0 || q[i]! < 0)
      throw new InvalidParameterError(`${what}: weights must be non-negative (index ${i})`);
  }
}

function normalised(v: ArrayLike<number>, what: string, name: string): Float64Array {
  const s = pairwiseSum(v);
  if (!(s > 0)) throw new InvalidParameterError(`${what}: ${name} sums to zero`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / s;
  return out;
}

/** Relative entropy term x·ln(x/y) with 0·ln(0/y) = 0 and x·ln(x/0) = ∞ (scipy `special.rel_entr`). */
export function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Base of the logarithm for information measures: e (nats, Evidently) or 2 (bits, bounded by 1; NannyML). */
export type LogBase = 'e' | 2;

/**
 * Jensen-Shannon **distance** (the square root of the divergence), `scipy.spatial.distance.jensenshannon(p, q,
 * base)`: normalises p and q, M = (p + q)/2, JS = √((D(p‖M) + D(q‖M))/2 / ln(base)). Symmetric, 0 for identical
 * distributions, at most √ln2 ≈ 0.8326 in base e and 1 in base 2. Zero bins need no smoothing.
 *
 * @example jensenShannonDistance([0.1, 0.9], [0.2, 0.8], 2)
 */
export function jensenShannonDistance(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  base: LogBase = 'e',
): number {
  checkPair(p, q, 'jensenshannon');
  const pn = normalised(p, 'jensenshannon', 'p');
  const qn = normalised(q, 'jensenshannon', 'q');
  const left = new Float64Array(pn.length);
  const right = new Float64Array(pn.length);
  for (let i = 0; i < pn.length; i++) {
    const m = (pn[i]! + qn[i]!) / 2;
    left[i] = relEntr(pn[i]!, m);
    right[i] = relEntr(qn[i]!, m);
  }
  let js = pairwiseSum(left) + pairwiseSum(right);
  if (base !== 'e') js /= Math.log(base);
  return Math.sqrt(js / 2);
}

/**
 * Kullback-Leibler divergence D(p‖q) = Σ pᵢ ln(pᵢ/qᵢ) after normalising both (`scipy.stats.entropy(p, q)`);
 * +∞ when some qᵢ = 0 < pᵢ. Not symmetric. Evidently's `kl_div` applies it to zero-smoothed bin shares
 * ({@link smoothZeroShares}).
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>, base: LogBase = 'e'): number {
  checkPair(p, q, 'kl_divergence');
  const pn = normalised(p, 'kl_divergence', 'p');
  const qn = normalised(q, 'kl_divergence', 'q');
  const terms = new Float64Array(pn.length);
  for (let i = 0; i < pn.length; i++) terms[i] = relEntr(pn[i]!, qn[i]!);
  const s = pairwiseSum(terms);
  return base === 'e' ? s : s / Math.log(base);
}

/**
 * Population stability index PSI = Σ (pᵢ − qᵢ)·ln(pᵢ/qᵢ) (the Jeffreys divergence, KL(p‖q) + KL(q‖p)), on the
 * shares as given (not renormalised, as Evidently's `psi`). Every share must be positive: smooth empty bins
 * first ({@link smoothZeroShares}). Rule of thumb: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift.
 */
export function populationStabilityIndex(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkPair(p, q, 'psi');
  const terms = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    const qi = q[i]!;
    if (!(pi > 0 && qi > 0)) {
      throw new InvalidParameterError(`psi: share ${i} is zero; smooth empty bins before computing PSI`);
    }
    terms[i] = (pi - qi) * Math.log(pi / qi);
  }
  return pairwiseSum(terms);
}

/**
 * Hellinger distance H = √(1 − Σ √(pᵢ·qᵢ)), with the sum clipped to [0, 1] (Evidently's categorical form; equal
 * to ‖√p − √q‖₂/√2 up to rounding). In [0, 1]; p and q are used as given (pass shares that sum to 1).
 */
export function hellingerDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkPair(p, q, 'hellinger');
  const terms = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) terms[i] = Math.sqrt(p[i]! * q[i]!);
  return Math.sqrt(Math.max(0, 1 - pairwiseSum(terms)));
}

/**
 * Evidently's zero smoothing of bin shares (`get_binned_data(..., feel_zeroes=True)`): every zero share becomes
 * ε, with ε = (smallest non-zero share)/10⁶ when that share is ≤ 10⁻⁴, else ε = 10⁻⁴. No renormalisation.
 * Returns a new array.
 */
export function smoothZeroShares(shares: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(shares);
  let minNonZero = Infinity;
  for (let i = 0; i < out.length; i++) if (out[i]! > 0 && out[i]! < minNonZero) minNonZero = out[i]!;
  const eps = minNonZero <= 1e-4 ? minNonZero / 1e6 : 1e-4;
  for (let i = 0; i < out.length; i++) if (out[i] === 0) out[i] = eps;
  return out;
}
