export * from './types.js';
export type * from './tracking-service-contract.js';
export { createTrackingService, type TrackingServiceOptions } from './tracking-service.js';
export { limits } from './limits.js';
export { validateKey, validateLength, validateMaxResults, validateRunId } from './validation.js';
export {
  trackingQueries,
  type DatasetSelector,
  type IdSubquery,
  type RunOfDataset,
} from './tracking-queries.js';
export { trackingCommands, MODEL_VERSIONS_TAG, type RegisteredVersionRef } from './tracking-commands.js';
export {
  createTrackingImportService,
  type ImportedLoggedModel,
  type ImportLoggedModelInput,
  type ImportOutcome,
  type ImportRunInput,
  type TrackingImportService,
} from './import/tracking-import-service.js';
