import type { Readable } from 'node:stream';
import {
  int,
  keyValues,
  obj,
  objects,
  searchModelVersions,
  str,
  type KeyValue,
  type WireClient,
  type WireModelVersion,
  type WireObject,
} from './import-http.js';
import { explain } from './import-errors.js';

export type { KeyValue } from './import-http.js';
export { nameFilter } from './import-http.js';

/** An experiment of the source server. */
export interface SourceExperiment {
  experimentId: string;
  name: string;
  lifecycleStage: 'active' | 'deleted';
  tags: KeyValue[];
}

/** A run of the source server, as `runs/search` answers it (latest metric values only: keys to page through). */
export interface SourceRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: string;
  startTime: number;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  params: KeyValue[];
  tags: KeyValue[];
  metricKeys: string[];
  /** `inputs.dataset_inputs` as sent (passed on unchanged). */
  datasetInputs: WireObject[];
  /** Logged model ids of `inputs.model_inputs`. */
  modelInputs: string[];
  /** `outputs.model_outputs` as sent: `{model_id, step}`. */
  modelOutputs: WireObject[];
}

/** A logged model (MLflow 3) of the source server. */
export interface SourceLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  sourceRunId?: string;
  modelType?: string;
  status: string;
  creationTime: number;
  lastUpdatedTime: number;
  tags: KeyValue[];
  params: KeyValue[];
}

/** A file in an artifact folder: its path relative to the root, and its size when the server tells it. */
export interface ArtifactFile {
  path: string;
  size: number | undefined;
}

/** A registered model version of the source server. */
export type SourceModelVersion = WireModelVersion;

/** A registered model of the source server, with its aliases (`alias → version`). */
export interface SourceRegisteredModel {
  name: string;
  description: string;
  tags: KeyValue[];
  aliases: { alias: string; version: number }[];
}

/**
 * What an import reads: an MLflow server through its REST API (`MlflowSource`, `--from`) or an MLflow database
 * with its artifact root (`MlflowDbSource`, `--from-db`). Both give the same things in the same shapes, so one
 * migrator writes them into Bosun. Collections are async iterators, so nothing is held whole but one page.
 */
export interface ImportSource {
  /** What the import reads from, as the state file and messages name it (no password). */
  readonly location: string;
  /** Fails with a clear message when the source cannot be read at all (before anything is written). */
  check(): Promise<void>;
  /** Every experiment, active and deleted. */
  experiments(): AsyncGenerator<SourceExperiment>;
  /** Every run of an experiment, active and deleted. */
  runs(experimentId: string): AsyncGenerator<SourceRun>;
  /** One metric's whole history, page by page (NaN as "NaN", ±infinity as ±the largest double). */
  metricHistory(runId: string, key: string): AsyncGenerator<WireObject[]>;
  /** Every (non-deleted) logged model of an experiment. */
  loggedModels(experimentId: string): AsyncGenerator<SourceLoggedModel>;
  /** Every file under a run's artifact root. */
  runArtifacts(runId: string): AsyncGenerator<ArtifactFile>;
  /** Every file under a logged model's artifact root. */
  loggedModelArtifacts(modelId: string): AsyncGenerator<ArtifactFile>;
  downloadRunArtifact(runId: string, path: string): Promise<Readable>;
  downloadLoggedModelArtifact(modelId: string, path: string): Promise<Readable>;
  /** Every registered model, with its tags and aliases. */
  registeredModels(): AsyncGenerator<SourceRegisteredModel>;
  /** Every (non-deleted) version of a registered model, oldest first. */
  versions(name: string): Promise<SourceModelVersion[]>;
  /** Releases connections. */
  close(): Promise<void>;
}

const api = '/api/2.0/mlflow';
const ajax = '/ajax-api/2.0/mlflow';

function stage(value: string | undefined): 'active' | 'deleted' {
  return value === 'deleted' ? 'deleted' : 'active';
}

/**
 * Reads an MLflow server through its REST API, read-only: searches (`POST .../search` reads nothing into the
 * server), gets, metric histories page by page, artifact listings and downloads. Every collection is an async
 * iterator that follows `next_page_token`, so nothing is held whole except one page.
 * Example: `for await (const run of source.runs('1')) console.log(run.runId)`.
 */
export class MlflowSource implements ImportSource {
  constructor(readonly http: WireClient) {}

  get location(): string {
    return this.http.baseUrl;
  }

  async check(): Promise<void> {
    try {
      await this.http.json('POST', `${api}/experiments/search`, { body: { max_results: 1 } });
    } catch (error) {
      throw explain(error, `The source ${this.location} does not answer as an MLflow server`);
    }
  }

  async close(): Promise<void> {
    // Nothing held open between requests.
  }

  /** Every experiment, active and deleted. */
  async *experiments(): AsyncGenerator<SourceExperiment> {
    let pageToken: string | undefined;
    do {
      const page = await this.http.json('POST', `${api}/experiments/search`, {
        body: { max_results: 1000, view_type: 'ALL', ...(pageToken ? { page_token: pageToken } : {}) },
      });
      for (const e of objects(page, 'experiments')) {
        yield {
          experimentId: str(e, 'experiment_id') ?? '',
          name: str(e, 'name') ?? '',
          lifecycleStage: stage(str(e, 'lifecycle_stage')),
          tags: keyValues(objects(e, 'tags')),
        };
      }
      pageToken = str(page, 'next_page_token') || undefined;
    } while (pageToken !== undefined);
  }

  /** Every run of an experiment, active and deleted. */
  async *runs(experimentId: string): AsyncGenerator<SourceRun> {
    let pageToken: string | undefined;
    do {
      const page = await this.http.json('POST', `${api}/runs/search`, {
        body: {
          experiment_ids: [experimentId],
          max_results: 1000,
          run_view_type: 'ALL',
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      });
      for (const r of objects(page, 'runs')) yield runOf(r);
      pageToken = str(page, 'next_page_token') || undefined;
    } while (pageToken !== undefined);
  }

  /** One metric's whole history, page by page (points as sent: values may be "NaN" or "Infinity"). */
  async *metricHistory(runId: string, key: string): AsyncGenerator<WireObject[]> {
    let pageToken: string | undefined;
    do {
      const page = await this.http.json('GET', `${api}/metrics/get-history`, {
        query: { run_id: runId, run_uuid: runId, metric_key: key, max_results: 25000, page_token: pageToken },
      });
      yield objects(page, 'metrics');
      pageToken = str(page, 'next_page_token') || undefined;
    } while (pageToken !== undefined);
  }

  /** Every (non-deleted) logged model of an experiment; MLflow's search never returns deleted ones. */
  async *loggedModels(experimentId: string): AsyncGenerator<SourceLoggedModel> {
    let pageToken: string | undefined;
    do {
      const page = await this.http.json('POST', `${api}/logged-models/search`, {
        body: {
          experiment_ids: [experimentId],
          max_results: 100,
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      });
      for (const m of objects(page, 'models')) {
        const info = obj(m, 'info');
        const data = obj(m, 'data');
        const sourceRunId = str(info, 'source_run_id');
        const modelType = str(info, 'model_type');
        yield {
          modelId: str(info, 'model_id') ?? '',
          experimentId: str(info, 'experiment_id') ?? experimentId,
          name: str(info, 'name') ?? '',
          ...(sourceRunId ? { sourceRunId } : {}),
          ...(modelType ? { modelType } : {}),
          status: str(info, 'status') ?? 'LOGGED_MODEL_READY',
          creationTime: int(info, 'creation_timestamp_ms') ?? 0,
          lastUpdatedTime: int(info, 'last_updated_timestamp_ms') ?? int(info, 'creation_timestamp_ms') ?? 0,
          tags: keyValues(objects(info, 'tags')),
          params: keyValues(objects(data, 'params')),
        };
      }
      pageToken = str(page, 'next_page_token') || undefined;
    } while (pageToken !== undefined);
  }

  /** Every file under a run's artifact root, folders walked one listing at a time. */
  runArtifacts(runId: string): AsyncGenerator<ArtifactFile> {
    return walk((path) =>
      this.http.json('GET', `${api}/artifacts/list`, { query: { run_id: runId, run_uuid: runId, path } }),
    );
  }

  /** Every file under a logged model's artifact root. */
  loggedModelArtifacts(modelId: string): AsyncGenerator<ArtifactFile> {
    return walk((path) =>
      this.http.json('GET', `${ajax}/logged-models/${encodeURIComponent(modelId)}/artifacts/directories`, {
        query: path === '' ? {} : { artifact_directory_path: path },
      }),
    );
  }

  downloadRunArtifact(runId: string, path: string): Promise<Readable> {
    return this.http.download('/get-artifact', { run_uuid: runId, path });
  }

  downloadLoggedModelArtifact(modelId: string, path: string): Promise<Readable> {
    return this.http.download(`${ajax}/logged-models/${encodeURIComponent(modelId)}/artifacts/files`, {
      artifact_file_path: path,
    });
  }

  /** Every registered model, with its tags and aliases. */
  async *registeredModels(): AsyncGenerator<SourceRegisteredModel> {
    let pageToken: string | undefined;
    do {
      const page = await this.http.json('GET', `${api}/registered-models/search`, {
        query: { max_results: 1000, page_token: pageToken },
      });
      for (const m of objects(page, 'registered_models')) {
        yield {
          name: str(m, 'name') ?? '',
          description: str(m, 'description') ?? '',
          tags: keyValues(objects(m, 'tags')),
          aliases: objects(m, 'aliases').map((a) => ({
            alias: str(a, 'alias') ?? '',
            version: int(a, 'version') ?? 0,
          })),
        };
      }
      pageToken = str(page, 'next_page_token') || undefined;
    } while (pageToken !== undefined);
  }

  /** Every version of a registered model, oldest first. */
  versions(name: string): Promise<SourceModelVersion[]> {
    return searchModelVersions(this.http, name);
  }
}

function runOf(r: WireObject): SourceRun {
  const info = obj(r, 'info');
  const data = obj(r, 'data');
  const inputs = obj(r, 'inputs');
  const outputs = obj(r, 'outputs');
  const runId = str(info, 'run_id') ?? str(info, 'run_uuid') ?? '';
  const tags = keyValues(objects(data, 'tags'));
  const endTime = int(info, 'end_time');
  return {
    runId,
    experimentId: str(info, 'experiment_id') ?? '',
    runName: str(info, 'run_name') || tags.find((t) => t.key === 'mlflow.runName')?.value || runId,
    userId: str(info, 'user_id') ?? '',
    status: str(info, 'status') ?? 'FINISHED',
    startTime: int(info, 'start_time') ?? 0,
    endTime: endTime ?? null,
    lifecycleStage: stage(str(info, 'lifecycle_stage')),
    params: keyValues(objects(data, 'params')),
    tags,
    metricKeys: [...new Set(objects(data, 'metrics').map((m) => str(m, 'key') ?? ''))].filter(
      (k) => k !== '',
    ),
    datasetInputs: objects(inputs, 'dataset_inputs'),
    modelInputs: objects(inputs, 'model_inputs')
      .map((m) => str(m, 'model_id') ?? '')
      .filter((id) => id !== ''),
    modelOutputs: objects(outputs, 'model_outputs'),
  };
}

/** Walks an artifact tree one listing at a time (`list(path)` answers `{files: [{path, is_dir, file_size}]}`). */
async function* walk(list: (path: string) => Promise<WireObject>): AsyncGenerator<ArtifactFile> {
  const folders = [''];
  const seen = new Set<string>();
  while (folders.length > 0) {
    const folder = folders.shift() ?? '';
    if (seen.has(folder)) continue;
    seen.add(folder);
    const listing = await list(folder);
    for (const f of objects(listing, 'files')) {
      const path = str(f, 'path');
      if (path === undefined || path === '') continue;
      if (f.is_dir === true) folders.push(path);
      else yield { path, size: int(f, 'file_size') };
    }
  }
}
