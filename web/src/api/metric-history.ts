/**
 * Metric histories for the charts: MLflow's `metrics/get-history-bulk-interval`, which answers at most
 * `max_results` steps per run, sampled evenly over the steps of all the asked runs (the first and last always in),
 * so a chart of 100 runs × 100,000 steps fetches and draws about 100 × 1,000 points.
 */
import type { Metric } from '../../../src/client/tracking-types';
import { metricFromWire, readArray } from '../../../src/client/wire';
import { callApi } from './http';

/** The server's limits on one bulk-interval request. */
export const bulkInterval = { maxRuns: 100, maxResults: 2500 } as const;

/** A sampled history, per run id; each run's points sorted by step. */
export async function sampledHistories(
  runIds: string[],
  metricKey: string,
  maxResults: number,
  signal?: AbortSignal,
): Promise<Map<string, Metric[]>> {
  const byRun = new Map<string, Metric[]>(runIds.map((id) => [id, []]));
  for (let i = 0; i < runIds.length; i += bulkInterval.maxRuns) {
    const q = new URLSearchParams();
    for (const id of runIds.slice(i, i + bulkInterval.maxRuns)) q.append('run_ids', id);
    q.set('metric_key', metricKey);
    q.set('max_results', String(Math.min(maxResults, bulkInterval.maxResults)));
    const answer = await callApi(
      'GET',
      `/api/2.0/mlflow/metrics/get-history-bulk-interval?${q}`,
      undefined,
      signal,
    );
    for (const [j, raw] of readArray(answer.metrics ?? [], 'metrics').entries()) {
      const m = metricFromWire(raw, `metrics[${j}]`);
      if (m.runId !== undefined) byRun.get(m.runId)?.push(m);
    }
  }
  for (const points of byRun.values()) points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  return byRun;
}
