import type {
  CreateModelVersionInput,
  CreateRegisteredModelInput,
  SearchRegistryQuery,
} from './registry-types.js';
import type { ModelVersion, Page, RegisteredModel } from './registry-types.js';
import type { HttpTransport, QueryValue } from './http.js';
import { modelVersionFromWire, registeredModelFromWire } from './registry-wire.js';
import { nextPageTokenFromWire, readArray, readString, tagToWire } from './wire.js';

const mlflowApi = '/api/2.0/mlflow';

function searchQuery(query: SearchRegistryQuery): Record<string, QueryValue> {
  return {
    filter: query.filter,
    max_results: query.maxResults ?? 100,
    order_by: query.orderBy !== undefined && query.orderBy.length > 0 ? query.orderBy : undefined,
    page_token: query.pageToken,
  };
}

function withToken<T>(items: T[], nextPageToken: string | undefined): Page<T> {
  return nextPageToken === undefined ? { items } : { items, nextPageToken };
}

/**
 * The MLflow model-registry calls (registered models, versions, tags, aliases, stages), returning the
 * registry's domain types. Reached as `client.registry`.
 *
 * Example:
 * ```ts
 * await client.registry.createRegisteredModel({ name: 'churn' });
 * const v = await client.registry.createModelVersion({ name: 'churn', source: `runs:/${runId}/model` });
 * await client.registry.setRegisteredModelAlias('churn', 'champion', v.version);
 * ```
 */
export class RegistryClient {
  constructor(private readonly http: HttpTransport) {}

  private get(path: string, query: Record<string, QueryValue>) {
    return this.http.get(`${mlflowApi}${path}`, query);
  }
  private send(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: Record<string, unknown>) {
    return this.http.request(method, `${mlflowApi}${path}`, { body });
  }

  // Registered models

  async createRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel> {
    const body: Record<string, unknown> = { name: input.name };
    if (input.description !== undefined) body.description = input.description;
    if (input.tags !== undefined && input.tags.length > 0) body.tags = input.tags.map(tagToWire);
    const answer = await this.send('POST', '/registered-models/create', body);
    return registeredModelFromWire(answer.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const answer = await this.get('/registered-models/get', { name });
    return registeredModelFromWire(answer.registered_model);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const answer = await this.send('POST', '/registered-models/rename', { name, new_name: newName });
    return registeredModelFromWire(answer.registered_model);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const answer = await this.send('PATCH', '/registered-models/update', { name, description });
    return registeredModelFromWire(answer.registered_model);
  }

  /** Deletes the model with all its versions. */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.send('DELETE', '/registered-models/delete', { name });
  }

  async searchRegisteredModels(query: SearchRegistryQuery = {}): Promise<Page<RegisteredModel>> {
    const answer = await this.get('/registered-models/search', searchQuery(query));
    const items = readArray(answer.registered_models, 'registered_models').map((m, i) =>
      registeredModelFromWire(m, `registered_models[${i}]`),
    );
    return withToken(items, nextPageTokenFromWire(answer));
  }

  /** Every registered model matching the query, following page tokens. */
  async *iterateRegisteredModels(
    query: Omit<SearchRegistryQuery, 'pageToken'> = {},
  ): AsyncGenerator<RegisteredModel> {
    let pageToken: string | undefined;
    do {
      const page = await this.searchRegisteredModels({ ...query, pageToken });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.send('POST', '/registered-models/set-tag', { name, key, value });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.send('DELETE', '/registered-models/delete-tag', { name, key });
  }

  /** Points `alias` at `version` (through the MLflow route, so promotion policies apply). */
  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.send('POST', '/registered-models/alias', { name, alias, version });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.send('DELETE', '/registered-models/alias', { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const answer = await this.get('/registered-models/alias', { name, alias });
    return modelVersionFromWire(answer.model_version);
  }

  /** The highest version in each of `stages` (every stage when absent). */
  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const body: Record<string, unknown> = { name };
    if (stages !== undefined && stages.length > 0) body.stages = stages;
    const answer = await this.send('POST', '/registered-models/get-latest-versions', body);
    return readArray(answer.model_versions, 'model_versions').map((v, i) =>
      modelVersionFromWire(v, `model_versions[${i}]`),
    );
  }

  // Model versions

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    const body: Record<string, unknown> = { name: input.name, source: input.source };
    if (input.runId !== undefined) body.run_id = input.runId;
    if (input.runLink !== undefined) body.run_link = input.runLink;
    if (input.description !== undefined) body.description = input.description;
    if (input.modelId !== undefined) body.model_id = input.modelId;
    if (input.tags !== undefined && input.tags.length > 0) body.tags = input.tags.map(tagToWire);
    const answer = await this.send('POST', '/model-versions/create', body);
    return modelVersionFromWire(answer.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const answer = await this.get('/model-versions/get', { name, version });
    return modelVersionFromWire(answer.model_version);
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const answer = await this.send('PATCH', '/model-versions/update', { name, version, description });
    return modelVersionFromWire(answer.model_version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.send('DELETE', '/model-versions/delete', { name, version });
  }

  async searchModelVersions(query: SearchRegistryQuery = {}): Promise<Page<ModelVersion>> {
    const answer = await this.get('/model-versions/search', searchQuery(query));
    const items = readArray(answer.model_versions, 'model_versions').map((v, i) =>
      modelVersionFromWire(v, `model_versions[${i}]`),
    );
    return withToken(items, nextPageTokenFromWire(answer));
  }

  /** Every model version matching the query, following page tokens. */
  async *iterateModelVersions(
    query: Omit<SearchRegistryQuery, 'pageToken'> = {},
  ): AsyncGenerator<ModelVersion> {
    let pageToken: string | undefined;
    do {
      const page = await this.searchModelVersions({ ...query, pageToken });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.send('POST', '/model-versions/set-tag', { name, version, key, value });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.send('DELETE', '/model-versions/delete-tag', { name, version, key });
  }

  /** Moves a version to None, Staging, Production or Archived (promotion policies apply). */
  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    const answer = await this.send('POST', '/model-versions/transition-stage', {
      name,
      version,
      stage,
      archive_existing_versions: archiveExistingVersions,
    });
    return modelVersionFromWire(answer.model_version);
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const answer = await this.get('/model-versions/get-download-uri', { name, version });
    return readString(answer, 'artifact_uri', 'get-download-uri answer');
  }
}
