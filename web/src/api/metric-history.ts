/**
 * Metric histories for the charts: Bosun's `GET /api/bosun/v1/metrics/sampled-histories`, the points MLflow's
 * `metrics/get-history-bulk-interval` answers (at most `max_results` steps per run, sampled evenly over the steps
 * of all the asked runs, the first and last always in) in columns per run: steps, values and timestamps arrays,
 * with no run id or key repeated on every point. A chart of 100 runs × 100,000 steps fetches and draws about
 * 100 × 1,000 points, parsed into 300 arrays rather than 100,000 objects.
 */
import { parseWireDouble, readArray, readObject, readString } from '../../../src/client/wire';
import { ApiError } from './api-error';
import { callApi } from './http';

/** The server's limits on one sampled-histories request (those of get-history-bulk-interval). */
export const bulkInterval = { maxRuns: 100, maxResults: 2500 } as const;

/** One run's sampled history in columns: the i-th point is `steps[i]`, `values[i]`, `timestamps[i]`, by step. */
export interface HistoryColumns {
  steps: number[];
  values: number[];
  /** ms since the epoch */
  timestamps: number[];
}

function numbers(value: unknown, where: string): number[] {
  const items = readArray(value, where);
  for (const item of items) {
    if (typeof item !== 'number')
      throw new ApiError('MALFORMED_RESPONSE', 200, `${where} holds a non-number.`);
  }
  return items as number[];
}

/** Values as MLflow writes doubles: numbers, and "NaN" / "Infinity" / "-Infinity" for the others. */
function doubles(value: unknown, where: string): number[] {
  const items = readArray(value, where);
  if (items.every((v) => typeof v === 'number')) return items as number[];
  return items.map((v) => {
    const n = parseWireDouble(v);
    if (n === undefined)
      throw new ApiError('MALFORMED_RESPONSE', 200, `${where} holds ${JSON.stringify(v)}.`);
    return n;
  });
}

/** A sampled history per run id (every asked run, empty when it has no value of the key). */
export async function sampledHistories(
  runIds: string[],
  metricKey: string,
  maxResults: number,
  signal?: AbortSignal,
): Promise<Map<string, HistoryColumns>> {
  const byRun = new Map<string, HistoryColumns>(
    runIds.map((id) => [id, { steps: [], values: [], timestamps: [] }]),
  );
  for (let i = 0; i < runIds.length; i += bulkInterval.maxRuns) {
    const q = new URLSearchParams();
    for (const id of runIds.slice(i, i + bulkInterval.maxRuns)) q.append('run_ids', id);
    q.set('metric_key', metricKey);
    q.set('max_results', String(Math.min(maxResults, bulkInterval.maxResults)));
    const answer = await callApi('GET', `/api/bosun/v1/metrics/sampled-histories?${q}`, undefined, signal);
    for (const [j, raw] of readArray(answer.histories, 'histories').entries()) {
      const where = `histories[${j}]`;
      const h = readObject(raw, where);
      const columns: HistoryColumns = {
        steps: numbers(h.steps, `${where}.steps`),
        values: doubles(h.values, `${where}.values`),
        timestamps: numbers(h.timestamps, `${where}.timestamps`),
      };
      if (
        columns.values.length !== columns.steps.length ||
        columns.timestamps.length !== columns.steps.length
      ) {
        throw new ApiError('MALFORMED_RESPONSE', 200, `${where}: columns of different lengths.`);
      }
      byRun.set(readString(h, 'run_id', where), columns);
    }
  }
  return byRun;
}
