import { callApi } from '../../api/http';
import { wireReaders } from '../../api/wire-readers';

/*
 * Costs of pipelines (docs/pipelines.md "Costs"): what a step run used and cost, and roll-ups per run and per
 * pipeline. A null cost is unknown (the step named no resource class), never 0.
 */

/** What a step run used and cost, over its attempts. */
export interface StepCost {
  resourceClass: string | null;
  wallMs: number | null;
  cpuMs: number | null;
  peakRssBytes: number | null;
  costUsd: number | null;
  savedUsd: number | null;
}

/** The sum over step runs (a run, a pipeline over a time range). */
export interface CostTotal {
  costUsd: number | null;
  savedUsd: number | null;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number | null;
  steps: number;
  unpricedSteps: number;
  cachedSteps: number;
}

const { obj, num } = wireReaders('pipelines');
const numOrNull = (v: unknown, what: string): number | null =>
  v === null || v === undefined ? null : num(v, what);

/** The usage fields of a step run answer (absent fields, from an older server, read as unknown). */
export function parseStepCost(s: Record<string, unknown>): StepCost {
  return {
    resourceClass: typeof s.resource_class === 'string' ? s.resource_class : null,
    wallMs: numOrNull(s.wall_ms, 'wall time'),
    cpuMs: numOrNull(s.cpu_ms, 'CPU time'),
    peakRssBytes: numOrNull(s.peak_rss_bytes, 'peak memory'),
    costUsd: numOrNull(s.cost_usd, 'cost'),
    savedUsd: numOrNull(s.saved_usd, 'saving'),
  };
}

/** A roll-up answer (`total`, or a run's `cost`). */
export function parseCostTotal(v: unknown): CostTotal {
  const t = obj(v, 'cost');
  return {
    costUsd: numOrNull(t.cost_usd, 'cost'),
    savedUsd: numOrNull(t.saved_usd, 'saving'),
    wallMs: num(t.wall_ms, 'wall time'),
    cpuMs: num(t.cpu_ms, 'CPU time'),
    peakRssBytes: numOrNull(t.peak_rss_bytes, 'peak memory'),
    steps: num(t.steps, 'step count'),
    unpricedSteps: num(t.unpriced_steps, 'unpriced step count'),
    cachedSteps: num(t.cached_steps, 'cached step count'),
  };
}

/** A pipeline's cost over all its runs. */
export async function getPipelineCost(
  name: string,
  signal?: AbortSignal,
): Promise<{ runs: number; total: CostTotal }> {
  const answer = await callApi(
    'GET',
    `/api/bosun/v1/pipelines/definitions/${encodeURIComponent(name)}/cost`,
    undefined,
    signal,
  );
  return { runs: num(answer.runs, 'run count'), total: parseCostTotal(answer.total) };
}

/** `$0.18`, `$0.0012` for small amounts, `unknown` for null. */
export function formatUsd(value: number | null): string {
  if (value === null) return 'unknown';
  return value !== 0 && Math.abs(value) < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(2)}`;
}
