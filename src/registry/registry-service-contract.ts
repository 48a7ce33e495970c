import type { Visibility } from '../search/index.js';
import type { ModelStage, ModelVersion, Page, RegisteredModel, Tag } from './types.js';

export interface SearchRegistryQuery {
  /** Only models (and their versions) the caller may read (absent: all). */
  visibility?: Visibility;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

export interface CreateRegisteredModelInput {
  name: string;
  description?: string;
  tags?: Tag[];
}

export interface CreateModelVersionInput {
  name: string;
  /**
   * Validated as security.md §1.A and docs/registry.md say: runs:/, models:/, mlflow-artifacts:/, a remote store
   * URI, or a local path / file:// URI inside the artifact folder of `modelId` (or else `runId`).
   */
  source: string;
  /** The run the files come from; must be the run a `runs:/` source names, and contain a local source. */
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: Tag[];
  /**
   * MLflow 3 logged model (`m-...`) the version comes from: a `models:/m-...` source must name it, a local or
   * `mlflow-artifacts:/` source must lie in its folder.
   */
  modelId?: string;
}

/** Who asks for an alias or stage change (the signed-in user when auth is on); kept on its events. */
export interface PromotionOptions {
  actor?: string;
}

/**
 * The model registry, with no HTTP in sight: the MLflow adapter, the native API, the CLI and tests go through
 * it. Every method validates its input and throws a `BosunError` subclass on bad input or missing resources;
 * the writes of one call, and the registry event recording them, land in one transaction.
 *
 * Example: `await registry.createRegisteredModel({ name: 'churn' });
 *           const v = await registry.createModelVersion({ name: 'churn', source: `runs:/${runId}/model` });
 *           await registry.setRegisteredModelAlias('churn', 'champion', v.version);`
 */
export interface RegistryService {
  createRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel>;
  /** Deletes the model with all its versions, tags and aliases. */
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(query: SearchRegistryQuery): Promise<Page<RegisteredModel>>;
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  /** A missing tag is not an error (as in MLflow). */
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  /** Gated by the model's promotion policy for `alias:<alias>` when governance is on (INVALID_STATE if refused). */
  setRegisteredModelAlias(
    name: string,
    alias: string,
    version: string,
    options?: PromotionOptions,
  ): Promise<void>;
  /** A missing alias is not an error (as in MLflow). */
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  /** `latest` names the highest version, `v<n>` version n. An unknown alias is INVALID_PARAMETER_VALUE (as in MLflow). */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /** The highest version in each of `stages` (all stages when absent or empty), stage order None..Archived. */
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]>;

  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string): Promise<void>;
  searchModelVersions(query: SearchRegistryQuery): Promise<Page<ModelVersion>>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
  /**
   * Stage names are case-insensitive; `archiveExistingVersions` is only allowed for Staging and Production.
   * Gated by the model's promotion policy for `stage:<Stage>` when governance is on (INVALID_STATE if refused).
   */
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
    options?: PromotionOptions,
  ): Promise<ModelVersion>;
  /** Where the version's files are: an `mlflow-artifacts:/...` URI for versions in this server's store. */
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
  /**
   * The artifact-store path of `path` inside a version's files, for serving one file. Refused for versions
   * stored outside this server's artifact store and for unsafe paths.
   */
  getModelVersionArtifactPath(name: string, version: string, path: string): Promise<string>;
}

export type { ModelStage };
