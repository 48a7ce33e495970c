/** Typed TypeScript client for Bosun: tracking and registry (MLflow API), governance and lineage (native API). */
export { BosunClient, type BosunClientOptions, type MetricInput } from './bosun-client.js';
export { BosunClientError, type FetchFn, type HttpOptions } from './http.js';
export { RegistryClient } from './registry-client.js';
export { GovernanceClient, type ActorInput } from './governance-client.js';
export { LineageClient } from './lineage-client.js';
export {
  MonitoringClient,
  type CreateReferenceBody,
  type FeatureValueInput,
  type PredictionRecordWire,
  type ReferenceColumnType,
  type ReferenceSourceWire,
  type ResultsQuery,
} from './monitoring-client.js';
export type {
  CreateModelVersionInput,
  CreateRegisteredModelInput,
  SearchRegistryQuery,
} from './registry-types.js';
export type { ModelAlias, ModelStage, ModelVersion, RegisteredModel } from './registry-types.js';
export type {
  Approval,
  ApprovalStatus,
  BeatCurrent,
  ComparisonOp,
  MetricCondition,
  PolicyInput,
  PromotionCheck,
  PromotionPolicy,
  ScanRecord,
} from './registry-types.js';
export type { ScanFinding, ScanStatus, Severity } from './registry-types.js';
export type {
  DatasetLineage,
  DatasetRef,
  ModelVersionLineage,
  ModelVersionRef,
  RunLineage,
} from './registry-types.js';
export { parseWireDouble, toWireDouble } from './wire.js';
export type {
  CreateRunInput,
  LogBatchInput,
  MetricHistoryQuery,
  SearchExperimentsQuery,
  SearchRunsQuery,
  UpdateRunInput,
} from './tracking-types.js';
