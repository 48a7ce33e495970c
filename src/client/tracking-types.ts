/**
 * The tracking objects as this client hands them out and takes them in: the same shapes as the server's domain
 * types (src/tracking), declared here because the client may only depend on src/shared.
 * client-types.test.ts checks at compile time that both stay the same.
 */
export interface Tag {
  key: string;
  value: string;
}

export type LifecycleStage = 'active' | 'deleted';

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

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

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

/** A page of results and the token for the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export const lifecycleStages: readonly LifecycleStage[] = ['active', 'deleted'];

export const runStatuses: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** Which lifecycle stages a search returns: MLflow's `view_type`. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface CreateRunInput {
  experimentId?: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: Tag[];
}

export interface UpdateRunInput {
  runId: string;
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface LogBatchInput {
  metrics?: Metric[];
  params?: Tag[];
  tags?: Tag[];
}

export interface MetricHistoryQuery {
  runId: string;
  metricKey: string;
  maxResults?: number;
  pageToken?: string;
}

export interface SearchExperimentsQuery {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface SearchRunsQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}
