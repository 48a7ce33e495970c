import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/index.js';
import { FrequentItems } from './frequent-items.js';

const settings = { numRuns: 200, seed: 20261207 };
/** Skewed streams: a few heavy items among many light ones. */
const stream = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c') },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 500 }).map((i) => `v${i}`) },
  ),
  { minLength: 0, maxLength: 600 },
);

function exactCounts(xs: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

function sketchOf(xs: readonly string[], k: number, oneByOne = false): FrequentItems {
  const f = new FrequentItems(k);
  if (oneByOne) for (const x of xs) f.add(x);
  else f.addAll(xs);
  return f;
}

/** Every estimate within [true − undercount, true], undercount ≤ n/(k+1), every item above n/(k+1) kept. */
function expectGuarantees(f: FrequentItems, xs: readonly string[]): void {
  const exact = exactCounts(xs);
  expect(f.total).toBe(xs.length);
  expect(f.undercount).toBeLessThanOrEqual(xs.length / (f.capacity + 1));
  for (const [item, count] of exact) {
    const est = f.estimate(item);
    expect(est).toBeLessThanOrEqual(count);
    expect(est).toBeGreaterThanOrEqual(count - f.undercount);
    if (count > xs.length / (f.capacity + 1)) expect(est, item).toBeGreaterThan(0);
  }
  expect(f.items().length).toBeLessThanOrEqual(f.capacity);
}

describe('FrequentItems (mergeable Misra-Gries)', () => {
  it('finds every item above n/(k+1) with estimates within the bound, added one by one or at once', () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 20 }), fc.boolean(), (xs, k, oneByOne) => {
        expectGuarantees(sketchOf(xs, k, oneByOne), xs);
      }),
      settings,
    );
  });

  it('keeps the guarantees over merges of many parts (the bound of the union)', () => {
    fc.assert(
      fc.property(
        fc.array(stream, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 10 }),
        (parts, k) => {
          const merged = new FrequentItems(k);
          for (const p of parts) merged.merge(sketchOf(p, k));
          expectGuarantees(merged, parts.flat());
        },
      ),
      settings,
    );
  });

  it('is exact with at most k distinct values', () => {
    const xs = ['x', 'y', 'x', 'z', 'x', 'y'];
    const f = sketchOf(xs, 3);
    expect(f.undercount).toBe(0);
    expect(f.items()).toEqual([
      { item: 'x', count: 3 },
      { item: 'y', count: 2 },
      { item: 'z', count: 1 },
    ]);
  });

  it('round-trips through JSON and refuses bad JSON', () => {
    fc.assert(
      fc.property(stream, (xs) => {
        const f = sketchOf(xs, 5);
        const back = FrequentItems.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
        expect(back.toJSON()).toEqual(f.toJSON());
      }),
      settings,
    );
    expect(() => new FrequentItems(0)).toThrow(InvalidParameterError);
    expect(() => FrequentItems.fromJSON({ capacity: 2, total: 1, undercount: 0, items: [[1, 2]] })).toThrow(
      /bad entry/,
    );
    expect(() => sketchOf(['a'], 2).merge(sketchOf(['a'], 3))).toThrow(/capacity/);
  });
});
