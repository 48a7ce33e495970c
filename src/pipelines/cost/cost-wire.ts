import type { StepRun } from '../store/pipeline-store-types.js';
import type { CostRollUp } from './cost-types.js';
import type { ModelVersionCost, PipelineCost, RunCost } from './cost-service.js';

/** The wire form (snake_case, null for unknown) of a roll-up. */
export function rollUpToWire(r: CostRollUp) {
  return {
    cost_usd: r.costUsd ?? null,
    saved_usd: r.savedUsd ?? null,
    wall_ms: r.wallMs,
    cpu_ms: r.cpuMs,
    peak_rss_bytes: r.peakRssBytes ?? null,
    steps: r.steps,
    unpriced_steps: r.unpricedSteps,
    cached_steps: r.cachedSteps,
  };
}

/** The usage fields of a step run on the wire (also part of the pipeline run answers). */
export function stepUsageToWire(s: StepRun) {
  return {
    resource_class: s.usage?.resourceClass ?? null,
    wall_ms: s.usage?.wallMs ?? null,
    cpu_ms: s.usage?.cpuMs ?? null,
    peak_rss_bytes: s.usage?.peakRssBytes ?? null,
    cost_usd: s.usage?.costUsd ?? null,
    saved_usd: s.usage?.savedUsd ?? null,
  };
}

/** Sums step runs already loaded (the run answer): the same figures `CostStore.rollUp` computes in SQL. */
export function rollUpSteps(steps: readonly StepRun[]): CostRollUp {
  const sum = (values: (number | undefined)[]) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length > 0 ? known.reduce((a, b) => a + b, 0) : undefined;
  };
  const peaks = steps.map((s) => s.usage?.peakRssBytes).filter((v): v is number => v !== undefined);
  return {
    costUsd: sum(steps.map((s) => s.usage?.costUsd)),
    savedUsd: sum(steps.map((s) => s.usage?.savedUsd)),
    wallMs: sum(steps.map((s) => s.usage?.wallMs)) ?? 0,
    cpuMs: sum(steps.map((s) => s.usage?.cpuMs)) ?? 0,
    peakRssBytes: peaks.length > 0 ? Math.max(...peaks) : undefined,
    steps: steps.filter((s) => s.usage?.wallMs !== undefined || s.state === 'cached').length,
    unpricedSteps: steps.filter((s) => s.usage?.wallMs !== undefined && s.usage.costUsd === undefined).length,
    cachedSteps: steps.filter((s) => s.state === 'cached').length,
  };
}

function stepCostToWire(s: StepRun) {
  return {
    step: s.step,
    item_index: s.itemIndex >= 0 ? s.itemIndex : null,
    state: s.state,
    attempt: s.attempt,
    cached_from: s.cachedFrom ?? null,
    ...stepUsageToWire(s),
  };
}

/** A pipeline run's cost on the wire. */
export function runCostToWire(c: RunCost) {
  return {
    run_id: c.run.runId,
    pipeline: c.run.pipelineName,
    status: c.run.status,
    total: rollUpToWire(c.total),
    steps: c.steps.map(stepCostToWire),
  };
}

/** A pipeline's cost over a time range on the wire. */
export function pipelineCostToWire(c: PipelineCost) {
  return {
    pipeline: c.pipeline,
    from: c.from ?? null,
    to: c.to ?? null,
    runs: c.runs,
    total: rollUpToWire(c.total),
  };
}

/** A model version's cost on the wire; `steps` empty when the caller may not read the pipeline's runs. */
export function modelVersionCostToWire(
  name: string,
  version: string,
  c: ModelVersionCost,
  withSteps: boolean,
) {
  return {
    name,
    version,
    source_run_id: c.sourceRunId,
    pipeline_run_id: c.cost.run.runId,
    pipeline: c.cost.run.pipelineName,
    total: rollUpToWire(c.cost.total),
    steps: withSteps ? c.cost.steps.map(stepCostToWire) : [],
  };
}
