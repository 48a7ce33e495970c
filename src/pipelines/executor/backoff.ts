import { parseDuration, type RetrySpec } from '../spec/index.js';

/** Backoff used when a step's `retry.backoff` leaves a field out. */
export const DEFAULT_BACKOFF = { initialMs: 1_000, factor: 2, maxMs: 5 * 60_000, jitter: 0 } as const;

/** The two retry budgets of a step: after failures, and (counted apart) after preemptions. */
export interface RetryBudgets {
  failures: number;
  preemptions: number;
}

/** `retry.limit` (default 0) and `retry.preemption_limit` (default 3: a lost process is not the step's fault). */
export function retryBudgets(retry: RetrySpec | undefined): RetryBudgets {
  return { failures: retry?.limit ?? 0, preemptions: retry?.preemption_limit ?? 3 };
}

/**
 * The delay before retry `n` (1-based): `initial × factor^(n-1)`, at most `max`, of which a `jitter` share is
 * drawn at random (`random()` in [0, 1), injectable so tests get exact delays).
 *
 * @example
 * retryDelayMs({ backoff: { initial: '10s', factor: 2, max: '1m', jitter: 0.5 } }, 3, () => 0.5); // 30_000
 */
export function retryDelayMs(retry: RetrySpec | undefined, n: number, random: () => number): number {
  const backoff = retry?.backoff;
  const initial =
    (backoff?.initial !== undefined ? parseDuration(backoff.initial) : undefined) ??
    DEFAULT_BACKOFF.initialMs;
  const max = (backoff?.max !== undefined ? parseDuration(backoff.max) : undefined) ?? DEFAULT_BACKOFF.maxMs;
  const factor = backoff?.factor ?? DEFAULT_BACKOFF.factor;
  const jitter = backoff?.jitter ?? DEFAULT_BACKOFF.jitter;
  const base = Math.min(max, initial * factor ** Math.max(0, n - 1));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}
