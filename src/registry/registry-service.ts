import type { DatabaseHandle } from '../db/index.js';
import { bindMethods, type Clock, systemClock } from '../shared/index.js';
import type { RegistryEventSink } from './events/event-types.js';
import type { LocalArtifactStoreSettings } from './local-source.js';
import { ModelVersionService } from './model-version-service.js';
import { RegistryContext, type RegistryHooks, type TrackingLookups } from './registry-context.js';
import type { RegistryService } from './registry-service-contract.js';
import { RegisteredModelService } from './registered-model-service.js';

export interface RegistryServiceOptions {
  handle: DatabaseHandle;
  /** Records every registry change inside the change's transaction (the platform outbox in production). */
  events: RegistryEventSink;
  /** Runs and logged models, for `runs:/` and `models:/m-...` sources. */
  tracking: TrackingLookups;
  clock?: Clock;
  /** Governance (promotion policies, scanning); without it the registry behaves as MLflow's. */
  hooks?: RegistryHooks;
  /**
   * The server's artifact store as a local folder (the server passes its settings): versions whose files lie in
   * it are recorded as `mlflow-artifacts:/<path>`, whatever spelling their source used.
   */
  artifactStore?: LocalArtifactStoreSettings;
}

/**
 * Builds the registry service over an open, migrated database.
 * Example: `createRegistryService({ handle, events: new OutboxRegistryEventSink(outbox), tracking })`.
 */
export function createRegistryService(options: RegistryServiceOptions): RegistryService {
  const ctx = new RegistryContext(
    options.handle,
    options.clock ?? systemClock,
    options.events,
    options.tracking,
    options.hooks,
  );
  const models = bindMethods(new RegisteredModelService(ctx));
  const versions = bindMethods(new ModelVersionService(ctx, options.artifactStore));
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
