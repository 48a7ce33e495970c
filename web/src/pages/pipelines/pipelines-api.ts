import { callApi, type WireObject } from '../../api/http';
import { wireReaders } from '../../api/wire-readers';
import { parseCostTotal, parseStepCost, type CostTotal, type StepCost } from './pipeline-cost';

/*
 * The pipelines pages' calls to Bosun's documented pipelines API (/api/bosun/v1/pipelines, see
 * docs/pipelines.md "The HTTP API"), parsed at the edge into the camelCase types the pages use.
 */

const base = '/api/bosun/v1/pipelines';

/** A pipeline run's status, as the server names it. */
export const runStatuses = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** A step run's state, as the server names it. */
export const stepStates = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'cached',
  'cancelled',
] as const;
export type StepState = (typeof stepStates)[number];

/** One stored version of a pipeline (the list holds the latest of each). */
export interface PipelineDefinition {
  name: string;
  version: number;
  digest: string;
  experimentId: string;
  createdBy: string;
  createdAt: number;
}

/** A pipeline run: an MLflow run (same id) in the pipeline's experiment. */
export interface PipelineRun {
  runId: string;
  pipeline: string;
  experimentId: string;
  status: RunStatus;
  params: Record<string, unknown>;
  error: string | null;
  cancelRequested: boolean;
  resumes: number;
  createdBy: string;
  createdAt: number;
  endedAt: number | null;
}

/** One step (or fan-out item) of a pipeline run, at its latest attempt. */
export interface StepRun {
  step: string;
  itemIndex: number | null;
  item: unknown;
  phase: string;
  state: StepState;
  reason: string | null;
  attempt: number;
  failureAttempts: number;
  preemptionAttempts: number;
  mlflowRunId: string | null;
  exitCode: number | null;
  outputs: Record<string, unknown>;
  cacheKey: string | null;
  cachedFrom: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** What its attempts used and cost (see pipeline-cost.ts). */
  cost: StepCost;
}

/** A pipeline run with its steps and the pipeline version it runs. */
export interface RunDetails {
  run: PipelineRun;
  version: number;
  steps: StepRun[];
  /** The run's cost and cache savings; null from a server without costs. */
  cost: CostTotal | null;
}

/** What a run would do with one step: take it from the cache or run it, and why. */
export interface PlanEntry {
  step: string;
  itemIndex: number | null;
  decision: 'hit' | 'miss' | 'disabled' | 'skip' | 'unknown';
  reason: string;
  changed: string[];
  cachedFromRun: string | null;
}

/** The output of one step run: each stream from `…Offset` on (0: all of it), `…Next` where the next read starts. */
export interface StepLog {
  step: string;
  itemIndex: number | null;
  state: string;
  attempt: number;
  stdout: string;
  stderr: string;
  stdoutOffset: number;
  stdoutNext: number;
  stderrOffset: number;
  stderrNext: number;
}

/** Where an approval step's request stands. */
export const approvalStatuses = ['waiting', 'approved', 'rejected', 'timed_out', 'cancelled'] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

/** A model version's side of an approval's comparison: the latest metrics of its source run. */
export interface ModelSide {
  version: string;
  runId: string | null;
  metrics: Record<string, number>;
}

/** An approval step's request (and decision); with a model, the candidate beside the champion. */
export interface StepApproval {
  runId: string;
  pipeline: string;
  step: string;
  status: ApprovalStatus;
  message: string | null;
  requestedBy: string;
  requestedAt: number;
  expiresAt: number | null;
  onTimeout: string;
  onReject: string;
  model: { name: string; version: string; target: string } | null;
  decidedBy: string | null;
  decidedAt: number | null;
  comment: string | null;
  comparison: { model: string; alias: string; candidate: ModelSide; champion: ModelSide | null } | null;
}

const { bad, obj, arr, str, num } = wireReaders('pipelines');
const strOrNull = (v: unknown, what: string): string | null =>
  v === null || v === undefined ? null : str(v, what);
const numOrNull = (v: unknown, what: string): number | null =>
  v === null || v === undefined ? null : num(v, what);
const oneOf = <T extends string>(values: readonly T[], v: unknown, what: string): T =>
  values.find((x) => x === v) ?? bad(what);

function parseDefinition(v: unknown): PipelineDefinition {
  const d = obj(v, 'pipeline');
  return {
    name: str(d.name, 'pipeline name'),
    version: num(d.version, 'version'),
    digest: str(d.digest, 'digest'),
    experimentId: str(d.experiment_id, 'experiment id'),
    createdBy: str(d.created_by, 'author'),
    createdAt: num(d.created_at, 'creation time'),
  };
}

function parseRun(v: unknown): PipelineRun {
  const r = obj(v, 'run');
  return {
    runId: str(r.run_id, 'run id'),
    pipeline: str(r.pipeline, 'pipeline name'),
    experimentId: str(r.experiment_id, 'experiment id'),
    status: oneOf(runStatuses, r.status, 'run status'),
    params: obj(r.params, 'run params'),
    error: strOrNull(r.error, 'run error'),
    cancelRequested: r.cancel_requested === true,
    resumes: num(r.resumes, 'resumes'),
    createdBy: str(r.created_by, 'author'),
    createdAt: num(r.created_at, 'creation time'),
    endedAt: numOrNull(r.ended_at, 'end time'),
  };
}

function parseStep(v: unknown): StepRun {
  const s = obj(v, 'step');
  return {
    step: str(s.step, 'step name'),
    itemIndex: numOrNull(s.item_index, 'item index'),
    item: s.item ?? null,
    phase: str(s.phase, 'step phase'),
    state: oneOf(stepStates, s.state, 'step state'),
    reason: strOrNull(s.reason, 'step reason'),
    attempt: num(s.attempt, 'attempt'),
    failureAttempts: num(s.failure_attempts, 'failure attempts'),
    preemptionAttempts: num(s.preemption_attempts, 'preemption attempts'),
    mlflowRunId: strOrNull(s.mlflow_run_id, 'MLflow run id'),
    exitCode: numOrNull(s.exit_code, 'exit code'),
    outputs: obj(s.outputs, 'outputs'),
    cacheKey: strOrNull(s.cache_key, 'cache key'),
    cachedFrom: strOrNull(s.cached_from, 'cached from'),
    startedAt: numOrNull(s.started_at, 'start time'),
    endedAt: numOrNull(s.ended_at, 'end time'),
    cost: parseStepCost(s),
  };
}

const decisions = ['hit', 'miss', 'disabled', 'skip', 'unknown'] as const;

function parsePlanEntry(v: unknown): PlanEntry {
  const e = obj(v, 'plan entry');
  return {
    step: str(e.step, 'step name'),
    itemIndex: numOrNull(e.item_index, 'item index'),
    decision: oneOf(decisions, e.decision, 'cache decision'),
    reason: str(e.reason, 'reason'),
    changed: arr(e.changed, 'changed parts').map((x) => str(x, 'changed part')),
    cachedFromRun: strOrNull(e.cached_from_run, 'cached from run'),
  };
}

function parseLog(v: unknown): StepLog {
  const l = obj(v, 'log');
  return {
    step: str(l.step, 'step name'),
    itemIndex: numOrNull(l.item_index, 'item index'),
    state: str(l.state, 'step state'),
    attempt: num(l.attempt, 'attempt'),
    stdout: str(l.stdout, 'stdout'),
    stderr: str(l.stderr, 'stderr'),
    stdoutOffset: num(l.stdout_offset, 'stdout offset'),
    stdoutNext: num(l.stdout_next, 'stdout end'),
    stderrOffset: num(l.stderr_offset, 'stderr offset'),
    stderrNext: num(l.stderr_next, 'stderr end'),
  };
}

function parseSide(v: unknown): ModelSide {
  const s = obj(v, 'model version');
  const metrics: Record<string, number> = {};
  for (const [k, m] of Object.entries(obj(s.metrics, 'metrics'))) metrics[k] = num(m, 'metric');
  return { version: str(s.version, 'version'), runId: strOrNull(s.run_id, 'run id'), metrics };
}

function parseApproval(v: unknown): StepApproval {
  const a = obj(v, 'approval');
  const model = a.model === null || a.model === undefined ? null : obj(a.model, 'approval model');
  const comparison =
    a.comparison === null || a.comparison === undefined ? null : obj(a.comparison, 'comparison');
  return {
    runId: str(a.run_id, 'run id'),
    pipeline: str(a.pipeline, 'pipeline name'),
    step: str(a.step, 'step name'),
    status: oneOf(approvalStatuses, a.status, 'approval status'),
    message: strOrNull(a.message, 'approval message'),
    requestedBy: str(a.requested_by, 'requester'),
    requestedAt: num(a.requested_at, 'request time'),
    expiresAt: numOrNull(a.expires_at, 'expiry'),
    onTimeout: str(a.on_timeout, 'on_timeout'),
    onReject: str(a.on_reject, 'on_reject'),
    model:
      model === null
        ? null
        : {
            name: str(model.name, 'model name'),
            version: str(model.version, 'model version'),
            target: str(model.target, 'target'),
          },
    decidedBy: strOrNull(a.decided_by, 'approver'),
    decidedAt: numOrNull(a.decided_at, 'decision time'),
    comment: strOrNull(a.comment, 'comment'),
    comparison:
      comparison === null
        ? null
        : {
            model: str(comparison.model, 'model name'),
            alias: str(comparison.alias, 'alias'),
            candidate: parseSide(comparison.candidate),
            champion:
              comparison.champion === null || comparison.champion === undefined
                ? null
                : parseSide(comparison.champion),
          },
  };
}

/** A run's approval requests (decided ones too); a waiting one that names a model carries the comparison. */
export async function getRunApprovals(runId: string, signal?: AbortSignal): Promise<StepApproval[]> {
  const answer = await callApi(
    'GET',
    `${base}/runs/${encodeURIComponent(runId)}/approvals`,
    undefined,
    signal,
  );
  return arr(answer.approvals, 'approval list').map(parseApproval);
}

/** Approves or rejects a waiting approval step with a comment (`actor`: with auth off, who decides). */
export async function decideApproval(
  runId: string,
  step: string,
  decision: 'approve' | 'reject',
  comment: string,
  actor?: string,
): Promise<StepApproval> {
  const body: WireObject = {};
  if (comment !== '') body.comment = comment;
  if (actor !== undefined && actor.trim() !== '') body.user = actor.trim();
  const answer = await callApi(
    'POST',
    `${base}/runs/${encodeURIComponent(runId)}/approvals/${encodeURIComponent(step)}/${decision}`,
    body,
  );
  return parseApproval(answer.approval);
}

/** The latest version of every pipeline the caller may read. */
export async function listDefinitions(signal?: AbortSignal): Promise<PipelineDefinition[]> {
  const answer = await callApi('GET', `${base}/definitions`, undefined, signal);
  return arr(answer.pipelines, 'pipeline list').map(parseDefinition);
}

/** A version of a pipeline (the latest when `version` is undefined) with its document. */
export async function getDefinition(
  name: string,
  version: number | undefined,
  signal?: AbortSignal,
): Promise<{ definition: PipelineDefinition; document: unknown }> {
  const query = version === undefined ? '' : `?version=${version}`;
  const answer = await callApi(
    'GET',
    `${base}/definitions/${encodeURIComponent(name)}${query}`,
    undefined,
    signal,
  );
  const p = obj(answer.pipeline, 'pipeline');
  return { definition: parseDefinition(p), document: p.document };
}

/** Pipeline runs the caller may read, newest first. */
export async function listRuns(
  filter: { pipeline?: string; status?: RunStatus; maxResults: number },
  signal?: AbortSignal,
): Promise<PipelineRun[]> {
  const query = new URLSearchParams({ max_results: String(filter.maxResults) });
  if (filter.pipeline !== undefined) query.set('pipeline', filter.pipeline);
  if (filter.status !== undefined) query.set('status', filter.status);
  const answer = await callApi('GET', `${base}/runs?${query.toString()}`, undefined, signal);
  return arr(answer.runs, 'run list').map(parseRun);
}

/** A pipeline run and its step runs. */
export async function getRun(runId: string, signal?: AbortSignal): Promise<RunDetails> {
  const answer = await callApi('GET', `${base}/runs/${encodeURIComponent(runId)}`, undefined, signal);
  return {
    run: parseRun(answer.run),
    version: num(answer.version, 'version'),
    steps: arr(answer.steps, 'step list').map(parseStep),
    cost: answer.cost === undefined ? null : parseCostTotal(answer.cost),
  };
}

/** Starts a run of a pipeline version with these parameter values (the others take their defaults). */
export async function startRun(
  pipeline: string,
  version: number,
  params: Record<string, unknown>,
): Promise<PipelineRun> {
  const answer = await callApi('POST', `${base}/runs`, { pipeline, version, params });
  return parseRun(answer.run);
}

/** Cancels a running run, or resumes a failed or cancelled one. */
export async function runAction(runId: string, action: 'cancel' | 'resume'): Promise<PipelineRun> {
  const answer = await callApi('POST', `${base}/runs/${encodeURIComponent(runId)}/${action}`, {});
  return parseRun(answer.run);
}

/** What a run with these parameters would take from the cache and what it would run. */
export async function planRun(
  pipeline: string,
  version: number,
  params: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<PlanEntry[]> {
  const answer = await callApi('POST', `${base}/plan`, { pipeline, version, params }, signal);
  return arr(answer.plan, 'plan').map(parsePlanEntry);
}

/**
 * The stdout and stderr of one step run (a fan-out item when `itemIndex` is a number); with `from` (the
 * `…Next` of the previous read) only what was written since.
 */
export async function getStepLog(
  runId: string,
  step: string,
  itemIndex: number | null,
  from: { stdout: number; stderr: number } | undefined,
  signal?: AbortSignal,
): Promise<StepLog | undefined> {
  const query = new URLSearchParams({ step });
  if (itemIndex !== null) query.set('item', String(itemIndex));
  if (from !== undefined) {
    query.set('stdout_offset', String(from.stdout));
    query.set('stderr_offset', String(from.stderr));
  }
  const answer = await callApi(
    'GET',
    `${base}/runs/${encodeURIComponent(runId)}/logs?${query.toString()}`,
    undefined,
    signal,
  );
  return arr(answer.logs, 'log list').map(parseLog)[0];
}
