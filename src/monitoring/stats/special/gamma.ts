/**
 * Logarithm of the gamma function and of the beta function, ported from Cephes (`lgam`, as shipped in scipy's
 * xsf library, `include/xsf/cephes/gamma.h`, and `lbeta` in `beta.h`): a rational approximation on [2, 3] with
 * argument reduction below 13, Stirling's series above. Accurate to about 1e-15 relative for positive arguments,
 * which is all the statistics need (negative arguments use the reflection formula).
 */

const LS2PI = 0.9189385332046728; // log(sqrt(2π))
const LOGPI = 1.1447298858494002;
const MAXLGM = 2.556348e305;

const A = [
  0.0008116141674705085, -0.0005950619042843014, 0.0007936503404577169, -0.002777777777300997,
  0.08333333333333319,
];
const B = [
  -1378.2515256912086, -38801.631513463784, -331612.9927388712, -1162370.974927623, -1721737.0082083966,
  -853555.6642457654,
];
const C = [
  -351.81570143652345, -17064.210665188115, -220528.59055385445, -1139334.4436798252, -2532523.0717758294,
  -2018891.4143353277,
];

/** Horner evaluation of coef[0]·x^N + … + coef[N] (Cephes `polevl`). */
export function polevl(x: number, coef: readonly number[]): number {
  let ans = coef[0]!;
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!;
  return ans;
}

/** Like {@link polevl} with an implied leading coefficient 1 (Cephes `p1evl`). */
export function p1evl(x: number, coef: readonly number[]): number {
  let ans = x + coef[0]!;
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!;
  return ans;
}

/** sin(πx) with exact zeros at integers (Cephes `sinpi`). */
function sinpi(x: number): number {
  let s = 1;
  if (x < 0) {
    x = -x;
    s = -1;
  }
  const r = x % 2;
  if (r < 0.5) return s * Math.sin(Math.PI * r);
  if (r > 1.5) return s * Math.sin(Math.PI * (r - 2));
  return -s * Math.sin(Math.PI * (r - 1));
}

/**
 * ln|Γ(x)| (scipy `gammaln`). Returns +Infinity at the poles (0, −1, −2, …).
 *
 * @example logGamma(5) // ln 24 = 3.1780538303479458
 */
export function logGamma(x: number): number {
  if (!Number.isFinite(x)) return x === -Infinity ? Infinity : x;
  if (x < -34) {
    const q = -x;
    const w = logGamma(q);
    let p = Math.floor(q);
    if (p === q) return Infinity;
    let z = q - p;
    if (z > 0.5) {
      p += 1;
      z = p - q;
    }
    z = q * sinpi(z);
    if (z === 0) return Infinity;
    return LOGPI - Math.log(z) - w;
  }
  if (x < 13) {
    let z = 1;
    let p = 0;
    let u = x;
    while (u >= 3) {
      p -= 1;
      u = x + p;
      z *= u;
    }
    while (u < 2) {
      if (u === 0) return Infinity;
      z /= u;
      p += 1;
      u = x + p;
    }
    if (z < 0) z = -z;
    if (u === 2) return Math.log(z);
    p -= 2;
    const xx = x + p;
    return Math.log(z) + (xx * polevl(xx, B)) / p1evl(xx, C);
  }
  if (x > MAXLGM) return Infinity;
  const q = (x - 0.5) * Math.log(x) - x + LS2PI;
  if (x >= 1000) {
    if (x > 1e8) return q;
    const p = 1 / (x * x);
    return q + ((0.0007936507936507937 * p - 0.002777777777777778) * p + 0.08333333333333333) / x;
  }
  const p = 1 / (x * x);
  return q + polevl(p, A) / x;
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a+b) for a, b > 0, with Cephes' asymptotic expansion when one argument
 * dwarfs the other (a > 1e6·b), where the plain difference would cancel.
 */
export function logBeta(a: number, b: number): number {
  if (a < b) [a, b] = [b, a];
  if (a > 1e6 * b && a > 1e6) {
    let r = logGamma(b);
    r -= b * Math.log(a);
    r += (b * (1 - b)) / (2 * a);
    r += (b * (1 - b) * (1 - 2 * b)) / (12 * a * a);
    r += (-b * b * (1 - b) * (1 - b)) / (12 * a * a * a);
    return r;
  }
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * log(1 + x) − x, accurate for small |x| (series) where the direct form cancels (Cephes `log1pmx`).
 */
export function log1pmx(x: number): number {
  if (Math.abs(x) < 0.5) {
    let xfac = x;
    let res = 0;
    for (let n = 2; n < 500; n++) {
      xfac *= -x;
      const term = xfac / n;
      res += term;
      if (Math.abs(term) < Number.EPSILON * Math.abs(res)) break;
    }
    return res;
  }
  return Math.log1p(x) - x;
}

/**
 * Binomial coefficient C(n, k) as a double (scipy `special.binom` for integer arguments): an exact product for
 * small k, exp of log-gamma differences otherwise (relative error about 1e-14).
 */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  if (k > n - k) k = n - k;
  if (k < 20) {
    let r = 1;
    for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
    return r;
  }
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1));
}
