/**
 * MLflow 3's logged models: search per experiment, one model, the runs' outputs. Answers are read into the
 * tracking domain's own `LoggedModel` type (no copied interface).
 */
import type { LoggedModel, LoggedModelStatus } from '../../../src/tracking/index';
import type { Page } from '../../../src/client/tracking-types';
import {
  metricFromWire,
  nextPageTokenFromWire,
  readArray,
  readInteger,
  readObject,
  readOptionalString,
  readString,
  tagsFromWire,
} from '../../../src/client/wire';
import { callApi } from './http';

export type { LoggedModel } from '../../../src/tracking/index';

const statuses: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
];

function loggedModelFromWire(value: unknown, where = 'model'): LoggedModel {
  const o = readObject(value, where);
  const info = readObject(o.info, `${where}.info`);
  const data = o.data === undefined ? {} : readObject(o.data, `${where}.data`);
  const w = `${where}.info`;
  const rawStatus = readOptionalString(info, 'status', w) ?? 'LOGGED_MODEL_READY';
  const model: LoggedModel = {
    modelId: readString(info, 'model_id', w),
    experimentId: readString(info, 'experiment_id', w),
    name: readString(info, 'name', w),
    artifactUri: readOptionalString(info, 'artifact_uri', w) ?? '',
    creationTime: readInteger(info, 'creation_timestamp_ms', w, 0),
    lastUpdatedTime: readInteger(info, 'last_updated_timestamp_ms', w, 0),
    status: statuses.find((s) => s === rawStatus) ?? 'LOGGED_MODEL_READY',
    lifecycleStage: 'active',
    params: tagsFromWire(data.params, `${where}.data.params`),
    tags: tagsFromWire(info.tags, `${w}.tags`),
    metrics: readArray(data.metrics ?? [], `${where}.data.metrics`).map((m, i) =>
      metricFromWire(m, `${where}.data.metrics[${i}]`),
    ),
  };
  const sourceRunId = readOptionalString(info, 'source_run_id', w);
  const modelType = readOptionalString(info, 'model_type', w);
  const statusMessage = readOptionalString(info, 'status_message', w);
  if (sourceRunId !== undefined && sourceRunId !== '') model.sourceRunId = sourceRunId;
  if (modelType !== undefined && modelType !== '') model.modelType = modelType;
  if (statusMessage !== undefined && statusMessage !== '') model.statusMessage = statusMessage;
  return model;
}

/** One page of an experiment's logged models, newest first; `filter` is MLflow's logged-model grammar. */
export async function searchLoggedModels(
  experimentIds: string[],
  options: { filter?: string; maxResults?: number; pageToken?: string },
  signal?: AbortSignal,
): Promise<Page<LoggedModel>> {
  const body: Record<string, unknown> = {
    experiment_ids: experimentIds,
    max_results: options.maxResults ?? 100,
    order_by: [{ field_name: 'creation_timestamp', ascending: false }],
  };
  if (options.filter !== undefined && options.filter !== '') body.filter = options.filter;
  if (options.pageToken !== undefined) body.page_token = options.pageToken;
  const answer = await callApi('POST', '/api/2.0/mlflow/logged-models/search', body, signal);
  const items = readArray(answer.models ?? [], 'models').map((m, i) =>
    loggedModelFromWire(m, `models[${i}]`),
  );
  const next = nextPageTokenFromWire(answer);
  return next === undefined ? { items } : { items, nextPageToken: next };
}

export async function getLoggedModel(modelId: string, signal?: AbortSignal): Promise<LoggedModel> {
  const answer = await callApi(
    'GET',
    `/api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`,
    undefined,
    signal,
  );
  return loggedModelFromWire(answer.model);
}
