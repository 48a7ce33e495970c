import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { searchRunPage } from '../search/index.js';
import { InvalidParameterError, newRunId, newRunName, NotFoundError } from '../shared/index.js';
import { limits } from './limits.js';
import { loggedModelStore } from './logged-model-store.js';
import { metricStore } from './metric-store.js';
import { runModelInputStore } from './run-model-input-store.js';
import { loadedRunColumns, toLoadedRun } from './run-loader.js';
import { runStore } from './run-store.js';
import { paginate } from '../search/index.js';
import type { TrackingContext } from './tracking-context.js';
import type {
  CreateRunInput,
  EndRunInput,
  LogBatchInput,
  MetricHistoryQuery,
  SearchRunsQuery,
  TrackingService,
  UpdateRunInput,
} from './tracking-service-contract.js';
import type { DatasetInput, Metric, ModelInput, ModelOutput, Page, Run, RunInfo, Tag } from './types.js';
import {
  parseExperimentId,
  validateBatchSizes,
  validateLength,
  validateLoggedModelId,
  validateMaxResults,
  validateMetric,
  validateParam,
  validateTag,
} from './validation.js';

const runNameTag = 'mlflow.runName';
const logModelHistoryTag = 'mlflow.log-model.history';

/** Runs and everything logged to them. */
export class RunService implements Pick<
  TrackingService,
  | 'createRun'
  | 'startRun'
  | 'endRun'
  | 'getRun'
  | 'getRunInfo'
  | 'updateRun'
  | 'deleteRun'
  | 'restoreRun'
  | 'logMetric'
  | 'logParam'
  | 'setTag'
  | 'deleteTag'
  | 'logBatch'
  | 'logInputs'
  | 'logOutputs'
  | 'recordLoggedModel'
  | 'getMetricHistory'
  | 'searchRuns'
> {
  constructor(private readonly ctx: TrackingContext) {}

  async createRun(input: CreateRunInput): Promise<Run> {
    const info = await this.startRun(input);
    return this.getRun(info.runId);
  }

  async startRun(input: CreateRunInput): Promise<RunInfo> {
    const tags = (input.tags ?? []).map((t) => validateTag({ key: t.key, value: String(t.value ?? '') }));
    const tagName = tags.find((t) => t.key === runNameTag)?.value;
    if (input.runName && tagName !== undefined && tagName !== input.runName) {
      throw new InvalidParameterError(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runName = validateLength(
      'run_name',
      input.runName || tagName || newRunName(),
      limits.runNameLength,
    );
    const withName = [...tags.filter((t) => t.key !== runNameTag), { key: runNameTag, value: runName }];
    const runId = newRunId();
    return this.ctx.transaction(async (db) => {
      const experiment = await this.ctx.activeExperimentRow(db, input.experimentId || '0');
      const info: RunInfo = {
        runId,
        experimentId: experiment.experimentId,
        runName,
        userId: input.userId ?? '',
        status: 'RUNNING',
        startTime: input.startTime ?? this.ctx.clock.nowMs(),
        endTime: null,
        lifecycleStage: 'active',
        artifactUri: `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`,
      };
      await runStore.insert(db, info, withName);
      return info;
    });
  }

  async getRun(runId: string): Promise<Run> {
    const info = await this.ctx.run(this.ctx.db, runId);
    const [run] = await runStore.loadMany(this.ctx.db, [info.runId]);
    if (!run) throw new NotFoundError(`Run with id=${runId} not found`);
    return run;
  }

  getRunInfo(runId: string): Promise<RunInfo> {
    return this.ctx.run(this.ctx.db, runId);
  }

  async updateRun(input: UpdateRunInput): Promise<RunInfo> {
    return this.ctx.transaction(async (db) => {
      await this.ctx.activeRun(db, input.runId);
      const name = input.runName
        ? validateLength('run_name', input.runName, limits.runNameLength)
        : undefined;
      await runStore.update(db, input.runId, {
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
        ...(name !== undefined ? { name } : {}),
      });
      if (name !== undefined) await runStore.upsertTags(db, input.runId, [{ key: runNameTag, value: name }]);
      return this.ctx.run(db, input.runId);
    });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      await this.ctx.run(db, runId);
      await runStore.setLifecycle(db, [runId], 'deleted', this.ctx.clock.nowMs());
    });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      await this.ctx.run(db, runId);
      await runStore.setLifecycle(db, [runId], 'active', this.ctx.clock.nowMs());
    });
  }

  logMetric(runId: string, metric: Metric): Promise<void> {
    return this.logBatch(runId, { metrics: [metric] });
  }

  logParam(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { params: [{ key, value }] });
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: [{ key, value }] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      await this.ctx.activeRun(db, runId);
      if (!(await runStore.deleteTag(db, runId, key))) {
        throw new NotFoundError(`No tag with name: ${key} in run with id ${runId}`);
      }
    });
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const checked = checkBatch(runId, batch);
    await this.ctx.transaction(async (db) => {
      await this.ctx.activeRun(db, runId);
      await this.writeBatch(db, runId, checked);
    });
  }

  async endRun(input: EndRunInput): Promise<void> {
    const checked = checkBatch(input.runId, input.batch ?? {});
    await this.ctx.transaction(async (db) => {
      await this.ctx.activeRun(db, input.runId);
      await this.writeBatch(db, input.runId, checked);
      await runStore.update(db, input.runId, { status: input.status, endTime: input.endTime });
    });
  }

  private async writeBatch(db: Kysely<Database>, runId: string, batch: CheckedBatch): Promise<void> {
    const { metrics, params, tags } = batch;
    if (params.length > 0) {
      const existing = await runStore.existingParams(
        db,
        runId,
        params.map((p) => p.key),
      );
      const changed = params.filter((p) => existing.has(p.key) && existing.get(p.key) !== p.value);
      if (changed.length > 0) throw paramChange(runId, changed, existing);
      await runStore.insertParams(db, runId, params);
    }
    await metricStore.insert(db, runId, metrics, this.ctx.handle.bulk);
    await loggedModelStore.insertMetrics(db, runId, metrics);
    if (tags.length > 0) {
      await runStore.upsertTags(db, runId, tags);
      const renamed = tags.filter((t) => t.key === runNameTag).at(-1);
      if (renamed) await runStore.update(db, runId, { name: renamed.value });
    }
  }

  async logInputs(
    runId: string,
    inputs: { datasets?: DatasetInput[]; models?: ModelInput[] },
  ): Promise<void> {
    const datasets = (inputs.datasets ?? []).map(validateDatasetInput);
    const models = (inputs.models ?? []).map((m) => ({ modelId: validateLoggedModelId(m.modelId) }));
    await this.ctx.transaction(async (db) => {
      const run = await this.ctx.activeRun(db, runId);
      for (const input of datasets) {
        await runStore.addDatasetInput(db, runId, parseExperimentId(run.experimentId), input, () =>
          randomUUID().replaceAll('-', ''),
        );
      }
      await runModelInputStore.add(db, runId, models);
    });
  }

  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    await this.ctx.transaction(async (db) => {
      await this.ctx.activeRun(db, runId);
      await runStore.addOutputs(db, runId, models);
    });
  }

  async recordLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    for (const field of ['artifact_path', 'flavors', 'utc_time_created', 'run_id']) {
      if (model[field] === undefined || model[field] === null) {
        throw new InvalidParameterError(`Model json is missing mandatory fields: ['${field}']`);
      }
    }
    await this.ctx.transaction(async (db) => {
      await this.ctx.activeRun(db, runId);
      const [run] = await runStore.loadMany(db, [runId]);
      const previous = run?.data.tags.find((t) => t.key === logModelHistoryTag)?.value;
      let history: unknown[] = [];
      if (previous) {
        try {
          const parsed: unknown = JSON.parse(previous);
          if (Array.isArray(parsed)) history = parsed;
        } catch {
          history = [];
        }
      }
      history.push(model);
      // An internal tag, as in MLflow: it may outgrow the user-facing tag value limit.
      await runStore.upsertTags(db, runId, [{ key: logModelHistoryTag, value: JSON.stringify(history) }]);
    });
  }

  async getMetricHistory(query: MetricHistoryQuery): Promise<Page<Metric>> {
    await this.ctx.run(this.ctx.db, query.runId);
    if (!query.metricKey)
      throw new InvalidParameterError("Missing value for required parameter 'metric_key'.");
    if (query.maxResults === undefined && !query.pageToken) {
      return { items: await metricStore.history(this.ctx.db, query.runId, query.metricKey, 0) };
    }
    const pageSize = validateMaxResults(query.maxResults, limits.historyMaxResults, limits.historyMaxResults);
    return paginate(query.pageToken, pageSize, (offset, limit) =>
      metricStore.history(this.ctx.db, query.runId, query.metricKey, offset, limit),
    );
  }

  async searchRuns(query: SearchRunsQuery): Promise<Page<Run>> {
    const experimentIds = query.experimentIds.map(parseExperimentId);
    const pageSize = validateMaxResults(
      query.maxResults,
      limits.searchMaxResults,
      limits.searchDefaultResults,
    );
    const page = await searchRunPage(this.ctx.db, {
      experimentIds,
      viewType: query.viewType ?? 'ACTIVE_ONLY',
      ...(query.filter !== undefined ? { filter: query.filter } : {}),
      ...(query.orderBy !== undefined ? { orderBy: query.orderBy } : {}),
      ...(query.pageToken !== undefined ? { pageToken: query.pageToken } : {}),
      pageSize,
      runColumns: loadedRunColumns(this.ctx.db),
    });
    // the page's runs come back loaded in the search's own statement
    const items = page.runs?.map(toLoadedRun) ?? (await runStore.loadMany(this.ctx.db, page.runIds));
    return page.nextPageToken !== undefined ? { items, nextPageToken: page.nextPageToken } : { items };
  }
}

/** A batch checked against MLflow's limits, with its params deduplicated: ready to write. */
interface CheckedBatch {
  metrics: Metric[];
  params: Tag[];
  tags: Tag[];
}

function checkBatch(runId: string, batch: LogBatchInput): CheckedBatch {
  const metrics = batch.metrics ?? [];
  const params = (batch.params ?? []).map((p) => ({ key: p.key, value: stringValue(p.value) }));
  const tags = (batch.tags ?? []).map((t) => ({ key: t.key, value: stringValue(t.value) }));
  validateBatchSizes(metrics.length, params.length, tags.length);
  metrics.forEach(validateMetric);
  params.forEach(validateParam);
  tags.forEach(validateTag);
  return { metrics, params: dedupeParams(params, runId), tags };
}

function stringValue(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function dedupeParams(params: Tag[], runId: string): Tag[] {
  const seen = new Map<string, string>();
  for (const p of params) {
    const before = seen.get(p.key);
    if (before !== undefined && before !== p.value) {
      throw new InvalidParameterError(
        `Duplicate parameter keys have been submitted with different values: '${p.key}' for run ID='${runId}'.`,
      );
    }
    seen.set(p.key, p.value);
  }
  return [...seen].map(([key, value]) => ({ key, value }));
}

function paramChange(runId: string, changed: Tag[], existing: Map<string, string>): InvalidParameterError {
  const detail = changed
    .map((p) => `{key: '${p.key}', old_value: '${existing.get(p.key)}', new_value: '${p.value}'}`)
    .join(', ');
  return new InvalidParameterError(
    `Changing param values is not allowed. Params were already logged='[${detail}]' for run ID='${runId}'.`,
  );
}

function validateDatasetInput(input: DatasetInput): DatasetInput {
  const d = input.dataset;
  if (!d || typeof d.name !== 'string' || !d.name || typeof d.digest !== 'string' || !d.digest) {
    throw new InvalidParameterError('Dataset inputs require a dataset with a name and a digest.');
  }
  if (typeof d.sourceType !== 'string' || typeof d.source !== 'string') {
    throw new InvalidParameterError(`Dataset '${d.name}' requires a source_type and a source.`);
  }
  validateLength('dataset name', d.name, limits.datasetNameLength);
  validateLength('dataset digest', d.digest, limits.datasetDigestLength);
  validateLength('dataset source', d.source, limits.datasetSourceLength);
  if (d.schema) validateLength('dataset schema', d.schema, limits.datasetSchemaLength);
  if (d.profile) validateLength('dataset profile', d.profile, limits.datasetProfileLength);
  for (const tag of input.tags ?? []) {
    validateLength('input tag key', tag.key, limits.inputTagKeyLength);
    validateLength('input tag value', tag.value, limits.inputTagValueLength);
  }
  return { dataset: d, tags: input.tags ?? [] };
}

/** Keeps at most `max` distinct steps, spread evenly, always with the first and last; all points of a kept step. */
