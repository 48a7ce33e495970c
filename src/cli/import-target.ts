import type { Readable } from 'node:stream';
import { BosunClientError } from '../client/index.js';
import {
  int,
  keyValues,
  obj,
  objects,
  searchModelVersions,
  str,
  type KeyValue,
  type WireClient,
  type WireObject,
} from './import-http.js';
import type { ArtifactFile } from './import-source.js';

/** An experiment already on the target. */
export interface TargetExperiment {
  experimentId: string;
  lifecycleStage: 'active' | 'deleted';
  tags: KeyValue[];
}

/** A run or logged model as the import routes answer: whether it was new, and where its files go. */
export interface ImportedEntity {
  created: boolean;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
}

/** A model version already on the target. */
export interface TargetModelVersion {
  version: number;
  source: string;
  runId?: string;
  description: string;
  stage: string;
  tags: KeyValue[];
}

/** A registered model already on the target. */
export interface TargetRegisteredModel {
  description: string;
  tags: KeyValue[];
  aliases: Map<string, number>;
}

const api = '/api/2.0/mlflow';
const importApi = '/api/bosun/v1/import';
const artifactProxy = '/api/2.0/mlflow-artifacts/artifacts';

/** Undefined when the server answers that the thing does not exist. */
async function unlessMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof BosunClientError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
}

/**
 * The path under the artifact proxy for a root the target gave (`mlflow-artifacts:/3/<run>/artifacts`), or
 * undefined when the target does not serve that root (a server started with `--no-serve-artifacts`).
 */
export function proxyPathOf(artifactUri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.+?)\/*$/.exec(artifactUri);
  return match?.[1];
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Writes into a Bosun server: experiments, tags, params and metrics through the ordinary MLflow API; runs and
 * logged models through Bosun's admin-only import routes (which keep their ids); artifacts through the artifact
 * proxy, streamed; the registry through MLflow's registry API, so versions are created (and scanned) as any
 * other. Every write is one the importer can repeat without changing the result.
 * Example: `const e = await target.experimentByName('churn') ?? await target.createExperiment('churn', [])`.
 */
export class BosunTarget {
  constructor(readonly http: WireClient) {}

  async experimentByName(name: string): Promise<TargetExperiment | undefined> {
    const answer = await unlessMissing(() =>
      this.http.json('GET', `${api}/experiments/get-by-name`, { query: { experiment_name: name } }),
    );
    if (answer === undefined) return undefined;
    const e = obj(answer, 'experiment');
    return {
      experimentId: str(e, 'experiment_id') ?? '',
      lifecycleStage: str(e, 'lifecycle_stage') === 'deleted' ? 'deleted' : 'active',
      tags: keyValues(objects(e, 'tags')),
    };
  }

  async createExperiment(name: string, tags: KeyValue[]): Promise<string> {
    const answer = await this.http.json('POST', `${api}/experiments/create`, {
      body: { name, ...(tags.length > 0 ? { tags } : {}) },
    });
    return str(answer, 'experiment_id') ?? '';
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    await this.http.json('POST', `${api}/experiments/set-experiment-tag`, {
      body: { experiment_id: experimentId, key: tag.key, value: tag.value },
    });
  }

  async setExperimentLifecycle(experimentId: string, stage: 'active' | 'deleted'): Promise<void> {
    const route = stage === 'deleted' ? 'delete' : 'restore';
    await this.http.json('POST', `${api}/experiments/${route}`, { body: { experiment_id: experimentId } });
  }

  async importRun(body: WireObject): Promise<ImportedEntity> {
    const answer = await this.http.json('POST', `${importApi}/runs`, { body });
    const info = obj(answer, 'run_info');
    return {
      created: answer.created === true,
      artifactUri: str(info, 'artifact_uri') ?? '',
      lifecycleStage: str(info, 'lifecycle_stage') === 'deleted' ? 'deleted' : 'active',
    };
  }

  async setRunLifecycle(runId: string, stage: 'active' | 'deleted'): Promise<void> {
    const route = stage === 'deleted' ? 'delete' : 'restore';
    await this.http.json('POST', `${api}/runs/${route}`, { body: { run_id: runId } });
  }

  async logBatch(runId: string, batch: { metrics?: WireObject[]; params?: KeyValue[]; tags?: KeyValue[] }) {
    await this.http.json('POST', `${api}/runs/log-batch`, { body: { run_id: runId, ...batch } });
  }

  /** A run's metric history on the target, every page. */
  async metricHistory(runId: string, key: string): Promise<WireObject[]> {
    const points: WireObject[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.http.json('GET', `${api}/metrics/get-history`, {
        query: { run_id: runId, metric_key: key, max_results: 25000, page_token: pageToken },
      });
      points.push(...objects(page, 'metrics'));
      pageToken = str(page, 'next_page_token') || undefined;
    } while (pageToken !== undefined);
    return points;
  }

  async logInputs(runId: string, datasets: WireObject[], modelIds: string[]): Promise<void> {
    await this.http.json('POST', `${api}/runs/log-inputs`, {
      body: {
        run_id: runId,
        ...(datasets.length > 0 ? { datasets } : {}),
        ...(modelIds.length > 0 ? { models: modelIds.map((model_id) => ({ model_id })) } : {}),
      },
    });
  }

  async logOutputs(runId: string, models: WireObject[]): Promise<void> {
    await this.http.json('POST', `${api}/runs/outputs`, { body: { run_id: runId, models } });
  }

  async importLoggedModel(body: WireObject): Promise<ImportedEntity> {
    const answer = await this.http.json('POST', `${importApi}/logged-models`, { body });
    const model = obj(answer, 'model');
    return {
      created: answer.created === true,
      artifactUri: str(model, 'artifact_uri') ?? '',
      lifecycleStage: str(model, 'lifecycle_stage') === 'deleted' ? 'deleted' : 'active',
    };
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    await this.http.json('PATCH', `${api}/logged-models/${encodeURIComponent(modelId)}/tags`, {
      body: { tags },
    });
  }

  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    await this.http.json('POST', `${api}/logged-models/${encodeURIComponent(modelId)}/params`, {
      body: { model_id: modelId, params },
    });
  }

  /** The files already under an artifact root of the target, by path, with their sizes. */
  async artifactsUnder(proxyRoot: string): Promise<Map<string, number | undefined>> {
    const files = new Map<string, number | undefined>();
    const folders = [''];
    while (folders.length > 0) {
      const folder = folders.shift() ?? '';
      const path = folder === '' ? proxyRoot : `${proxyRoot}/${folder}`;
      const listing = await unlessMissing(() => this.http.json('GET', artifactProxy, { query: { path } }));
      for (const f of listing === undefined ? [] : objects(listing, 'files')) {
        const name = str(f, 'path');
        if (name === undefined || name === '') continue;
        const relative = folder === '' ? name : `${folder}/${name}`;
        if (f.is_dir === true) folders.push(relative);
        else files.set(relative, int(f, 'file_size'));
      }
    }
    return files;
  }

  uploadArtifact(proxyRoot: string, file: ArtifactFile, body: Readable): Promise<void> {
    return this.http.upload(`${artifactProxy}/${encodePath(`${proxyRoot}/${file.path}`)}`, body);
  }

  async registeredModel(name: string): Promise<TargetRegisteredModel | undefined> {
    const answer = await unlessMissing(() =>
      this.http.json('GET', `${api}/registered-models/get`, { query: { name } }),
    );
    if (answer === undefined) return undefined;
    const m = obj(answer, 'registered_model');
    return {
      description: str(m, 'description') ?? '',
      tags: keyValues(objects(m, 'tags')),
      aliases: new Map(objects(m, 'aliases').map((a) => [str(a, 'alias') ?? '', int(a, 'version') ?? 0])),
    };
  }

  async createRegisteredModel(name: string, description: string, tags: KeyValue[]): Promise<void> {
    await this.http.json('POST', `${api}/registered-models/create`, {
      body: { name, ...(description !== '' ? { description } : {}), ...(tags.length > 0 ? { tags } : {}) },
    });
  }

  async updateRegisteredModel(name: string, description: string): Promise<void> {
    await this.http.json('PATCH', `${api}/registered-models/update`, { body: { name, description } });
  }

  async setRegisteredModelTag(name: string, tag: KeyValue): Promise<void> {
    await this.http.json('POST', `${api}/registered-models/set-tag`, { body: { name, ...tag } });
  }

  /** Every version of a registered model on the target, oldest first. */
  versions(name: string): Promise<TargetModelVersion[]> {
    return searchModelVersions(this.http, name);
  }

  async createVersion(input: {
    name: string;
    source: string;
    runId?: string | undefined;
    description: string;
    tags: KeyValue[];
  }): Promise<number> {
    const answer = await this.http.json('POST', `${api}/model-versions/create`, {
      body: {
        name: input.name,
        source: input.source,
        ...(input.runId ? { run_id: input.runId } : {}),
        ...(input.description !== '' ? { description: input.description } : {}),
        ...(input.tags.length > 0 ? { tags: input.tags } : {}),
      },
    });
    return int(obj(answer, 'model_version'), 'version') ?? 0;
  }

  async updateVersion(name: string, version: number, description: string): Promise<void> {
    await this.http.json('PATCH', `${api}/model-versions/update`, {
      body: { name, version: String(version), description },
    });
  }

  async setVersionTag(name: string, version: number, tag: KeyValue): Promise<void> {
    await this.http.json('POST', `${api}/model-versions/set-tag`, {
      body: { name, version: String(version), ...tag },
    });
  }

  async transitionStage(name: string, version: number, stage: string): Promise<void> {
    await this.http.json('POST', `${api}/model-versions/transition-stage`, {
      body: { name, version: String(version), stage, archive_existing_versions: false },
    });
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    await this.http.json('POST', `${api}/registered-models/alias`, {
      body: { name, alias, version: String(version) },
    });
  }
}
