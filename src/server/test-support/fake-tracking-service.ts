/**
 * An in-memory TrackingService for HTTP-layer tests: enough behaviour to round-trip every wire conversion,
 * none of the SQL store's rules beyond the few the tests rely on (not found, param overwrite, pagination).
 */
import { InvalidParameterError, NotFoundError, AlreadyExistsError } from '../../shared/errors.js';
import type {
  BulkIntervalQuery,
  CreateLoggedModelInput,
  CreateRunInput,
  EndRunInput,
  DatasetSummary,
  DefaultExperimentLocation,
  LogBatchInput,
  MetricHistoryBulkQuery,
  MetricHistoryQuery,
  SearchDatasetsQuery,
  SearchExperimentsQuery,
  SearchLoggedModelsQuery,
  SearchRunsQuery,
  TrackingService,
  UpdateRunInput,
} from '../../tracking/tracking-service-contract.js';
import type {
  DatasetInput,
  Experiment,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  SampledHistory,
  ModelInput,
  ModelOutput,
  Page,
  Run,
  RunInfo,
  Tag,
} from '../../tracking/types.js';

function upsert(tags: Tag[], key: string, value: string): void {
  const existing = tags.find((t) => t.key === key);
  if (existing) existing.value = value;
  else tags.push({ key, value });
}

function page<T>(items: T[], maxResults: number | undefined, pageToken: string | undefined): Page<T> {
  const offset = pageToken ? Number(pageToken) : 0;
  const size = maxResults ?? 1000;
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length
    ? { items: slice, nextPageToken: String(offset + size) }
    : { items: slice };
}

export class FakeTrackingService implements TrackingService {
  readonly experiments = new Map<string, Experiment>();
  readonly runs = new Map<string, Run>();
  readonly history = new Map<string, Metric[]>();
  readonly models = new Map<string, LoggedModel>();
  /** Every call's name and arguments, newest last. */
  readonly calls: { method: string; args: unknown[] }[] = [];
  private nextId = 1;
  private now = 1_700_000_000_000;

  constructor() {
    this.experiments.set('0', {
      experimentId: '0',
      name: 'Default',
      artifactLocation: 'mlflow-artifacts:/0',
      lifecycleStage: 'active',
      creationTime: this.now,
      lastUpdateTime: this.now,
      tags: [],
    });
  }

  /** Arguments of the most recent call of `method` (internal calls included). */
  lastCall(method: keyof TrackingService): unknown[] | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--)
      if (this.calls[i]!.method === method) return this.calls[i]!.args;
    return undefined;
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  private tick(): number {
    return ++this.now;
  }

  async createExperiment(input: { name: string; artifactLocation?: string; tags?: Tag[] }): Promise<string> {
    this.record('createExperiment', input);
    if ([...this.experiments.values()].some((e) => e.name === input.name)) {
      throw new AlreadyExistsError(`Experiment '${input.name}' already exists.`);
    }
    const id = String(this.nextId++);
    const t = this.tick();
    this.experiments.set(id, {
      experimentId: id,
      name: input.name,
      artifactLocation: input.artifactLocation ?? `mlflow-artifacts:/${id}`,
      lifecycleStage: 'active',
      creationTime: t,
      lastUpdateTime: t,
      tags: [...(input.tags ?? [])],
    });
    return id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    this.record('getExperiment', experimentId);
    const e = this.experiments.get(experimentId);
    if (!e) throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
    return e;
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    this.record('getExperimentByName', name);
    const e = [...this.experiments.values()].find((x) => x.name === name);
    if (!e) throw new NotFoundError(`Could not find experiment with name '${name}'`);
    return e;
  }

  async searchExperiments(query: SearchExperimentsQuery): Promise<Page<Experiment>> {
    this.record('searchExperiments', query);
    const view = query.viewType ?? 'ACTIVE_ONLY';
    const items = [...this.experiments.values()].filter(
      (e) => view === 'ALL' || (view === 'ACTIVE_ONLY') === (e.lifecycleStage === 'active'),
    );
    return page(items, query.maxResults, query.pageToken);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    this.record('renameExperiment', experimentId, newName);
    (await this.getExperiment(experimentId)).name = newName;
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    this.record('deleteExperiment', experimentId);
    (await this.getExperiment(experimentId)).lifecycleStage = 'deleted';
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    this.record('restoreExperiment', experimentId);
    (await this.getExperiment(experimentId)).lifecycleStage = 'active';
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    this.record('setExperimentTag', experimentId, key, value);
    upsert((await this.getExperiment(experimentId)).tags, key, value);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    this.record('deleteExperimentTag', experimentId, key);
    const e = await this.getExperiment(experimentId);
    const i = e.tags.findIndex((t) => t.key === key);
    if (i < 0) throw new NotFoundError(`No tag with name: ${key} in experiment ${experimentId}`);
    e.tags.splice(i, 1);
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    this.record('createRun', input);
    const experiment = await this.getExperiment(input.experimentId ?? '0');
    const runId = `${'0'.repeat(31)}${this.nextId++}`.slice(-32);
    const info: RunInfo = {
      runId,
      experimentId: experiment.experimentId,
      runName: input.runName ?? 'fake-run',
      userId: input.userId ?? 'unknown',
      status: 'RUNNING',
      startTime: input.startTime ?? this.tick(),
      endTime: null,
      lifecycleStage: 'active',
      artifactUri: `${experiment.artifactLocation}/${runId}/artifacts`,
    };
    const run: Run = {
      info,
      data: { metrics: [], params: [], tags: [...(input.tags ?? [])] },
      inputs: { datasetInputs: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    };
    this.runs.set(runId, run);
    return run;
  }

  async startRun(input: CreateRunInput): Promise<RunInfo> {
    return (await this.createRun(input)).info;
  }

  async endRun(input: EndRunInput): Promise<void> {
    if (input.batch !== undefined) await this.logBatch(input.runId, input.batch);
    await this.updateRun({ runId: input.runId, status: input.status, endTime: input.endTime });
  }

  async getRunInfo(runId: string): Promise<RunInfo> {
    return (await this.getRun(runId)).info;
  }

  async getRun(runId: string): Promise<Run> {
    this.record('getRun', runId);
    const run = this.runs.get(runId);
    if (!run) throw new NotFoundError(`Run with id=${runId} not found`);
    return run;
  }

  async updateRun(input: UpdateRunInput): Promise<RunInfo> {
    this.record('updateRun', input);
    const run = await this.getRun(input.runId);
    if (input.status) run.info.status = input.status;
    if (input.endTime !== undefined) run.info.endTime = input.endTime;
    if (input.runName) run.info.runName = input.runName;
    return run.info;
  }

  async deleteRun(runId: string): Promise<void> {
    this.record('deleteRun', runId);
    (await this.getRun(runId)).info.lifecycleStage = 'deleted';
  }

  async restoreRun(runId: string): Promise<void> {
    this.record('restoreRun', runId);
    (await this.getRun(runId)).info.lifecycleStage = 'active';
  }

  async logMetric(runId: string, metric: Metric): Promise<void> {
    this.record('logMetric', runId, metric);
    await this.logBatch(runId, { metrics: [metric] });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    this.record('logParam', runId, key, value);
    await this.logBatch(runId, { params: [{ key, value }] });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    this.record('setTag', runId, key, value);
    upsert((await this.getRun(runId)).data.tags, key, value);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    this.record('deleteTag', runId, key);
    const run = await this.getRun(runId);
    const i = run.data.tags.findIndex((t) => t.key === key);
    if (i < 0) throw new NotFoundError(`No tag with name: ${key} in run with id ${runId}`);
    run.data.tags.splice(i, 1);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    this.record('logBatch', runId, batch);
    const run = await this.getRun(runId);
    for (const p of batch.params ?? []) {
      const existing = run.data.params.find((x) => x.key === p.key);
      if (existing && existing.value !== p.value) {
        throw new InvalidParameterError(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged`,
        );
      }
      if (!existing) run.data.params.push({ ...p });
    }
    for (const m of batch.metrics ?? []) {
      const key = `${runId}/${m.key}`;
      const list = this.history.get(key) ?? [];
      list.push({ ...m });
      this.history.set(key, list);
      const latest = run.data.metrics.findIndex((x) => x.key === m.key);
      const { key: k, value, timestamp, step } = m;
      if (latest < 0) run.data.metrics.push({ key: k, value, timestamp, step });
      else if (step >= run.data.metrics[latest]!.step)
        run.data.metrics[latest] = { key: k, value, timestamp, step };
    }
    for (const t of batch.tags ?? []) upsert(run.data.tags, t.key, t.value);
  }

  async logInputs(
    runId: string,
    inputs: { datasets?: DatasetInput[]; models?: ModelInput[] },
  ): Promise<void> {
    this.record('logInputs', runId, inputs);
    const run = await this.getRun(runId);
    run.inputs.datasetInputs.push(...(inputs.datasets ?? []));
    run.inputs.modelInputs.push(...(inputs.models ?? []));
  }

  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    this.record('logOutputs', runId, models);
    (await this.getRun(runId)).outputs.modelOutputs.push(...models);
  }

  async recordLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    this.record('recordLoggedModel', runId, model);
    await this.getRun(runId);
  }

  async getMetricHistory(query: MetricHistoryQuery): Promise<Page<Metric>> {
    this.record('getMetricHistory', query);
    await this.getRun(query.runId);
    return page(
      this.history.get(`${query.runId}/${query.metricKey}`) ?? [],
      query.maxResults,
      query.pageToken,
    );
  }

  async getMetricHistoryBulkInterval(query: BulkIntervalQuery): Promise<Metric[]> {
    this.record('getMetricHistoryBulkInterval', query);
    return query.runIds.flatMap((runId) =>
      (this.history.get(`${runId}/${query.metricKey}`) ?? []).map((m) => ({ ...m, runId })),
    );
  }

  async getSampledHistories(query: BulkIntervalQuery): Promise<SampledHistory[]> {
    this.record('getSampledHistories', query);
    return [...new Set(query.runIds)].map((runId) => {
      const points = this.history.get(`${runId}/${query.metricKey}`) ?? [];
      return {
        runId,
        steps: points.map((m) => m.step),
        values: points.map((m) => m.value),
        timestamps: points.map((m) => m.timestamp),
      };
    });
  }

  async getMetricHistoryBulk(query: MetricHistoryBulkQuery): Promise<Metric[]> {
    this.record('getMetricHistoryBulk', query);
    return [...new Set(query.runIds)]
      .sort()
      .flatMap((runId) =>
        (this.history.get(`${runId}/${query.metricKey}`) ?? []).map((m) => ({ ...m, runId })),
      );
  }

  async adoptDefaultExperimentLocation(): Promise<DefaultExperimentLocation> {
    this.record('adoptDefaultExperimentLocation');
    return { location: this.experiments.get('0')!.artifactLocation, changed: false };
  }

  async searchDatasetSummaries(query: SearchDatasetsQuery): Promise<DatasetSummary[]> {
    this.record('searchDatasetSummaries', query);
    return [];
  }

  async searchRuns(query: SearchRunsQuery): Promise<Page<Run>> {
    this.record('searchRuns', query);
    const items = [...this.runs.values()].filter((r) => query.experimentIds.includes(r.info.experimentId));
    return page(items, query.maxResults, query.pageToken);
  }

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    this.record('createLoggedModel', input);
    const experiment = await this.getExperiment(input.experimentId);
    const modelId = `m-${String(this.nextId++).padStart(32, '0')}`;
    const t = this.tick();
    const model: LoggedModel = {
      modelId,
      experimentId: experiment.experimentId,
      name: input.name ?? 'fake-model',
      artifactUri: `${experiment.artifactLocation}/models/${modelId}/artifacts`,
      creationTime: t,
      lastUpdatedTime: t,
      status: 'LOGGED_MODEL_PENDING',
      lifecycleStage: 'active',
      params: [...(input.params ?? [])],
      tags: [...(input.tags ?? [])],
      metrics: [],
    };
    if (input.sourceRunId !== undefined) model.sourceRunId = input.sourceRunId;
    if (input.modelType !== undefined) model.modelType = input.modelType;
    this.models.set(modelId, model);
    return model;
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    this.record('getLoggedModel', modelId);
    const model = this.models.get(modelId);
    if (!model || model.lifecycleStage === 'deleted')
      throw new NotFoundError(`Logged model ${modelId} not found`);
    return model;
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    this.record('finalizeLoggedModel', modelId, status);
    const model = await this.getLoggedModel(modelId);
    model.status = status;
    return model;
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    this.record('deleteLoggedModel', modelId);
    (await this.getLoggedModel(modelId)).lifecycleStage = 'deleted';
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    this.record('setLoggedModelTags', modelId, tags);
    const model = await this.getLoggedModel(modelId);
    for (const t of tags) upsert(model.tags, t.key, t.value);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    this.record('deleteLoggedModelTag', modelId, key);
    const model = await this.getLoggedModel(modelId);
    const i = model.tags.findIndex((t) => t.key === key);
    if (i < 0) throw new NotFoundError(`No tag with key ${key} on logged model ${modelId}`);
    model.tags.splice(i, 1);
  }

  async logLoggedModelParams(modelId: string, params: Tag[]): Promise<void> {
    this.record('logLoggedModelParams', modelId, params);
    (await this.getLoggedModel(modelId)).params.push(...params);
  }

  async searchLoggedModels(query: SearchLoggedModelsQuery): Promise<Page<LoggedModel>> {
    this.record('searchLoggedModels', query);
    const items = [...this.models.values()].filter(
      (m) => m.lifecycleStage === 'active' && query.experimentIds.includes(m.experimentId),
    );
    return page(items, query.maxResults, query.pageToken);
  }
}
