/** A non-missing value of a column, used as a category. */
export type Category = number | string | boolean;

/** A key that tells 1 from "1" and true from "true". */
export function categoryKey(v: Category): string {
  return `${typeof v}:${String(v)}`;
}

const KIND_ORDER = { boolean: 0, number: 1, string: 2 } as const;

/**
 * The distinct values, sorted as Python's `sorted()` sorts a homogeneous list (numbers numerically, strings by
 * code point, false before true); mixed kinds are ordered booleans, numbers, strings.
 */
export function sortedCategoryKeys(values: readonly Category[]): Category[] {
  const seen = new Map<string, Category>();
  for (const v of values) seen.set(categoryKey(v), v);
  return [...seen.values()].sort((a, b) => {
    const ka = KIND_ORDER[typeof a as keyof typeof KIND_ORDER];
    const kb = KIND_ORDER[typeof b as keyof typeof KIND_ORDER];
    if (ka !== kb) return ka - kb;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const sa = String(a);
    const sb = String(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
}

/** Counts per key, in the order of `keys`. */
export function countsByKey(values: readonly Category[], keys: readonly Category[]): number[] {
  const index = new Map(keys.map((k, i) => [categoryKey(k), i]));
  const counts = new Array<number>(keys.length).fill(0);
  for (const v of values) {
    const i = index.get(categoryKey(v));
    if (i !== undefined) counts[i]! += 1;
  }
  return counts;
}
