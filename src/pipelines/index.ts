/**
 * Pipelines (issue 12): the pipeline document and its checks, the DSL, rendering, and the local executor (store,
 * runs as child processes, caching, plans, durability) behind `PipelineService`. Other folders import from here
 * only.
 *
 * @example
 * import { validatePipelineText, formatDiagnostic } from '../pipelines/index.js';
 * const result = validatePipelineText(text);
 * if (!result.ok) result.diagnostics.forEach((d) => console.log(formatDiagnostic(d, 'pipeline.yaml')));
 */
export * from './spec/index.js';
export * from './render/index.js';
export * from './dsl/index.js';
export * from './resources/index.js';
export * from './cost/index.js';
export {
  PipelineService,
  checkRunnable,
  type PipelineServiceOptions,
  type RunDetails,
} from './service/pipeline-service.js';
export type { PlanEntry } from './service/plan.js';
export { stepLogToWire, type StepLog } from './service/step-log.js';
export * from './approvals/index.js';
export {
  STEP_APPROVAL_STATUSES,
  type StepApproval,
  type StepApprovalStatus,
} from './store/approval-store.js';
export {
  definitionToWire,
  pipelineRunToWire,
  planEntryToWire,
  stepRunToWire,
} from './service/pipeline-wire.js';
export { stepBaseEnvironment, type ExecutorEvent, type ExecutorClock } from './executor/executor-deps.js';
export {
  auditedStepSecrets,
  type AppendAudit,
  type SecretReader,
  type StepSecrets,
} from './executor/step-secrets.js';
export {
  localStepBackend,
  type KillWhy,
  type StepAttemptRunner,
  type StepBackend,
} from './executor/step-backend.js';
export type { Attempt, AttemptResult, LaunchDeps } from './executor/step-launcher.js';
export {
  CodeShipping,
  DEFAULT_WORKER_TIMEOUT_MS,
  formatLabels,
  machineLabels,
  parseWorkerLabels,
  PipelineWorker,
  WorkersBackend,
  WorkerStore,
  workerToWire,
  type PipelineWorkerOptions,
  type WorkerInfo,
  type WorkerLabels,
  type WorkersBackendOptions,
  type WorkerWire,
} from './workers/index.js';
export {
  kubernetesBackendFromSettings,
  kubernetesExecutorRole,
  kubernetesStepBackend,
  type KubernetesBackendOptions,
  type KubernetesServerSettings,
} from './kubernetes/index.js';
export { SecretTooShortError, MIN_SECRET_LENGTH } from './executor/secret-masker.js';
export { paramFromText } from './executor/run-values.js';
export type { OutputValue, PipelineDefinition, PipelineRun, StepRun } from './store/pipeline-store-types.js';
export { isTerminal, RUN_STATUSES, STEP_STATES, type RunStatus, type StepState } from './store/step-state.js';
export {
  StepTokenService,
  type IssuedStepToken,
  type StepTokenCheck,
  type StepTokenIssuer,
  type StepTokenRefusal,
  type StepTokenScope,
} from './step-token/index.js';
export {
  CATCH_UP_POLICIES,
  CronTimes,
  fireToWire,
  MAX_BACKFILL_RUNS,
  pipelineStarter,
  scheduleToWire,
  ScheduleService,
  type CatchUpPolicy,
  type PipelineSchedule,
  type ScheduleFire,
  type ScheduleInput,
} from './schedule/index.js';
export {
  ALERT_CHANGES,
  ALERT_CONDITION_NAMES,
  FIRING_STATES,
  firingToWire,
  templateFields,
  TRIGGER_KINDS,
  triggerConsumer,
  triggerConsumerName,
  TriggerService,
  triggerToWire,
  TriggerTokenError,
  type CreatedTrigger,
  type FiringState,
  type PipelineTrigger,
  type TriggerFiring,
  type TriggerKind,
  type TriggerStarter,
  TRIGGER_ARTIFACT_DIR,
  TRIGGER_CONTEXT_ERROR_TAG,
  triggerArtifactDigestTag,
  type RunAttachment,
  type TriggerContext,
  type TriggerContextSource,
  type TriggerEvent,
} from './triggers/index.js';
