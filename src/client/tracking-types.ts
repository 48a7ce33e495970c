/**
 * The tracking objects as this client hands them out and takes them in: the server's own domain types,
 * imported as types only (nothing of the server runs in the client), so the two can never drift apart.
 */
import type { LifecycleStage, RunStatus } from '../tracking/index.js';

export type {
  CreateRunInput,
  Dataset,
  DatasetInput,
  Experiment,
  LifecycleStage,
  LogBatchInput,
  Metric,
  MetricHistoryQuery,
  ModelInput,
  ModelOutput,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SearchExperimentsQuery,
  SearchRunsQuery,
  Tag,
  UpdateRunInput,
} from '../tracking/index.js';

/** The values of the unions above, for parsing wire answers (the client holds no server code). */
export const lifecycleStages: readonly LifecycleStage[] = ['active', 'deleted'];
export const runStatuses: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
