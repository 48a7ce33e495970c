import { InvalidParameterError } from '../../shared/index.js';

/** The relative accuracy of the quantile sketches Bosun stores: each quantile within 1 % of the true value. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;

/** Magnitudes below this are counted in the zero bucket (reported as 0: an absolute error below 1e-300). */
export const MIN_INDEXABLE = 1e-300;

/**
 * A quantile sketch as JSON. Each store lists its non-empty buckets by increasing index as one flat array
 * `[first index, its count, gap to the next index, its count, ...]` (compact, and quick to parse).
 */
export interface QuantileSketchJson {
  readonly relativeAccuracy: number;
  readonly zero: number;
  readonly positive: readonly number[];
  readonly negative: readonly number[];
}

/**
 * A DDSketch (Masson, Rim & Lee, VLDB 2019) with an unbounded sparse store: a value x > 0 is counted in bucket
 * i = ⌈log_γ x⌉ (γ = (1 + α)/(1 − α)), which covers (γ^(i−1), γ^i] and is reported as 2γ^i/(γ + 1), so every
 * value it stands for is within a relative error α; negative values use a mirrored store, |x| < 1e-300 counts
 * as 0.
 *
 * The guarantee: `quantile(q)` returns a value within α·|x| of x, the element of rank ⌊q·(n − 1)⌋ (0-based) of
 * the sorted values counted; the bound holds for any data, however skewed. Two sketches of the same α merge
 * by adding bucket counts, so `merge(sketch(a), sketch(b))` is bucket for bucket `sketch(a ∪ b)`: merging
 * loses nothing. Size: one bucket per occupied factor of γ, at most ln(max/min)/ln γ + 1 per sign (about 1,040
 * for values from 1e-6 to 1e3 at α = 1 %), whatever the row count.
 *
 * Example: `const s = new QuantileSketch(); s.add(3); s.add(10); s.quantile(1) // ≈ 10, within 1 %`.
 */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  private readonly logGamma: number;
  private readonly gamma: number;
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();
  private zero = 0;
  private total = 0;

  constructor(relativeAccuracy: number = DEFAULT_RELATIVE_ACCURACY) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new InvalidParameterError(`relative accuracy must be in (0, 1), got ${relativeAccuracy}`);
    }
    this.relativeAccuracy = relativeAccuracy;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
  }

  /** Values counted. */
  get count(): number {
    return this.total;
  }

  /** Counts a finite value `times` times (default once). */
  add(value: number, times = 1): void {
    if (!Number.isFinite(value)) throw new InvalidParameterError(`quantile sketch: ${value} is not finite`);
    const magnitude = Math.abs(value);
    if (magnitude < MIN_INDEXABLE) this.zero += times;
    else {
      const store = value > 0 ? this.positive : this.negative;
      const index = Math.ceil(Math.log(magnitude) / this.logGamma);
      store.set(index, (store.get(index) ?? 0) + times);
    }
    this.total += times;
  }

  /** Adds `other`'s counts to this sketch (the same relative accuracy only). */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new InvalidParameterError(
        `cannot merge quantile sketches of relative accuracy ${this.relativeAccuracy} and ${other.relativeAccuracy}`,
      );
    }
    for (const [i, c] of other.positive) this.positive.set(i, (this.positive.get(i) ?? 0) + c);
    for (const [i, c] of other.negative) this.negative.set(i, (this.negative.get(i) ?? 0) + c);
    this.zero += other.zero;
    this.total += other.total;
  }

  /** The value a bucket of the positive store stands for. */
  private valueOf(index: number): number {
    return (2 * Math.pow(this.gamma, index)) / (this.gamma + 1);
  }

  /**
   * The sketch's values and counts in increasing order of value: each bucket as its representative value. The
   * distribution every statistic computed from the sketch is computed on.
   */
  buckets(): { value: number; count: number }[] {
    const out: { value: number; count: number }[] = [];
    const negatives = [...this.negative].sort((a, b) => b[0] - a[0]);
    for (const [i, c] of negatives) out.push({ value: -this.valueOf(i), count: c });
    if (this.zero > 0) out.push({ value: 0, count: this.zero });
    const positives = [...this.positive].sort((a, b) => a[0] - b[0]);
    for (const [i, c] of positives) out.push({ value: this.valueOf(i), count: c });
    return out;
  }

  /** The q-quantile (q in [0, 1]): within α·|x| of the element of rank ⌊q·(n − 1)⌋; null for an empty sketch. */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new InvalidParameterError(`quantile must be in [0, 1], got ${q}`);
    return this.quantiles([q])[0]!;
  }

  /** {@link quantile} of each of `qs` in one pass over the buckets. */
  quantiles(qs: readonly number[]): (number | null)[] {
    if (this.total === 0) return qs.map(() => null);
    const buckets = this.buckets();
    const order = qs.map((q, i) => ({ q, i })).sort((a, b) => a.q - b.q);
    const out: (number | null)[] = new Array<number | null>(qs.length).fill(null);
    let b = 0;
    let seen = buckets[0]!.count;
    for (const { q, i } of order) {
      const rank = Math.floor(q * (this.total - 1));
      while (seen <= rank && b < buckets.length - 1) seen += buckets[++b]!.count;
      out[i] = buckets[b]!.value;
    }
    return out;
  }

  /** The sketch as JSON (buckets sorted by index, so equal sketches serialise equally). */
  toJSON(): QuantileSketchJson {
    const pairs = (m: Map<number, number>): number[] => {
      const out: number[] = [];
      let previous = 0;
      for (const [i, c] of [...m].sort((a, b) => a[0] - b[0])) {
        out.push(out.length === 0 ? i : i - previous, c);
        previous = i;
      }
      return out;
    };
    return {
      relativeAccuracy: this.relativeAccuracy,
      zero: this.zero,
      positive: pairs(this.positive),
      negative: pairs(this.negative),
    };
  }

  /** A sketch from its JSON, checked (bad input: InvalidParameterError naming the part). */
  static fromJSON(json: unknown): QuantileSketch {
    const o = json as Partial<QuantileSketchJson> | null;
    if (typeof o !== 'object' || o === null)
      throw new InvalidParameterError('quantile sketch: not an object');
    const sketch = new QuantileSketch(Number(o.relativeAccuracy));
    const count = (v: unknown, what: string): number => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new InvalidParameterError(`quantile sketch: ${what} must be a count, got ${String(v)}`);
      }
      return v;
    };
    sketch.zero = count(o.zero, 'zero');
    sketch.total = sketch.zero;
    for (const side of ['positive', 'negative'] as const) {
      const flat: unknown = o[side];
      if (!Array.isArray(flat) || flat.length % 2 !== 0) {
        throw new InvalidParameterError(`quantile sketch: ${side} must be an array of index and count pairs`);
      }
      const store = side === 'positive' ? sketch.positive : sketch.negative;
      let index = 0;
      for (let k = 0; k < flat.length; k += 2) {
        const step: unknown = flat[k];
        if (typeof step !== 'number' || !Number.isSafeInteger(step) || (k > 0 && step < 1)) {
          throw new InvalidParameterError(`quantile sketch: ${side} holds a bad bucket index at ${k}`);
        }
        index = k === 0 ? step : index + step;
        const c = count(flat[k + 1], `${side} bucket count`);
        store.set(index, c);
        sketch.total += c;
      }
    }
    return sketch;
  }
}
