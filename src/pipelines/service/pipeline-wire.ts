import type { PipelineDefinition, PipelineRun, OutputValue, StepRun } from '../store/pipeline-store-types.js';
import type { PlanEntry } from './plan.js';
import { stepUsageToWire } from '../cost/cost-wire.js';

/*
 * The wire forms of pipelines (snake_case), shared by the HTTP API and the CLI's --json output so that both print
 * the same objects.
 */

/** The wire form of a stored pipeline version. */
export function definitionToWire(d: PipelineDefinition) {
  return {
    name: d.name,
    version: d.version,
    digest: d.digest,
    experiment_id: d.experimentId,
    code_dir: d.codeDir ?? null,
    created_by: d.createdBy,
    created_at: d.createdAt,
  };
}

/** The wire form of a pipeline run (snake_case). */
export function pipelineRunToWire(r: PipelineRun) {
  return {
    run_id: r.runId,
    pipeline: r.pipelineName,
    experiment_id: r.experimentId,
    status: r.status,
    params: r.params,
    error: r.error ?? null,
    cancel_requested: r.cancelRequested,
    resumes: r.resumes,
    created_by: r.createdBy,
    created_at: r.createdAt,
    ended_at: r.endedAt ?? null,
  };
}

function outputToWire(o: OutputValue): unknown {
  return o.kind === 'value' ? o.value : { artifact_uri: `${o.runArtifactUri}/${o.path}`, digest: o.digest };
}

/** The wire form of a step run; an artifact output is `{artifact_uri, digest}`. */
export function stepRunToWire(s: StepRun) {
  return {
    step: s.step,
    item_index: s.itemIndex >= 0 ? s.itemIndex : null,
    item: s.item ?? null,
    phase: s.phase,
    state: s.state,
    reason: s.reason ?? null,
    attempt: s.attempt,
    failure_attempts: s.failureAttempts,
    preemption_attempts: s.preemptionAttempts,
    mlflow_run_id: s.mlflowRunId ?? null,
    exit_code: s.exitCode ?? null,
    outputs: Object.fromEntries(Object.entries(s.outputs ?? {}).map(([k, v]) => [k, outputToWire(v)])),
    cache_key: s.cacheKey ?? null,
    cached_from: s.cachedFrom ?? null,
    started_at: s.startedAt ?? null,
    ended_at: s.endedAt ?? null,
    ...stepUsageToWire(s),
  };
}

/** The wire form of one plan entry. */
export function planEntryToWire(e: PlanEntry) {
  return {
    step: e.step,
    item_index: e.itemIndex >= 0 ? e.itemIndex : null,
    decision: e.decision,
    reason: e.reason,
    changed: e.changed,
    key: e.key ?? null,
    cached_from_run: e.cachedFromRun ?? null,
  };
}
