/** Domain types of experiment tracking. Wire formats (MLflow's snake_case) live in server/mlflow only. */

export type LifecycleStage = 'active' | 'deleted';
export const lifecycleStages: readonly LifecycleStage[] = ['active', 'deleted'];

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const runStatuses: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

/** One metric point. `value` may be NaN or ±Infinity. */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
  /** Filled on histories that span runs (bulk-interval history). */
  runId?: string;
}

/**
 * One run's sampled history of one metric in columns (the chart route's compact form): the i-th point is
 * `steps[i]`, `values[i]`, `timestamps[i]`, in the order `get-history-bulk-interval` gives them (step, timestamp,
 * value). Example: `{ runId: 'a1…', steps: [0, 5], values: [1, NaN], timestamps: [10, 20] }`.
 */
export interface SampledHistory {
  runId: string;
  steps: number[];
  values: number[];
  timestamps: number[];
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  artifactUri: string;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  dataset: Dataset;
  tags: Tag[];
}

export interface ModelInput {
  modelId: string;
}

export interface ModelOutput {
  modelId: string;
  step: number;
}

export interface Run {
  info: RunInfo;
  data: { metrics: Metric[]; params: Tag[]; tags: Tag[] };
  inputs: { datasetInputs: DatasetInput[]; modelInputs: ModelInput[] };
  outputs: { modelOutputs: ModelOutput[] };
}

export type LoggedModelStatus =
  | 'LOGGED_MODEL_STATUS_UNSPECIFIED'
  | 'LOGGED_MODEL_PENDING'
  | 'LOGGED_MODEL_READY'
  | 'LOGGED_MODEL_UPLOAD_FAILED';
export const loggedModelStatuses: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
];

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  creationTime: number;
  lastUpdatedTime: number;
  sourceRunId?: string;
  status: LoggedModelStatus;
  statusMessage?: string;
  modelType?: string;
  lifecycleStage: LifecycleStage;
  params: Tag[];
  tags: Tag[];
  metrics: Metric[];
}

/** A page of results and the token for the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
