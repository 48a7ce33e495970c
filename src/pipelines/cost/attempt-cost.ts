import type { Metric } from '../../tracking/index.js';

/** The class an attempt runs under and its price per hour on the capacity it runs on. */
export interface AttemptPrice {
  resourceClass: string;
  usdPerHour: number;
  onSpot: boolean;
}

/** What one attempt used: its wall time always; CPU time and peak RSS when its process tree was measured. */
export interface AttemptUsage {
  wallMs: number;
  cpuMs?: number;
  peakRssBytes?: number;
}

const MS_PER_HOUR = 3_600_000;

/** Wall hours x the hourly price, in USD. */
export function attemptCostUsd(wallMs: number, price: AttemptPrice): number {
  return (wallMs / MS_PER_HOUR) * price.usdPerHour;
}

/**
 * The metrics an attempt's MLflow run gets: `bosun.step.wall_ms`, `bosun.step.cpu_ms`,
 * `bosun.step.peak_rss_bytes` (when measured) and `bosun.cost.usd` (when priced).
 */
export function usageMetrics(usage: AttemptUsage, costUsd: number | undefined, timestamp: number): Metric[] {
  const metric = (key: string, value: number): Metric => ({ key, value, timestamp, step: 0 });
  return [
    metric('bosun.step.wall_ms', usage.wallMs),
    ...(usage.cpuMs !== undefined ? [metric('bosun.step.cpu_ms', usage.cpuMs)] : []),
    ...(usage.peakRssBytes !== undefined ? [metric('bosun.step.peak_rss_bytes', usage.peakRssBytes)] : []),
    ...(costUsd !== undefined ? [metric('bosun.cost.usd', costUsd)] : []),
  ];
}
