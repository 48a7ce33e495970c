import type {
  CreateRunInput,
  LogBatchInput,
  MetricHistoryQuery,
  SearchExperimentsQuery,
  SearchRunsQuery,
  UpdateRunInput,
} from './tracking-types.js';
import type { Experiment, Metric, Page, Run, RunInfo, Tag } from './tracking-types.js';
import { GovernanceClient } from './governance-client.js';
import { HttpTransport, type HttpOptions } from './http.js';
import { LineageClient } from './lineage-client.js';
import { MonitoringClient } from './monitoring-client.js';
import { RegistryClient } from './registry-client.js';
import {
  experimentFromWire,
  metricFromWire,
  metricToWire,
  nextPageTokenFromWire,
  readArray,
  readObject,
  readString,
  runFromWire,
  runInfoFromWire,
  tagToWire,
} from './wire.js';

export type BosunClientOptions = HttpOptions;

/** A metric to log; `timestamp` defaults to now and `step` to 0. */
export type MetricInput = Omit<Metric, 'timestamp' | 'step' | 'runId'> & {
  timestamp?: number;
  step?: number;
};

const mlflowApi = '/api/2.0/mlflow';

/**
 * Typed client for Bosun's MLflow-compatible tracking API. Speaks MLflow's wire format and returns Bosun's
 * domain types (camelCase, NaN as a number). Every failure is a `BosunClientError`.
 *
 * Example:
 * ```ts
 * const client = new BosunClient({ baseUrl: 'http://127.0.0.1:5000' });
 * const experimentId = await client.createExperiment({ name: 'churn' });
 * const run = await client.createRun({ experimentId, runName: 'baseline' });
 * await client.logMetric(run.info.runId, { key: 'acc', value: 0.93 });
 * for await (const r of client.iterateRuns({ experimentIds: [experimentId], filter: 'metrics.acc > 0.9' })) { ... }
 * const v = await client.registry.createModelVersion({ name: 'churn', source: `runs:/${run.info.runId}/model` });
 * await client.governance.promote('churn', v.version, 'alias:champion');
 * ```
 */
export class BosunClient {
  private readonly http: HttpTransport;
  /** The MLflow model registry: registered models, versions, tags, aliases, stages. */
  readonly registry: RegistryClient;
  /** Promotion policies, model-file scans, approvals and promotion (Bosun's native API). */
  readonly governance: GovernanceClient;
  /** Where versions came from, and what came from runs and datasets (Bosun's native API). */
  readonly lineage: LineageClient;
  /** Reference datasets, prediction logging, monitors, results and alerts (Bosun's native API). */
  readonly monitoring: MonitoringClient;

  constructor(options: BosunClientOptions) {
    this.http = new HttpTransport(options);
    this.registry = new RegistryClient(this.http);
    this.governance = new GovernanceClient(this.http);
    this.lineage = new LineageClient(this.http);
    this.monitoring = new MonitoringClient(this.http);
  }

  private get(path: string, query?: Parameters<HttpTransport['get']>[1]): Promise<Record<string, unknown>> {
    return this.http.get(`${mlflowApi}${path}`, query);
  }

  private post(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.http.post(`${mlflowApi}${path}`, body);
  }

  // Experiments

  /** Creates an experiment and returns its id. */
  async createExperiment(input: { name: string; artifactLocation?: string; tags?: Tag[] }): Promise<string> {
    const body: Record<string, unknown> = { name: input.name };
    if (input.artifactLocation !== undefined) body.artifact_location = input.artifactLocation;
    if (input.tags !== undefined && input.tags.length > 0) body.tags = input.tags.map(tagToWire);
    const answer = await this.post('/experiments/create', body);
    return readString(answer, 'experiment_id', 'create experiment answer');
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const answer = await this.get('/experiments/get', { experiment_id: experimentId });
    return experimentFromWire(answer.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const answer = await this.get('/experiments/get-by-name', { experiment_name: name });
    return experimentFromWire(answer.experiment);
  }

  async searchExperiments(query: SearchExperimentsQuery = {}): Promise<Page<Experiment>> {
    const body: Record<string, unknown> = { max_results: query.maxResults ?? 1000 };
    if (query.filter !== undefined) body.filter = query.filter;
    if (query.orderBy !== undefined && query.orderBy.length > 0) body.order_by = query.orderBy;
    if (query.pageToken !== undefined) body.page_token = query.pageToken;
    if (query.viewType !== undefined) body.view_type = query.viewType;
    const answer = await this.post('/experiments/search', body);
    const items = readArray(answer.experiments, 'experiments').map(experimentFromWire);
    return withToken(items, nextPageTokenFromWire(answer));
  }

  /** Soft-deletes an experiment (and its runs). */
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.post('/experiments/delete', { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.post('/experiments/restore', { experiment_id: experimentId });
  }

  /** Every experiment matching the query, following `next_page_token` until the last page. */
  async *iterateExperiments(
    query: Omit<SearchExperimentsQuery, 'pageToken'> = {},
  ): AsyncGenerator<Experiment> {
    let pageToken: string | undefined;
    do {
      const page = await this.searchExperiments({ ...query, pageToken });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }

  // Runs

  async createRun(input: CreateRunInput = {}): Promise<Run> {
    const body: Record<string, unknown> = {
      experiment_id: input.experimentId ?? '0',
      start_time: input.startTime ?? Date.now(),
    };
    if (input.userId !== undefined) body.user_id = input.userId;
    if (input.runName !== undefined) body.run_name = input.runName;
    if (input.tags !== undefined && input.tags.length > 0) body.tags = input.tags.map(tagToWire);
    const answer = await this.post('/runs/create', body);
    return runFromWire(answer.run);
  }

  async getRun(runId: string): Promise<Run> {
    const answer = await this.get('/runs/get', { run_id: runId });
    return runFromWire(answer.run);
  }

  /** Changes only the fields given; returns the updated run info. */
  async updateRun(input: UpdateRunInput): Promise<RunInfo> {
    const body: Record<string, unknown> = { run_id: input.runId, run_uuid: input.runId };
    if (input.status !== undefined) body.status = input.status;
    if (input.endTime !== undefined) body.end_time = input.endTime;
    if (input.runName !== undefined) body.run_name = input.runName;
    const answer = await this.post('/runs/update', body);
    return runInfoFromWire(answer.run_info);
  }

  /** Soft-deletes a run. */
  async deleteRun(runId: string): Promise<void> {
    await this.post('/runs/delete', { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.post('/runs/restore', { run_id: runId });
  }

  async logMetric(runId: string, metric: MetricInput): Promise<void> {
    const wire = metricToWire({
      ...metric,
      timestamp: metric.timestamp ?? Date.now(),
      step: metric.step ?? 0,
    });
    await this.post('/runs/log-metric', { run_id: runId, run_uuid: runId, ...wire });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.post('/runs/log-parameter', { run_id: runId, run_uuid: runId, key, value });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.post('/runs/set-tag', { run_id: runId, run_uuid: runId, key, value });
  }

  /** One request; the server enforces MLflow's limits (≤1000 metrics, ≤100 params, ≤100 tags). */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const body: Record<string, unknown> = { run_id: runId };
    if (batch.metrics !== undefined && batch.metrics.length > 0)
      body.metrics = batch.metrics.map(metricToWire);
    if (batch.params !== undefined && batch.params.length > 0) body.params = batch.params.map(tagToWire);
    if (batch.tags !== undefined && batch.tags.length > 0) body.tags = batch.tags.map(tagToWire);
    await this.post('/runs/log-batch', body);
  }

  /** One page of a metric's history, ordered by (timestamp, step, value). */
  async getMetricHistory(query: MetricHistoryQuery): Promise<Page<Metric>> {
    const answer = await this.get('/metrics/get-history', {
      run_id: query.runId,
      run_uuid: query.runId,
      metric_key: query.metricKey,
      max_results: query.maxResults,
      page_token: query.pageToken,
    });
    const items = readArray(answer.metrics, 'metrics').map((m, i) => metricFromWire(m, `metrics[${i}]`));
    return withToken(items, nextPageTokenFromWire(answer));
  }

  async searchRuns(query: SearchRunsQuery): Promise<Page<Run>> {
    const body: Record<string, unknown> = {
      experiment_ids: query.experimentIds,
      max_results: query.maxResults ?? 1000,
    };
    if (query.filter !== undefined) body.filter = query.filter;
    if (query.orderBy !== undefined && query.orderBy.length > 0) body.order_by = query.orderBy;
    if (query.pageToken !== undefined) body.page_token = query.pageToken;
    if (query.viewType !== undefined) body.run_view_type = query.viewType;
    const answer = await this.post('/runs/search', body);
    const items = readArray(answer.runs, 'runs').map((r) => runFromWire(readObject(r, 'run')));
    return withToken(items, nextPageTokenFromWire(answer));
  }

  /** Every run matching the query, following `next_page_token` until the last page. */
  async *iterateRuns(query: Omit<SearchRunsQuery, 'pageToken'>): AsyncGenerator<Run> {
    let pageToken: string | undefined;
    do {
      const page = await this.searchRuns({ ...query, pageToken });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }
}

function withToken<T>(items: T[], nextPageToken: string | undefined): Page<T> {
  return nextPageToken === undefined ? { items } : { items, nextPageToken };
}
