import type {
  DatasetInput,
  Experiment,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelInput,
  ModelOutput,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SampledHistory,
  Tag,
} from './types.js';
import type { ViewType, Visibility } from '../search/index.js';

export interface SearchExperimentsQuery {
  /** Only experiments the caller may read (absent: all). */
  visibility?: Visibility;
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

export interface LoggedModelOrderBy {
  fieldName: string;
  ascending?: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

/** A dataset a logged-model search is narrowed to: models with a metric logged on it (and this digest, if given). */
export interface LoggedModelDatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}

export interface SearchLoggedModelsQuery {
  experimentIds: string[];
  filter?: string;
  /**
   * Only models with a metric on one of these datasets; metric filters in `filter` then compare the metric's
   * values on these datasets only (MLflow's `datasets` clause).
   */
  datasets?: LoggedModelDatasetFilter[];
  orderBy?: LoggedModelOrderBy[];
  maxResults?: number;
  pageToken?: string;
}

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

/** A run's end, with what to log to it first (one transaction: the batch and the end land together or not at all). */
export interface EndRunInput {
  runId: string;
  status: RunStatus;
  endTime: number;
  batch?: LogBatchInput;
}

export interface LogBatchInput {
  metrics?: Metric[];
  params?: Tag[];
  tags?: Tag[];
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  sourceRunId?: string;
  modelType?: string;
  params?: Tag[];
  tags?: Tag[];
}

export interface GetLoggedModelOptions {
  /** Return the model even when it was deleted (default false: a deleted model is not found). */
  allowDeleted?: boolean;
}

export interface MetricHistoryQuery {
  runId: string;
  metricKey: string;
  maxResults?: number;
  pageToken?: string;
}

export interface BulkIntervalQuery {
  runIds: string[];
  metricKey: string;
  startStep?: number;
  endStep?: number;
  maxResults?: number;
}

/** The web UI's `metrics/get-history-bulk`: every value of one metric of several runs, at most `maxResults`. */
export interface MetricHistoryBulkQuery {
  runIds: string[];
  metricKey: string;
  maxResults?: number;
}

/** `experiments/search-datasets`: 1 to 20 experiments; only those `visibility` lets the caller read are searched. */
export interface SearchDatasetsQuery {
  experimentIds: string[];
  visibility?: Visibility;
}

/** A dataset used by runs of an experiment, with the context it was used in (`mlflow.data.context`). */
export interface DatasetSummary {
  experimentId: string;
  name: string;
  digest: string;
  context?: string;
}

/** What `adoptDefaultExperimentLocation` found: the Default experiment's location, and why it was kept. */
export interface DefaultExperimentLocation {
  location: string;
  changed: boolean;
  /** Why the location stayed what it was although the default artifact root names another. */
  kept?: string;
}

/**
 * Everything experiment tracking can do, with no HTTP in sight: the MLflow adapter, the native API, the CLI
 * and tests all go through it. Every method validates its input (MLflow's limits and rules) and throws a
 * `BosunError` subclass on bad input or missing resources. Writes of one call are atomic.
 *
 * Example: `const id = await tracking.createExperiment({ name: 'churn' });
 *           const run = await tracking.createRun({ experimentId: id });
 *           await tracking.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 0.3, timestamp: Date.now(), step: 0 }] });`
 */
export interface TrackingService {
  createExperiment(input: { name: string; artifactLocation?: string; tags?: Tag[] }): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment>;
  searchExperiments(query: SearchExperimentsQuery): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;
  /**
   * Called when the server starts: the Default experiment (0), made by the first migration, takes the location
   * `<default artifact root>/0` (as MLflow's server gives it from its flag) while it holds no runs or logged models
   * and that location overlaps no other experiment's; otherwise it keeps its location (`kept` says why).
   */
  adoptDefaultExperimentLocation(): Promise<DefaultExperimentLocation>;
  /** The datasets runs of these experiments used, by experiment, name, digest and context (at most 1000). */
  searchDatasetSummaries(query: SearchDatasetsQuery): Promise<DatasetSummary[]>;

  createRun(input: CreateRunInput): Promise<Run>;
  /** `createRun` answering only the new run's info (no read back of its tags): for callers that need its id. */
  startRun(input: CreateRunInput): Promise<RunInfo>;
  /** Logs a last batch and ends the run (status, end time) in one transaction. */
  endRun(input: EndRunInput): Promise<void>;
  getRun(runId: string): Promise<Run>;
  /** A run's info only (no metrics, params or tags): cheap, for permission checks. */
  getRunInfo(runId: string): Promise<RunInfo>;
  updateRun(input: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  logMetric(runId: string, metric: Metric): Promise<void>;
  logParam(runId: string, key: string, value: string): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  logInputs(runId: string, inputs: { datasets?: DatasetInput[]; models?: ModelInput[] }): Promise<void>;
  logOutputs(runId: string, models: ModelOutput[]): Promise<void>;
  /**
   * Records a model logged to a run the MLflow 2.x way (`runs/log-model`): the MLmodel description, which
   * must carry `artifact_path`, `flavors`, `utc_time_created` and `run_id`, is appended to the run's
   * `mlflow.log-model.history` tag.
   */
  recordLoggedModel(runId: string, model: Record<string, unknown>): Promise<void>;
  getMetricHistory(query: MetricHistoryQuery): Promise<Page<Metric>>;
  /** Up to `maxResults` points per run, sampled evenly over steps, each with `runId` set. */
  getMetricHistoryBulkInterval(query: BulkIntervalQuery): Promise<Metric[]>;
  /**
   * The same points as {@link getMetricHistoryBulkInterval} (same checks and sampling), in columns: one history
   * per distinct run asked for, in the order asked (a run without the metric has empty columns).
   */
  getSampledHistories(query: BulkIntervalQuery): Promise<SampledHistory[]>;
  /** All values of one metric of several runs, by run id then timestamp, step and value; `runId` set on each. */
  getMetricHistoryBulk(query: MetricHistoryBulkQuery): Promise<Metric[]>;
  searchRuns(query: SearchRunsQuery): Promise<Page<Run>>;

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  /** A logged model; a deleted one is a 404 unless `allowDeleted` (MLflow's `allow_deleted=true`). */
  getLoggedModel(modelId: string, options?: GetLoggedModelOptions): Promise<LoggedModel>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  deleteLoggedModel(modelId: string): Promise<void>;
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: Tag[]): Promise<void>;
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<Page<LoggedModel>>;
}
