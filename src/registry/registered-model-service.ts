import { isUniqueViolation } from '../db/index.js';
import { AlreadyExistsError, InvalidParameterError } from '../shared/index.js';
import { validateMaxResults } from '../tracking/index.js';
import { modelVersionStore } from './model-version-store.js';
import { paginate } from '../search/index.js';
import type { RegistryContext } from './registry-context.js';
import type {
  CreateRegisteredModelInput,
  PromotionOptions,
  RegistryService,
  SearchRegistryQuery,
} from './registry-service-contract.js';
import { registeredModelStore } from './registered-model-store.js';
import type { ModelStage, ModelVersion, Page, RegisteredModel } from './types.js';
import {
  parseStage,
  parseVersion,
  registryLimits,
  validateAlias,
  validateDescription,
  validateModelName,
  validateRegistryTag,
} from './validation.js';

function duplicate(name: string): AlreadyExistsError {
  return new AlreadyExistsError(`Registered Model (name=${name}) already exists.`);
}

/** Registered models: create, read, rename, update, delete, search, tags, aliases, latest versions. */
export class RegisteredModelService implements Pick<
  RegistryService,
  | 'createRegisteredModel'
  | 'getRegisteredModel'
  | 'renameRegisteredModel'
  | 'updateRegisteredModel'
  | 'deleteRegisteredModel'
  | 'searchRegisteredModels'
  | 'setRegisteredModelTag'
  | 'deleteRegisteredModelTag'
  | 'setRegisteredModelAlias'
  | 'deleteRegisteredModelAlias'
  | 'getModelVersionByAlias'
  | 'getLatestVersions'
> {
  constructor(private readonly ctx: RegistryContext) {}

  async createRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel> {
    const name = validateModelName(input.name);
    const description = validateDescription(input.description || undefined);
    const tags = (input.tags ?? []).map(validateRegistryTag);
    try {
      await this.ctx.transaction(async (db) => {
        if (await registeredModelStore.findByName(db, name)) throw duplicate(name);
        const id = await registeredModelStore.insert(db, {
          name,
          description: description ?? null,
          now: this.ctx.clock.nowMs(),
        });
        for (const tag of tags) await registeredModelStore.setTag(db, id, tag);
        await this.ctx.record(db, {
          type: 'registered_model.created',
          modelName: name,
          payload: { ...(description ? { description } : {}), tags },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(name);
      throw error;
    }
    return this.getRegisteredModel(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const row = await this.ctx.model(this.ctx.db, name);
    const [model] = await registeredModelStore.loadMany(this.ctx.db, [row.registered_model_id]);
    return model!;
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const target = validateModelName(newName, 'new_name');
    try {
      await this.ctx.transaction(async (db) => {
        const model = await this.ctx.model(db, name);
        if (model.name === target) return;
        if (await registeredModelStore.findByName(db, target)) throw duplicate(target);
        await registeredModelStore.rename(db, model.registered_model_id, target, this.ctx.clock.nowMs());
        await this.ctx.record(db, {
          type: 'registered_model.renamed',
          modelName: target,
          payload: { oldName: model.name, newName: target },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(target);
      throw error;
    }
    return this.getRegisteredModel(target);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const text = validateDescription(description ?? '') ?? '';
    await this.ctx.transaction(async (db) => {
      const model = await this.ctx.model(db, name);
      await registeredModelStore.setDescription(db, model.registered_model_id, text, this.ctx.clock.nowMs());
      await this.ctx.record(db, {
        type: 'registered_model.updated',
        modelName: model.name,
        payload: { description: text },
      });
    });
    return this.getRegisteredModel(name);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      const model = await this.ctx.model(db, name);
      const versions = await registeredModelStore.maxExistingVersion(db, model.registered_model_id);
      await this.ctx.hooks?.modelDeleted(db, model.registered_model_id);
      await registeredModelStore.delete(db, model.registered_model_id);
      await this.ctx.record(db, {
        type: 'registered_model.deleted',
        modelName: model.name,
        payload: { lastVersion: versions ?? null },
      });
    });
  }

  searchRegisteredModels(query: SearchRegistryQuery): Promise<Page<RegisteredModel>> {
    const pageSize = validateMaxResults(
      query.maxResults,
      registryLimits.searchModelsMax,
      registryLimits.searchModelsDefault,
    );
    return paginate(query.pageToken, pageSize, (offset, limit) =>
      registeredModelStore.search(this.ctx.db, {
        ...(query.visibility !== undefined ? { visibility: query.visibility } : {}),
        ...(query.filter !== undefined ? { filter: query.filter } : {}),
        ...(query.orderBy !== undefined ? { orderBy: query.orderBy } : {}),
        offset,
        limit,
      }),
    );
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    const tag = validateRegistryTag({ key, value });
    await this.ctx.transaction(async (db) => {
      const model = await this.ctx.model(db, name);
      await registeredModelStore.setTag(db, model.registered_model_id, tag);
      await this.ctx.record(db, {
        type: 'tag.set',
        modelName: model.name,
        payload: { target: 'registered_model', key: tag.key, value: tag.value },
      });
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      const model = await this.ctx.model(db, name);
      if (await registeredModelStore.deleteTag(db, model.registered_model_id, key)) {
        await this.ctx.record(db, {
          type: 'tag.deleted',
          modelName: model.name,
          payload: { target: 'registered_model', key },
        });
      }
    });
  }

  async setRegisteredModelAlias(
    name: string,
    alias: string,
    version: string,
    options: PromotionOptions = {},
  ): Promise<void> {
    const valid = validateAlias(alias);
    await this.ctx.promotion(options.actor, async (db) => {
      const { model, row } = await this.ctx.version(db, name, version);
      await this.ctx.hooks?.checkPromotion(db, {
        model,
        version: row,
        target: { kind: 'alias', alias: valid },
        ...(options.actor !== undefined ? { actor: options.actor } : {}),
      });
      const previous = await registeredModelStore.findAlias(db, model.registered_model_id, valid);
      await registeredModelStore.setAlias(db, model.registered_model_id, valid, row.version);
      await this.ctx.record(db, {
        type: 'alias.set',
        modelName: model.name,
        version: String(row.version),
        ...(options.actor !== undefined ? { actor: options.actor } : {}),
        payload: {
          alias: valid,
          ...(previous !== undefined && previous !== row.version
            ? { previousVersion: String(previous) }
            : {}),
        },
      });
    });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    if (typeof alias !== 'string' || alias === '') {
      throw new InvalidParameterError('Registered model alias name cannot be empty.');
    }
    await this.ctx.transaction(async (db) => {
      const model = await this.ctx.model(db, name);
      const version = await registeredModelStore.findAlias(db, model.registered_model_id, alias);
      if (version === undefined) return;
      await registeredModelStore.deleteAlias(db, model.registered_model_id, alias);
      await this.ctx.record(db, {
        type: 'alias.removed',
        modelName: model.name,
        version: String(version),
        payload: { alias },
      });
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    if (typeof alias !== 'string' || alias === '') {
      throw new InvalidParameterError('Registered model alias name cannot be empty.');
    }
    const db = this.ctx.db;
    const model = await this.ctx.model(db, name);
    const id = model.registered_model_id;
    let version: number | undefined;
    if (alias.toLowerCase() === 'latest') version = await registeredModelStore.maxExistingVersion(db, id);
    else if (/^v\d+$/i.test(alias)) version = parseVersion(alias.slice(1));
    else version = await registeredModelStore.findAlias(db, id, alias);
    if (version === undefined) {
      throw new InvalidParameterError(`Registered model alias ${alias} not found.`);
    }
    const [found] = await modelVersionStore.loadMany(db, [{ registeredModelId: id, version }]);
    if (!found) throw new InvalidParameterError(`Registered model alias ${alias} not found.`);
    return found;
  }

  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const wanted: ModelStage[] | undefined =
      stages && stages.length > 0 ? [...new Set(stages.map(parseStage))] : undefined;
    const model = await this.ctx.model(this.ctx.db, name);
    const keys = await modelVersionStore.latestPerStage(this.ctx.db, [model.registered_model_id], wanted);
    return modelVersionStore.loadMany(this.ctx.db, keys);
  }
}
