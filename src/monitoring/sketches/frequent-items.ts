import { InvalidParameterError } from '../../shared/index.js';

/** Counters a frequent-items sketch keeps by default. */
export const DEFAULT_FREQUENT_ITEMS_CAPACITY = 100;

/** A frequent-items sketch as JSON: counters by decreasing estimate (ties by value). */
export interface FrequentItemsJson {
  readonly capacity: number;
  /** Items counted in all (exact). */
  readonly total: number;
  /** How far any estimate may lie below the true count (0: every count is exact). */
  readonly undercount: number;
  readonly items: readonly (readonly [string, number])[];
}

/**
 * A Misra-Gries frequent-items summary with at most k counters, in its mergeable form (Agarwal et al., "Mergeable
 * summaries", PODS 2012): when more than k items hold counters, the (k+1)-th largest count is subtracted from
 * every counter and those at or below 0 are dropped; `undercount` sums what was subtracted.
 *
 * The guarantees, for any data and any order of adds and merges: each estimate ≤ the item's true count ≤
 * estimate + `undercount`, `undercount` ≤ total/(k + 1), and so every item counted more than total/(k + 1)
 * times holds a counter. With at most k distinct items nothing is ever subtracted and the counts are exact.
 *
 * Example: `const f = new FrequentItems(2); for (const v of 'aaab') f.add(v); f.estimate('a') // 3`.
 */
export class FrequentItems {
  readonly capacity: number;
  private readonly counts = new Map<string, number>();
  private totalCount = 0;
  private subtracted = 0;

  constructor(capacity: number = DEFAULT_FREQUENT_ITEMS_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 100_000) {
      throw new InvalidParameterError(
        `frequent items: capacity must be an integer from 1 to 100000, got ${capacity}`,
      );
    }
    this.capacity = capacity;
  }

  /** Items counted in all. */
  get total(): number {
    return this.totalCount;
  }

  /** The most any estimate lies below the true count (0: exact). */
  get undercount(): number {
    return this.subtracted;
  }

  /** Counts `item` `times` times. */
  add(item: string, times = 1): void {
    this.counts.set(item, (this.counts.get(item) ?? 0) + times);
    this.totalCount += times;
    if (this.counts.size > this.capacity) this.reduce();
  }

  /** Adds many items at once (exact counts first, then one reduction). */
  addAll(items: Iterable<string>): void {
    for (const item of items) {
      this.counts.set(item, (this.counts.get(item) ?? 0) + 1);
      this.totalCount++;
    }
    if (this.counts.size > this.capacity) this.reduce();
  }

  /** Adds `other`'s counters (same capacity only). */
  merge(other: FrequentItems): void {
    if (other.capacity !== this.capacity) {
      throw new InvalidParameterError(
        `cannot merge frequent-items sketches of capacity ${this.capacity} and ${other.capacity}`,
      );
    }
    for (const [item, c] of other.counts) this.counts.set(item, (this.counts.get(item) ?? 0) + c);
    this.totalCount += other.totalCount;
    this.subtracted += other.subtracted;
    if (this.counts.size > this.capacity) this.reduce();
  }

  private reduce(): void {
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity]!;
    for (const [item, c] of this.counts) {
      if (c <= cut) this.counts.delete(item);
      else this.counts.set(item, c - cut);
    }
    this.subtracted += cut;
  }

  /** The estimate of an item's count (0 when it holds no counter). */
  estimate(item: string): number {
    return this.counts.get(item) ?? 0;
  }

  /** The items holding counters, by decreasing estimate (ties by value). */
  items(): { item: string; count: number }[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([item, count]) => ({ item, count }));
  }

  toJSON(): FrequentItemsJson {
    return {
      capacity: this.capacity,
      total: this.totalCount,
      undercount: this.subtracted,
      items: this.items().map(({ item, count }) => [item, count] as const),
    };
  }

  /** A sketch from its JSON, checked (bad input: InvalidParameterError). */
  static fromJSON(json: unknown): FrequentItems {
    const o = json as Partial<FrequentItemsJson> | null;
    if (typeof o !== 'object' || o === null) throw new InvalidParameterError('frequent items: not an object');
    const sketch = new FrequentItems(Number(o.capacity));
    const count = (v: unknown, what: string): number => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new InvalidParameterError(`frequent items: ${what} must be a count, got ${String(v)}`);
      }
      return v;
    };
    sketch.totalCount = count(o.total, 'total');
    sketch.subtracted = count(o.undercount, 'undercount');
    if (!Array.isArray(o.items) || o.items.length > sketch.capacity) {
      throw new InvalidParameterError('frequent items: items must be an array of at most capacity entries');
    }
    for (const pair of o.items as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
        throw new InvalidParameterError('frequent items: items holds a bad entry');
      }
      sketch.counts.set(pair[0], count(pair[1], `count of '${pair[0]}'`));
    }
    return sketch;
  }
}
