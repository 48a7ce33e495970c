/**
 * The tracking calls the pages make: MLflow's documented REST API (`/api/2.0/mlflow/...`), answers parsed by
 * the TypeScript client's own wire readers (src/client/wire.ts) into the server's domain types, so the UI,
 * the client and the server share one definition of an Experiment or a Run.
 */
import type { Experiment, Page, Run } from '../../../src/client/tracking-types';
import { experimentFromWire, nextPageTokenFromWire, readArray, runFromWire } from '../../../src/client/wire';
import { callApi, type WireObject } from './http';

export type { Experiment, Metric, Page, Run, Tag } from '../../../src/client/tracking-types';

const mlflow = '/api/2.0/mlflow';

/** Which lifecycle stages a search returns (MLflow's ViewType). */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

function page<T>(items: T[], answer: WireObject): Page<T> {
  const nextPageToken = nextPageTokenFromWire(answer);
  return nextPageToken === undefined ? { items } : { items, nextPageToken };
}

/** Query of `searchExperiments`; `filter` is MLflow's experiment filter grammar. */
export interface ExperimentQuery {
  filter?: string;
  viewType: ViewType;
  maxResults: number;
  orderBy?: string[];
  pageToken?: string;
}

export async function searchExperiments(
  query: ExperimentQuery,
  signal?: AbortSignal,
): Promise<Page<Experiment>> {
  const body: WireObject = { max_results: query.maxResults, view_type: query.viewType };
  if (query.filter !== undefined && query.filter !== '') body.filter = query.filter;
  if (query.orderBy !== undefined) body.order_by = query.orderBy;
  if (query.pageToken !== undefined) body.page_token = query.pageToken;
  const answer = await callApi('POST', `${mlflow}/experiments/search`, body, signal);
  return page(readArray(answer.experiments ?? [], 'experiments').map(experimentFromWire), answer);
}

export async function getExperiment(experimentId: string, signal?: AbortSignal): Promise<Experiment> {
  const answer = await callApi(
    'GET',
    `${mlflow}/experiments/get?experiment_id=${encodeURIComponent(experimentId)}`,
    undefined,
    signal,
  );
  return experimentFromWire(answer.experiment);
}

/** Creates an experiment; answers its id. */
export async function createExperiment(name: string): Promise<string> {
  const answer = await callApi('POST', `${mlflow}/experiments/create`, { name });
  return String(answer.experiment_id);
}

export async function renameExperiment(experimentId: string, newName: string): Promise<void> {
  await callApi('POST', `${mlflow}/experiments/update`, { experiment_id: experimentId, new_name: newName });
}

export async function deleteExperiment(experimentId: string): Promise<void> {
  await callApi('POST', `${mlflow}/experiments/delete`, { experiment_id: experimentId });
}

export async function restoreExperiment(experimentId: string): Promise<void> {
  await callApi('POST', `${mlflow}/experiments/restore`, { experiment_id: experimentId });
}

/** Query of `searchRuns`: one page (`maxResults` ≤ 1000) of MLflow's runs search. */
export interface RunQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  viewType: ViewType;
  maxResults: number;
  pageToken?: string;
}

export async function searchRuns(query: RunQuery, signal?: AbortSignal): Promise<Page<Run>> {
  const body: WireObject = {
    experiment_ids: query.experimentIds,
    max_results: query.maxResults,
    run_view_type: query.viewType,
  };
  if (query.filter !== undefined && query.filter !== '') body.filter = query.filter;
  if (query.orderBy !== undefined && query.orderBy.length > 0) body.order_by = query.orderBy;
  if (query.pageToken !== undefined) body.page_token = query.pageToken;
  const answer = await callApi('POST', `${mlflow}/runs/search`, body, signal);
  return page(readArray(answer.runs ?? [], 'runs').map(runFromWire), answer);
}

export async function getRun(runId: string, signal?: AbortSignal): Promise<Run> {
  const answer = await callApi(
    'GET',
    `${mlflow}/runs/get?run_id=${encodeURIComponent(runId)}`,
    undefined,
    signal,
  );
  return runFromWire(answer.run);
}

/** Sets one tag of an experiment (MLflow keeps the description in the tag `mlflow.note.content`). */
export async function setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
  await callApi('POST', `${mlflow}/experiments/set-experiment-tag`, {
    experiment_id: experimentId,
    key,
    value,
  });
}

export async function deleteExperimentTag(experimentId: string, key: string): Promise<void> {
  await callApi('POST', `${mlflow}/experiments/delete-experiment-tag`, { experiment_id: experimentId, key });
}

/** The tag MLflow's UI and client keep an experiment's or a run's description in. */
export const descriptionTag = 'mlflow.note.content';
