import { InvalidParameterError } from '../shared/index.js';
import { limits } from './limits.js';
import { gridOf, metricStepSummaryStore, type StepGrid, type StepSummary } from './metric-step-summary.js';
import { metricStore } from './metric-store.js';
import type { TrackingContext } from './tracking-context.js';
import type {
  BulkIntervalQuery,
  MetricHistoryBulkQuery,
  TrackingService,
} from './tracking-service-contract.js';
import type { Metric, SampledHistory } from './types.js';

/** Index of the first item of `sorted` that is `>= value` (Python's `bisect_left`). */
function firstAtLeast(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index after the last item of `sorted` that is `<= value` (Python's `bisect_right`). */
function firstAbove(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The steps MLflow's server samples for `get-history-bulk-interval` (its 2.11-3.11 rule, which its web UI and
 * tests expect): over the sorted union of the runs' steps within [start, end] (start 0 and end the last step when
 * no range is given), every `n / max`-th step (`floor(i * n / max)` for i < max) and the last one, plus each run's
 * own first and last step when they are within the range.
 *
 * Example: one run with steps 0..9 and `max` 5 → `[0, 2, 4, 6, 8, 9]`.
 */
export function sampledSteps(
  /** Each run's distinct steps, ascending. */
  stepsPerRun: readonly (readonly number[])[],
  max: number,
  range?: { start: number; end: number },
): number[] {
  const all = [...new Set(stepsPerRun.flat())].sort((a, b) => a - b);
  const bounds = stepsPerRun.filter((s) => s.length > 0).map((s) => ({ first: s[0]!, last: s.at(-1)! }));
  return sampleUnion(all, bounds, max, range);
}

/**
 * {@link sampledSteps} from the sorted union of the runs' steps and each run's first and last step (of the runs
 * that have any).
 */
export function sampleUnion(
  all: readonly number[],
  bounds: readonly { first: number; last: number }[],
  max: number,
  range?: { start: number; end: number },
): number[] {
  const start = range?.start ?? 0;
  const end = range?.end ?? all.at(-1) ?? 0;
  const chosen = new Set<number>();
  for (const { first, last } of bounds) {
    for (const bound of [first, last]) {
      if (bound >= start && bound <= end) chosen.add(bound);
    }
  }
  const from = firstAtLeast(all, start);
  const to = firstAbove(all, end);
  const count = to - from;
  if (count <= max) {
    for (const step of all.slice(from, to)) chosen.add(step);
  } else {
    const interval = count / max;
    for (let i = 0; i < max; i++) chosen.add(all[from + Math.floor(i * interval)]!);
    chosen.add(all[to - 1]!);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * The sorted union of the runs' steps: the runs whose steps form a grid are expanded in memory (their grids merged
 * per lattice, so 100 runs of the same 100,000 steps expand once), the others' steps are given as read.
 *
 * Example: grids 0..4 and 3..6 (stride 1) and the steps [10, 15] → `[0, 1, 2, 3, 4, 5, 6, 10, 15]`.
 */
export function unionOfSteps(grids: readonly StepGrid[], read: readonly (readonly number[])[]): number[] {
  const lattices = new Map<string, StepGrid[]>();
  for (const g of grids) {
    const id = `${g.stride}:${(((g.first % g.stride) + g.stride) % g.stride).toString()}`;
    const list = lattices.get(id);
    if (list === undefined) lattices.set(id, [g]);
    else list.push(g);
  }
  const parts: number[][] = [];
  for (const list of lattices.values()) {
    list.sort((a, b) => a.first - b.first);
    const out: number[] = [];
    let next = -Infinity; // the first step of this lattice not yet written
    for (const g of list) {
      for (let s = Math.max(g.first, next); s <= g.last; s += g.stride) out.push(s);
      next = Math.max(next, g.last + g.stride);
    }
    parts.push(out);
  }
  for (const steps of read) if (steps.length > 0) parts.push([...steps]);
  if (parts.length === 1) return parts[0]!;
  return [...new Set(parts.flat())].sort((a, b) => a - b);
}

/** Runs whose sampled points are read at the same time. */
const readersAtOnce = 4;

function checkRunCount(request: string, runIds: readonly string[], atMost: string): void {
  if (runIds.length > limits.bulkIntervalMaxRuns) {
    throw new InvalidParameterError(
      `${request} request ${atMost} ${limits.bulkIntervalMaxRuns} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
}

/** The web UI's metric charts: histories of several runs at once, whole or sampled over steps. */
export class MetricHistoryService implements Pick<
  TrackingService,
  'getMetricHistoryBulk' | 'getMetricHistoryBulkInterval' | 'getSampledHistories'
> {
  constructor(private readonly ctx: TrackingContext) {}

  async getMetricHistoryBulkInterval(query: BulkIntervalQuery): Promise<Metric[]> {
    const steps = await this.sampledStepsOf(query);
    const perRun = await this.eachRun(query.runIds, (runId) =>
      metricStore.atSteps(this.ctx.db, runId, query.metricKey, steps, limits.historyMaxResults),
    );
    return perRun.flat();
  }

  async getSampledHistories(query: BulkIntervalQuery): Promise<SampledHistory[]> {
    const steps = await this.sampledStepsOf(query);
    const runIds = [...new Set(query.runIds)];
    return this.eachRun(runIds, async (runId) => ({
      runId,
      ...(await metricStore.columnsAtSteps(
        this.ctx.db,
        runId,
        query.metricKey,
        steps,
        limits.historyMaxResults,
      )),
    }));
  }

  /**
   * The runs' answers read a few runs at a time (PostgreSQL answers on several connections; SQLite's one
   * connection takes them in turn), returned in the order of the runs asked for. After each run the reader lets
   * the event loop take other requests: SQLite's reads are synchronous, so without it 100 runs of 100,000 steps
   * held every other request of the server (the chart page's runs and its chart code among them) for the whole
   * read.
   */
  private async eachRun<T>(runIds: readonly string[], read: (runId: string) => Promise<T>): Promise<T[]> {
    const perRun = new Array<T>(runIds.length);
    let next = 0;
    const reader = async (): Promise<void> => {
      while (next < runIds.length) {
        const i = next++;
        perRun[i] = await read(runIds[i]!);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all(Array.from({ length: Math.min(readersAtOnce, runIds.length) }, reader));
    return perRun;
  }

  /** The query checked as MLflow checks it, and the steps its sampling rule picks (see {@link sampledSteps}). */
  private async sampledStepsOf(query: BulkIntervalQuery): Promise<number[]> {
    if (query.runIds.length === 0) {
      throw new InvalidParameterError("Missing value for required parameter 'run_ids'.");
    }
    checkRunCount('GetMetricHistoryBulkInterval', query.runIds, 'must specify at most');
    if (!query.metricKey) {
      throw new InvalidParameterError("Missing value for required parameter 'metric_key'.");
    }
    const max = query.maxResults ?? limits.bulkIntervalMaxResults;
    if (!Number.isInteger(max) || max < 1 || max > limits.bulkIntervalMaxResults) {
      throw new InvalidParameterError(`max_results must be between 1 and ${limits.bulkIntervalMaxResults}.`);
    }
    const { startStep, endStep } = query;
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw new InvalidParameterError(
        'If either start step or end step are specified, both must be specified.',
      );
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw new InvalidParameterError(
        `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
      );
    }
    const db = this.ctx.db;
    // Each run's distinct steps are summarised when written (count, first, last, gcd: metric_step_summaries);
    // steps that form a grid are not read (100 runs × 100,000 steps would be 10M index entries), only the others.
    const summaries = await metricStepSummaryStore.ofRuns(db, query.runIds, query.metricKey);
    const grids: StepGrid[] = [];
    const read: number[][] = [];
    const bounds: { first: number; last: number }[] = [];
    for (const runId of query.runIds) {
      await this.ctx.run(db, runId);
      const summary = summaries.get(runId);
      const grid = summary !== undefined ? gridOf(summary) : await this.gridFromIndex(runId, query.metricKey);
      if (grid !== undefined) {
        grids.push(grid);
        bounds.push({ first: grid.first, last: grid.last });
      } else {
        const steps = await metricStore.distinctSteps(db, runId, query.metricKey);
        if (steps.length === 0) continue;
        read.push(steps);
        bounds.push({ first: steps[0]!, last: steps.at(-1)! });
      }
    }
    const range =
      startStep !== undefined && endStep !== undefined ? { start: startStep, end: endStep } : undefined;
    return sampleUnion(unionOfSteps(grids, read), bounds, max, range);
  }

  /**
   * A run without a summary row (no value of the key, or values written by something other than Bosun's write
   * path): its grid counted over the index as before migration 0023, or `undefined`.
   */
  private async gridFromIndex(runId: string, key: string): Promise<StepGrid | undefined> {
    const { count, first, last } = await metricStore.stepSummary(this.ctx.db, runId, key);
    if (count === 0) return undefined;
    const summary: StepSummary = { count, first, last, gcd: null };
    if (count === 1) return gridOf(summary);
    const stride = (last - first) / (count - 1);
    // `count` distinct integers in [first, last] with stride 1 are all of them; a wider stride is checked.
    if (!Number.isInteger(stride)) return undefined;
    if (stride > 1 && (await metricStore.offGridCount(this.ctx.db, runId, key, first, stride)) > 0)
      return undefined;
    return gridOf({ ...summary, gcd: stride });
  }

  async getMetricHistoryBulk(query: MetricHistoryBulkQuery): Promise<Metric[]> {
    if (query.runIds.length === 0) {
      throw new InvalidParameterError('GetMetricHistoryBulk request must specify at least one run_id.');
    }
    checkRunCount('GetMetricHistoryBulk', query.runIds, 'cannot specify more than');
    if (!query.metricKey) {
      throw new InvalidParameterError('GetMetricHistoryBulk request must specify a metric_key.');
    }
    const max = query.maxResults ?? limits.historyMaxResults;
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidParameterError(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer.`,
      );
    }
    const runIds = [...new Set(query.runIds)];
    return metricStore.ofRuns(this.ctx.db, runIds, query.metricKey, Math.min(max, limits.historyMaxResults));
  }
}
