import type { DatabaseHandle } from '../db/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { RegistryEventSink } from './events/event-types.js';
import { ModelVersionService } from './model-version-service.js';
import { RegistryContext, type RegistryHooks, type TrackingLookups } from './registry-context.js';
import type { RegistryService } from './registry-service-contract.js';
import { RegisteredModelService } from './registered-model-service.js';

export interface RegistryServiceOptions {
  handle: DatabaseHandle;
  /** Records every registry change inside the change's transaction (the SQL event log in production). */
  events: RegistryEventSink;
  /** Runs and logged models, for `runs:/` and `models:/m-...` sources. */
  tracking: TrackingLookups;
  clock?: Clock;
  /** Governance (promotion policies, scanning); without it the registry behaves as MLflow's. */
  hooks?: RegistryHooks;
}

type Methods<T> = { [K in keyof T]: T[K] };

function methodsOf<T extends object>(service: T): Methods<T> {
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(service))) {
    const member = (service as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof member === 'function') bound[name] = member.bind(service);
  }
  return bound as Methods<T>;
}

/**
 * Builds the registry service over an open, migrated database.
 * Example: `const registry = createRegistryService({ handle, events: new SqlEventSink(), tracking });`
 */
export function createRegistryService(options: RegistryServiceOptions): RegistryService {
  const ctx = new RegistryContext(
    options.handle,
    options.clock ?? systemClock,
    options.events,
    options.tracking,
    options.hooks,
  );
  const models = methodsOf(new RegisteredModelService(ctx));
  const versions = methodsOf(new ModelVersionService(ctx));
  return {
    createRegisteredModel: models.createRegisteredModel,
    getRegisteredModel: models.getRegisteredModel,
    renameRegisteredModel: models.renameRegisteredModel,
    updateRegisteredModel: models.updateRegisteredModel,
    deleteRegisteredModel: models.deleteRegisteredModel,
    searchRegisteredModels: models.searchRegisteredModels,
    setRegisteredModelTag: models.setRegisteredModelTag,
    deleteRegisteredModelTag: models.deleteRegisteredModelTag,
    setRegisteredModelAlias: models.setRegisteredModelAlias,
    deleteRegisteredModelAlias: models.deleteRegisteredModelAlias,
    getModelVersionByAlias: models.getModelVersionByAlias,
    getLatestVersions: models.getLatestVersions,
    createModelVersion: versions.createModelVersion,
    getModelVersion: versions.getModelVersion,
    updateModelVersion: versions.updateModelVersion,
    deleteModelVersion: versions.deleteModelVersion,
    searchModelVersions: versions.searchModelVersions,
    setModelVersionTag: versions.setModelVersionTag,
    deleteModelVersionTag: versions.deleteModelVersionTag,
    transitionModelVersionStage: versions.transitionModelVersionStage,
    getModelVersionDownloadUri: versions.getModelVersionDownloadUri,
    getModelVersionArtifactPath: versions.getModelVersionArtifactPath,
  };
}
