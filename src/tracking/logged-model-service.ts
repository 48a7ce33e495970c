import { InvalidParameterError, newLoggedModelId, newRunName, NotFoundError } from '../shared/index.js';
import { limits } from './limits.js';
import { loggedModelStore } from './logged-model-store.js';
import { paginate } from '../search/index.js';
import type { TrackingContext } from './tracking-context.js';
import type {
  CreateLoggedModelInput,
  GetLoggedModelOptions,
  LoggedModelDatasetFilter,
  SearchLoggedModelsQuery,
  TrackingService,
} from './tracking-service-contract.js';
import {
  loggedModelStatuses,
  type LoggedModel,
  type LoggedModelStatus,
  type Page,
  type Tag,
} from './types.js';
import {
  parseExperimentId,
  validateMaxResults,
  validateParam,
  validateRunId,
  validateTag,
} from './validation.js';

/** MLflow 3 logged models: what `log_model` creates before it uploads the model's files. */
export class LoggedModelService implements Pick<
  TrackingService,
  | 'createLoggedModel'
  | 'getLoggedModel'
  | 'finalizeLoggedModel'
  | 'deleteLoggedModel'
  | 'setLoggedModelTags'
  | 'deleteLoggedModelTag'
  | 'logLoggedModelParams'
  | 'searchLoggedModels'
> {
  constructor(private readonly ctx: TrackingContext) {}

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const params = (input.params ?? []).map((p) =>
      validateParam({ key: p.key, value: String(p.value ?? '') }),
    );
    const tags = (input.tags ?? []).map((t) => validateTag({ key: t.key, value: String(t.value ?? '') }));
    // Like MLflow, the source run is recorded as given: it may live on another server, or not exist yet.
    if (input.sourceRunId) validateRunId(input.sourceRunId);
    const modelId = newLoggedModelId();
    await this.ctx.transaction(async (db) => {
      const experiment = await this.ctx.activeExperiment(db, input.experimentId);
      await loggedModelStore.insert(db, {
        modelId,
        experimentId: parseExperimentId(experiment.experimentId),
        name: input.name || newRunName(),
        artifactLocation: `${experiment.artifactLocation.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
        now: this.ctx.clock.nowMs(),
        ...(input.sourceRunId ? { sourceRunId: input.sourceRunId } : {}),
        ...(input.modelType ? { modelType: input.modelType } : {}),
      });
      await loggedModelStore.upsertKeyValues(db, 'logged_model_params', modelId, params);
      await loggedModelStore.upsertKeyValues(db, 'logged_model_tags', modelId, tags);
    });
    return this.getLoggedModel(modelId);
  }

  async getLoggedModel(modelId: string, options: GetLoggedModelOptions = {}): Promise<LoggedModel> {
    const [model] = await loggedModelStore.loadMany(this.ctx.db, [requireId(modelId)]);
    if (!model || (model.lifecycleStage === 'deleted' && options.allowDeleted !== true)) {
      throw new NotFoundError(`Logged model with ID '${modelId}' not found.`);
    }
    return model;
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (!loggedModelStatuses.includes(status) || status === 'LOGGED_MODEL_STATUS_UNSPECIFIED') {
      throw new InvalidParameterError(`Invalid logged model status '${String(status)}'.`);
    }
    await this.ctx.transaction(async (db) => {
      await this.existing(db, modelId);
      await loggedModelStore.setStatus(db, modelId, status, this.ctx.clock.nowMs());
    });
    return this.getLoggedModel(modelId);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      await this.existing(db, modelId);
      await loggedModelStore.markDeleted(db, modelId, this.ctx.clock.nowMs());
    });
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    const valid = tags.map((t) => validateTag({ key: t.key, value: String(t.value ?? '') }));
    await this.ctx.transaction(async (db) => {
      await this.existing(db, modelId);
      await loggedModelStore.upsertKeyValues(db, 'logged_model_tags', modelId, valid);
    });
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      await this.existing(db, modelId);
      if (!(await loggedModelStore.deleteTag(db, modelId, key))) {
        throw new NotFoundError(`No tag with key '${key}' found for logged model '${modelId}'.`);
      }
    });
  }

  async logLoggedModelParams(modelId: string, params: Tag[]): Promise<void> {
    if (params.length > limits.loggedModelParamsPerCall) {
      throw new InvalidParameterError(
        `A request can contain at most ${limits.loggedModelParamsPerCall} params. Got ${params.length}.`,
      );
    }
    const valid = params.map((p) => validateParam({ key: p.key, value: String(p.value ?? '') }));
    await this.ctx.transaction(async (db) => {
      await this.existing(db, modelId);
      await loggedModelStore.upsertKeyValues(db, 'logged_model_params', modelId, valid);
    });
  }

  async searchLoggedModels(query: SearchLoggedModelsQuery): Promise<Page<LoggedModel>> {
    const experimentIds = query.experimentIds.map(parseExperimentId);
    const datasets = (query.datasets ?? []).map(validateDatasetFilter);
    const pageSize = validateMaxResults(
      query.maxResults,
      limits.searchMaxResults,
      limits.searchDefaultResults,
    );
    return paginate(query.pageToken, pageSize, async (offset, limit) =>
      experimentIds.length === 0
        ? []
        : loggedModelStore.search(this.ctx.db, {
            experimentIds,
            ...(query.filter !== undefined ? { filter: query.filter } : {}),
            ...(datasets.length > 0 ? { datasets } : {}),
            ...(query.orderBy !== undefined ? { orderBy: query.orderBy } : {}),
            offset,
            limit,
          }),
    );
  }

  private async existing(db: TrackingContext['db'], modelId: string): Promise<void> {
    const [model] = await loggedModelStore.loadMany(db, [requireId(modelId)]);
    if (!model) throw new NotFoundError(`Logged model with ID '${modelId}' not found.`);
  }
}

/** A `datasets` entry of a search: MLflow requires the name; the digest narrows it to one version. */
function validateDatasetFilter(filter: LoggedModelDatasetFilter): LoggedModelDatasetFilter {
  if (typeof filter.datasetName !== 'string' || filter.datasetName === '') {
    throw new InvalidParameterError('`dataset_name` in the `datasets` clause must be specified.');
  }
  if (filter.datasetDigest !== undefined && typeof filter.datasetDigest !== 'string') {
    throw new InvalidParameterError('`dataset_digest` in the `datasets` clause must be a string.');
  }
  return filter.datasetDigest !== undefined
    ? { datasetName: filter.datasetName, datasetDigest: filter.datasetDigest }
    : { datasetName: filter.datasetName };
}

function requireId(modelId: string): string {
  if (typeof modelId !== 'string' || !/^[\w-]{1,64}$/.test(modelId)) {
    throw new InvalidParameterError(`Invalid logged model ID: '${String(modelId)}'`);
  }
  return modelId;
}
