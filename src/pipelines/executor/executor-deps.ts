import type { TrackingService } from '../../tracking/index.js';
import type { PipelineStore } from '../store/pipeline-store.js';
import type { ArtifactIo } from './artifact-io.js';
import type { PipFreezeCache } from './reproducibility.js';
import type { StepVenvs } from './step-venv.js';
import type { StepTokenIssuer } from '../step-token/index.js';
import type { PipelineApprovalStore } from '../store/approval-store.js';
import type { ModelApprovals } from '../approvals/model-approvals.js';
import type { StepBackend } from './step-backend.js';
import type { ResourceClasses } from '../resources/index.js';
import type { CostStore } from '../cost/cost-store.js';
import type { StepSecrets } from './step-secrets.js';

/**
 * Time as the executor sees it: `now` for leases, retry times and durations; `sleep` for waiting until a retry is
 * due. Tests pass one that advances a virtual clock instead of sleeping, so backoff is checked exactly and fast.
 */
export interface ExecutorClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemExecutorClock: ExecutorClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Something worth telling whoever started a run (the CLI prints these). */
export type ExecutorEvent =
  | {
      kind: 'step';
      runId: string;
      step: string;
      itemIndex: number;
      state: string;
      reason?: string;
      attempt?: number;
      /** For `retrying`: the backoff before the next attempt. */
      retryInMs?: number;
    }
  | { kind: 'run'; runId: string; status: string; error?: string };

/** Everything the executor uses, built once per process (see `createPipelineService`). */
export interface ExecutorDeps {
  store: PipelineStore;
  tracking: TrackingService;
  artifacts: ArtifactIo;
  /** The URL step processes log to (the server's own); undefined until the server listens. */
  trackingUri(): string | undefined;
  /** Who holds leases: unique per process. */
  owner: string;
  host: string;
  /** Where step work folders go (inputs, outputs, live logs). */
  workRoot: string;
  /** The interpreter of script and function steps. */
  python: string;
  /** The environment every step starts from (no server secrets: see `stepBaseEnvironment`). */
  baseEnv: Record<string, string>;
  /** The secret store as steps see it; undefined when the server has no secret store (steps with secrets fail). */
  secrets?: StepSecrets;
  /** Gives each step process a scoped, short-lived MLFLOW_TRACKING_TOKEN; undefined when auth is off. */
  stepTokens?: StepTokenIssuer;
  clock: ExecutorClock;
  /** Where approval steps wait (a row per request: the wait survives a restart). */
  approvals: PipelineApprovalStore;
  /**
   * The registry's approvals and metrics, for approval steps that name a model; undefined: such a step fails
   * saying the executor has no registry.
   */
  modelApprovals?: ModelApprovals;
  /** In [0, 1): backoff jitter. */
  random(): number;
  leaseMs: number;
  heartbeatMs: number;
  /** Step processes running at once in this process, over all runs. */
  maxParallel: number;
  pipFreeze: PipFreezeCache;
  /** Builds and reuses the virtual environments of steps that declare requirements. */
  venvs: StepVenvs;
  onEvent(event: ExecutorEvent): void;
  /** Where step attempts run; undefined: child processes of this process (`localStepBackend`). */
  backend?: StepBackend;
  /** The server's resource classes: each attempt's price (see pipelines/cost). */
  resourceClasses?: ResourceClasses;
  /** Where each attempt's usage and cost, and each cache hit's saving, are added to its step run. */
  costs?: CostStore;
  /** false: no CPU time or peak memory is read for steps (see LaunchDeps.measureUsage). */
  measureUsage?: boolean;
}

const passedThrough =
  /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|TZ|TMPDIR|TERM|LC_[A-Z_]+|PYTHONPATH|VIRTUAL_ENV|CONDA_PREFIX|SSL_CERT_FILE|REQUESTS_CA_BUNDLE)$/;

/**
 * The environment a step starts from: the locale, PATH, HOME and Python settings of the server's, and nothing
 * else: no `BOSUN_*` settings, master key, database or cloud credentials reach a step unless it declares them.
 */
export function stepBaseEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && passedThrough.test(key)) out[key] = value;
  return out;
}
