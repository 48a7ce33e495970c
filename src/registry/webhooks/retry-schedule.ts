import { InvalidParameterError } from '../../shared/index.js';

/** How failed deliveries are retried. */
export interface RetrySchedule {
  /** Attempts in all, the first included; after the last failure the delivery is `failed`. */
  maxAttempts: number;
  /** Wait after failed attempt n (1-based) is `delaysMs[n-1]` (the last entry repeats), before jitter. */
  delaysMs: readonly number[];
  /** Each wait is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/** 5 attempts: waits of about 10 s, 30 s, 2 min and 10 min, ±20 %. */
export const defaultRetrySchedule: RetrySchedule = {
  maxAttempts: 5,
  delaysMs: [10_000, 30_000, 120_000, 600_000],
  jitter: 0.2,
};

export function checkRetrySchedule(schedule: RetrySchedule): RetrySchedule {
  const ok =
    Number.isInteger(schedule.maxAttempts) &&
    schedule.maxAttempts >= 1 &&
    schedule.delaysMs.length >= 1 &&
    schedule.delaysMs.every((d) => Number.isFinite(d) && d >= 0) &&
    schedule.jitter >= 0 &&
    schedule.jitter < 1;
  if (!ok) throw new InvalidParameterError(`Invalid webhook retry schedule ${JSON.stringify(schedule)}`);
  return schedule;
}

/** The wait after failed attempt `attempt` (1-based), with jitter from `random` (0 to 1). */
export function retryDelayMs(schedule: RetrySchedule, attempt: number, random: () => number): number {
  const base =
    schedule.delaysMs[Math.min(attempt - 1, schedule.delaysMs.length - 1)] ?? schedule.delaysMs[0] ?? 0;
  const factor = 1 + schedule.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}
