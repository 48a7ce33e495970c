/**
 * The `workers` executor (issue 12, point 8a): steps queued in PostgreSQL (pg-boss) and run by `bosun worker`
 * processes on other machines. `WorkersBackend` is the server's side (a `StepBackend`), `PipelineWorker` the
 * worker's; `WorkerStore` lists the workers for the API.
 */
export { WorkersBackend, type WorkersBackendOptions } from './workers-backend.js';
export { CodeShipping, DEFAULT_CODE_BUNDLE_MAX_BYTES, type CodeBundleRef } from './code-shipping.js';
export {
  CodeBundleError,
  codeBundlePath,
  codeFiles,
  type CodeFile,
  packCodeFolder,
  unpackCodeBundle,
} from './code-bundle.js';
export { PipelineWorker, type PipelineWorkerOptions } from './pipeline-worker.js';
export {
  DEFAULT_WORKER_TIMEOUT_MS,
  WorkerStore,
  type WorkerInfo,
  type WorkerAttemptRow,
  type WorkerAttemptState,
} from './worker-store.js';
export {
  formatLabels,
  machineLabels,
  memoryBytes,
  parseWorkerLabels,
  queueName,
  satisfies,
  stepRequirement,
  type StepRequirement,
  type WorkerLabels,
} from './worker-labels.js';
export { QUEUE_SCHEMA } from './worker-queue.js';
export { workerToWire, type WorkerWire } from './worker-wire.js';
