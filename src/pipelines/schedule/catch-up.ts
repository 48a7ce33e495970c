/**
 * What a schedule does with fire times that passed while no server ran it: `skip` starts only a time that is at
 * most `graceMs` late (the others are counted as missed); `latest` starts the most recent one; `all` starts every
 * one, at most `cap` of them (the most recent).
 */
export type CatchUpPolicy = 'skip' | 'latest' | 'all';

export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['skip', 'latest', 'all'];

/** How late a time may be and still count as on time (the loop's period and a little slack). */
export const DEFAULT_GRACE_MS = 60_000;

/**
 * Splits the due times (in order, all <= now) into those to start and the number skipped.
 *
 * @example
 * chooseFires('latest', 10, [t1, t2, t3], now, 60_000) // { start: [t3], missed: 2 }
 */
export function chooseFires(
  policy: CatchUpPolicy,
  cap: number,
  due: readonly number[],
  now: number,
  graceMs: number,
): { start: number[]; missed: number } {
  let start: number[];
  switch (policy) {
    case 'skip':
      start = due.filter((t) => now - t <= graceMs);
      break;
    case 'latest':
      start = due.slice(-1);
      break;
    case 'all':
      start = due.slice(-Math.max(1, cap));
      break;
  }
  return { start, missed: due.length - start.length };
}
