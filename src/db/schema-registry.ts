/** Model-registry tables (registered models, versions, aliases, tags). Times are epoch milliseconds. */
import type { Generated } from 'kysely';

export interface RegisteredModelsTable {
  /** Surrogate key, so that a rename touches one row. */
  registered_model_id: Generated<number>;
  name: string;
  description: string | null;
  creation_time: number;
  last_updated_time: number;
  /** Highest version number ever allocated (deleted versions included): the next one is this + 1. */
  last_version: number;
}

export interface RegisteredModelTagsTable {
  registered_model_id: number;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  registered_model_id: number;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  /** The `source` as the client sent it (validated). */
  source: string;
  /** Canonical location of the version's files (what get-download-uri returns). */
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  /** MLflow 3 logged model the version was registered from. */
  logged_model_id: string | null;
  current_stage: string;
  status: string;
}

export interface ModelVersionTagsTable {
  registered_model_id: number;
  version: number;
  key: string;
  value: string;
}

export interface RegisteredModelAliasesTable {
  registered_model_id: number;
  alias: string;
  version: number;
}

export interface RegistryTables {
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
}
