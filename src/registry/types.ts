/** Domain types of the model registry. MLflow's wire format (snake_case) lives in server/mlflow only. */
import type { Tag } from '../tracking/index.js';

export type { Page, Tag } from '../tracking/types.js';

/** MLflow's model-version stages. `None` is the stage of a version nobody has promoted. */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';
export const modelStages: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Bosun registers versions synchronously: a version exists only once it is ready. */
export type ModelVersionStatus = 'READY';

export interface ModelVersion {
  name: string;
  /** Version number, as MLflow puts it on the wire: text of a positive integer. */
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  currentStage: ModelStage;
  description?: string;
  /** The source the client registered (validated), e.g. `models:/m-...` or `mlflow-artifacts:/1/.../model`. */
  source: string;
  /** Where the version's files are (what get-download-uri returns). */
  storageLocation: string;
  runId?: string;
  runLink?: string;
  modelId?: string;
  status: ModelVersionStatus;
  tags: Tag[];
  aliases: string[];
}

export interface ModelAlias {
  alias: string;
  version: string;
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  /** The latest version in each stage that has one. */
  latestVersions: ModelVersion[];
  tags: Tag[];
  aliases: ModelAlias[];
}
