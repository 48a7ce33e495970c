import type { RunStatus, StepState } from './step-state.js';
import type { StepUsage } from '../cost/cost-types.js';
import type { AttemptUsagePatch } from './attempt-usage-columns.js';

/**
 * A value a step produced: a small typed value, or an artifact passed by reference (the producing MLflow run's
 * artifact URI, the path under it, and the content digest).
 */
export type OutputValue =
  | { kind: 'value'; value: unknown }
  | { kind: 'artifact'; runArtifactUri: string; path: string; digest: string };

/** A stored version of a pipeline document. */
export interface PipelineDefinition {
  definitionId: string;
  name: string;
  version: number;
  /** The document, as JSON-compatible data (already validated when it was stored). */
  spec: unknown;
  digest: string;
  /** The folder script paths resolve against when the server runs it; undefined: the server's working folder. */
  codeDir: string | undefined;
  /** The MLflow experiment its runs go to (named after the pipeline). */
  experimentId: string;
  createdBy: string;
  createdAt: number;
}

/** One run of a pipeline; `runId` is also the MLflow run holding it. */
export interface PipelineRun {
  runId: string;
  definitionId: string;
  pipelineName: string;
  experimentId: string;
  status: RunStatus;
  params: Record<string, unknown>;
  codeDir: string;
  error: string | undefined;
  cancelRequested: boolean;
  leaseOwner: string | undefined;
  leaseExpiresAt: number | undefined;
  resumes: number;
  createdBy: string;
  createdAt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
}

/** Which part of a step's cache key had which digest (for `plan` explanations). */
export type CacheParts = Record<string, string>;

/** One step run: a step, or one fan-out item of it (`itemIndex` -1 when the step does not fan out). */
export interface StepRun {
  stepRunId: string;
  runId: string;
  step: string;
  itemIndex: number;
  item: unknown;
  phase: 'main' | 'exit';
  state: StepState;
  /** Why it was skipped, failed or cancelled; for a skip, starts with `condition:` or `upstream:`. */
  reason: string | undefined;
  failureAttempts: number;
  preemptionAttempts: number;
  /** Attempts started so far (each has its own MLflow run). */
  attempt: number;
  /** A retry waits until then. */
  notBefore: number | undefined;
  leaseOwner: string | undefined;
  leaseExpiresAt: number | undefined;
  host: string | undefined;
  pid: number | undefined;
  mlflowRunId: string | undefined;
  exitCode: number | undefined;
  outputs: Record<string, OutputValue> | undefined;
  cacheKey: string | undefined;
  cacheParts: CacheParts | undefined;
  /** For a cache hit: the step run whose result was reused. */
  cachedFrom: string | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  updatedAt: number;
  /** What its attempts used and cost, summed (absent: nothing measured yet; see pipelines/cost). */
  usage?: StepUsage;
}

/** The fields a transition may set besides the state. */
export type StepPatch = Partial<
  Pick<
    StepRun,
    | 'reason'
    | 'failureAttempts'
    | 'preemptionAttempts'
    | 'attempt'
    | 'notBefore'
    | 'host'
    | 'pid'
    | 'mlflowRunId'
    | 'exitCode'
    | 'outputs'
    | 'cacheKey'
    | 'cacheParts'
    | 'cachedFrom'
    | 'startedAt'
    | 'endedAt'
  >
> & {
  clearLease?: boolean;
  /** Adds a finished attempt's usage (and cost) to the step run in the same update. */
  attemptUsage?: AttemptUsagePatch;
};
