import { posix } from 'node:path';
import type { Kysely } from 'kysely';
import { artifactUriToStorePath } from '../artifacts/index.js';
import type { Database } from '../db/index.js';
import { InvalidParameterError } from '../shared/index.js';
import { trackingCommands, validateLength, validateMaxResults, validateRunId } from '../tracking/index.js';
import { modelVersionStore } from './model-version-store.js';
import { paginate } from '../search/index.js';
import type { RegistryContext } from './registry-context.js';
import type {
  CreateModelVersionInput,
  PromotionOptions,
  RegistryService,
  SearchRegistryQuery,
} from './registry-service-contract.js';
import { registeredModelStore } from './registered-model-store.js';
import type { LocalArtifactStoreSettings } from './local-source.js';
import { ModelVersionSourceResolver } from './model-version-source-resolver.js';
import { versionArtifactStorePath } from './source-validation.js';
import type { ModelVersion, Page } from './types.js';
import {
  parseStage,
  registryLimits,
  validateDescription,
  validateModelName,
  validateRegistryTag,
} from './validation.js';

/** Model versions: create (with source validation), read, update, delete, search, tags, stages, files. */
export class ModelVersionService implements Pick<
  RegistryService,
  | 'createModelVersion'
  | 'getModelVersion'
  | 'updateModelVersion'
  | 'deleteModelVersion'
  | 'searchModelVersions'
  | 'setModelVersionTag'
  | 'deleteModelVersionTag'
  | 'transitionModelVersionStage'
  | 'getModelVersionDownloadUri'
  | 'getModelVersionArtifactPath'
> {
  private readonly sources: ModelVersionSourceResolver;

  /**
   * `artifactStore`: the server's artifact store as a local folder, when it has one; versions whose files lie
   * there are recorded as in the store (see model-version-source-resolver.ts).
   */
  constructor(
    private readonly ctx: RegistryContext,
    private readonly artifactStore?: LocalArtifactStoreSettings,
  ) {
    this.sources = new ModelVersionSourceResolver(ctx.tracking, artifactStore);
  }

  private async loadOne(
    db: Kysely<Database>,
    registeredModelId: number,
    version: number,
  ): Promise<ModelVersion> {
    const [found] = await modelVersionStore.loadMany(db, [{ registeredModelId, version }]);
    return found!;
  }

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    const name = validateModelName(input.name);
    // Tags governance writes (the scan verdict) are not taken from clients, e.g. when a version is copied.
    const tags = (input.tags ?? [])
      .map(validateRegistryTag)
      .filter((tag) => !this.ctx.hooks?.isReservedVersionTag(tag.key));
    const description = validateDescription(input.description || undefined);
    if (input.runId) validateRunId(input.runId);
    if (input.runLink) validateLength('run_link', input.runLink, 2048);
    // Resolved before the write transaction: lookups of runs and logged models go through tracking.
    const resolved = await this.sources.resolve(
      {
        source: input.source,
        ...(input.runId ? { runId: input.runId } : {}),
        ...(input.modelId ? { modelId: input.modelId } : {}),
      },
      async (sourceName, sourceVersion) => {
        const { row } = await this.ctx.version(this.ctx.db, sourceName, String(sourceVersion));
        return { storageLocation: row.storage_location, runId: row.run_id, modelId: row.logged_model_id };
      },
    );
    const created = await this.ctx.transaction(async (db) => {
      const model = await this.ctx.model(db, name);
      const now = this.ctx.clock.nowMs();
      const id = model.registered_model_id;
      const version = await registeredModelStore.allocateVersion(db, id, now);
      await modelVersionStore.insert(db, {
        registered_model_id: id,
        version,
        creation_time: now,
        last_updated_time: now,
        description: description ?? null,
        source: input.source,
        storage_location: resolved.storageLocation,
        run_id: resolved.runId ?? null,
        run_link: input.runLink || null,
        logged_model_id: resolved.modelId ?? null,
        current_stage: 'None',
        status: 'READY',
      });
      for (const tag of tags) await modelVersionStore.setTag(db, { registeredModelId: id, version }, tag);
      // As MLflow's server: the logged model lists the versions registered from it (`mlflow.modelVersions`).
      if (resolved.modelId) {
        await trackingCommands.recordModelVersion(db, resolved.modelId, { name: model.name, version });
      }
      await this.ctx.record(db, {
        type: 'model_version.created',
        modelName: model.name,
        version: String(version),
        payload: {
          source: input.source,
          storageLocation: resolved.storageLocation,
          ...(resolved.runId ? { runId: resolved.runId } : {}),
          ...(resolved.modelId ? { modelId: resolved.modelId } : {}),
        },
      });
      return { id, version, name: model.name };
    });
    const { id, version } = created;
    await this.ctx.hooks?.versionCreated({
      registeredModelId: id,
      name: created.name,
      version,
      storageLocation: resolved.storageLocation,
    });
    return this.loadOne(this.ctx.db, id, version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const { row } = await this.ctx.version(this.ctx.db, name, version);
    return this.loadOne(this.ctx.db, row.registered_model_id, row.version);
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const text = validateDescription(description ?? '') ?? '';
    const key = await this.ctx.transaction(async (db) => {
      const { model, row } = await this.ctx.version(db, name, version);
      const key = { registeredModelId: row.registered_model_id, version: row.version };
      await modelVersionStore.setDescription(db, key, text, this.ctx.clock.nowMs());
      await this.ctx.record(db, {
        type: 'model_version.updated',
        modelName: model.name,
        version: String(row.version),
        payload: { description: text },
      });
      return key;
    });
    return this.loadOne(this.ctx.db, key.registeredModelId, key.version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      const { model, row } = await this.ctx.version(db, name, version);
      const key = { registeredModelId: row.registered_model_id, version: row.version };
      await this.ctx.hooks?.versionDeleted(db, key);
      const aliases = await modelVersionStore.delete(db, key);
      await registeredModelStore.touch(db, key.registeredModelId, this.ctx.clock.nowMs());
      for (const alias of aliases) {
        await this.ctx.record(db, {
          type: 'alias.removed',
          modelName: model.name,
          version: String(row.version),
          payload: { alias, reason: 'version deleted' },
        });
      }
      await this.ctx.record(db, {
        type: 'model_version.deleted',
        modelName: model.name,
        version: String(row.version),
        payload: { source: row.source },
      });
    });
  }

  searchModelVersions(query: SearchRegistryQuery): Promise<Page<ModelVersion>> {
    const pageSize = validateMaxResults(
      query.maxResults,
      registryLimits.searchVersionsMax,
      registryLimits.searchVersionsDefault,
    );
    return paginate(query.pageToken, pageSize, (offset, limit) =>
      modelVersionStore.search(this.ctx.db, {
        ...(query.visibility !== undefined ? { visibility: query.visibility } : {}),
        ...(query.filter !== undefined ? { filter: query.filter } : {}),
        ...(query.orderBy !== undefined ? { orderBy: query.orderBy } : {}),
        offset,
        limit,
      }),
    );
  }

  private refuseReserved(key: string): void {
    if (this.ctx.hooks?.isReservedVersionTag(key)) {
      throw new InvalidParameterError(`Tag '${key}' is set by the server and cannot be changed by clients.`);
    }
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const tag = validateRegistryTag({ key, value });
    this.refuseReserved(tag.key);
    await this.ctx.transaction(async (db) => {
      const { model, row } = await this.ctx.version(db, name, version);
      await modelVersionStore.setTag(
        db,
        { registeredModelId: row.registered_model_id, version: row.version },
        tag,
      );
      await this.ctx.record(db, {
        type: 'tag.set',
        modelName: model.name,
        version: String(row.version),
        payload: { target: 'model_version', key: tag.key, value: tag.value },
      });
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    this.refuseReserved(key);
    await this.ctx.transaction(async (db) => {
      const { model, row } = await this.ctx.version(db, name, version);
      const vkey = { registeredModelId: row.registered_model_id, version: row.version };
      if (await modelVersionStore.deleteTag(db, vkey, key)) {
        await this.ctx.record(db, {
          type: 'tag.deleted',
          modelName: model.name,
          version: String(row.version),
          payload: { target: 'model_version', key },
        });
      }
    });
  }

  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
    options: PromotionOptions = {},
  ): Promise<ModelVersion> {
    const target = parseStage(stage);
    if (archiveExistingVersions && target !== 'Staging' && target !== 'Production') {
      throw new InvalidParameterError(
        `Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are Staging, Production.`,
      );
    }
    const key = await this.ctx.promotion(options.actor, async (db) => {
      const { model, row } = await this.ctx.version(db, name, version);
      await this.ctx.hooks?.checkPromotion(db, {
        model,
        version: row,
        target: { kind: 'stage', stage: target },
        ...(options.actor !== undefined ? { actor: options.actor } : {}),
      });
      const key = { registeredModelId: row.registered_model_id, version: row.version };
      const now = this.ctx.clock.nowMs();
      await modelVersionStore.setStage(db, key, target, now);
      const archived = archiveExistingVersions
        ? await modelVersionStore.archiveOthers(db, key, target, now)
        : [];
      await registeredModelStore.touch(db, key.registeredModelId, now);
      await this.ctx.record(db, {
        type: 'model_version.stage_changed',
        modelName: model.name,
        version: String(row.version),
        ...(options.actor !== undefined ? { actor: options.actor } : {}),
        payload: { from: row.current_stage, to: target, archivedVersions: archived.map(String) },
      });
      for (const other of archived) {
        await this.ctx.record(db, {
          type: 'model_version.stage_changed',
          modelName: model.name,
          version: String(other),
          payload: { from: target, to: 'Archived', reason: `version ${row.version} moved to ${target}` },
        });
      }
      return key;
    });
    return this.loadOne(this.ctx.db, key.registeredModelId, key.version);
  }

  /**
   * Where clients download the version's files: its storage location, except that a location in the server's
   * store, when the server does not serve the store (`--no-serve-artifacts`), is given as the store's local folder
   * (clients read it directly; nothing would answer `mlflow-artifacts:`).
   */
  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const { row } = await this.ctx.version(this.ctx.db, name, version);
    const location = row.storage_location;
    if (this.artifactStore && !this.artifactStore.served && /^mlflow-artifacts:/i.test(location)) {
      const path = artifactUriToStorePath(location);
      return posix.join(posix.resolve(this.artifactStore.destination), path);
    }
    return location;
  }

  async getModelVersionArtifactPath(name: string, version: string, path: string): Promise<string> {
    const { row } = await this.ctx.version(this.ctx.db, name, version);
    // The stored location is validated again (versionArtifactStorePath): a row written by anything but this
    // service is not trusted; only locations in the server's store qualify.
    return versionArtifactStorePath(row.storage_location, path);
  }
}
