/**
 * A small seeded generator of uniform numbers in [0, 1) (mulberry32): the same sequence for the same seed on
 * every run and machine, so property and comparison tests draw the same cases without fixtures.
 *
 * @example
 * const rand = seededUniform(20261207);
 * rand(); // 0 <= x < 1, the same first value on every run
 */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
