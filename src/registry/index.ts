export * from './types.js';
export type * from './registry-service-contract.js';
export { createRegistryService, type RegistryServiceOptions } from './registry-service.js';
export type {
  PromotionRequest,
  PromotionTarget,
  RegistryHooks,
  TrackingLookups,
} from './registry-context.js';
export {
  parseModelVersionSource,
  remoteLocationInside,
  type ModelVersionSource,
} from './source-validation.js';
export {
  findVersionsUsingArtifactPath,
  findVersionsUsingLocalPath,
  type ArtifactChange,
  type VersionUsingArtifactPath,
} from './artifact-path-versions.js';
export { registryLimits } from './validation.js';
export type {
  Approval,
  ComparisonOp,
  MetricCondition,
  PolicyInput,
  PromotionCheck,
  PromotionPolicy,
  ScanRecord,
} from './governance/types.js';
export { registryQueries } from './registry-queries.js';
