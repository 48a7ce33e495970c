/**
 * The registry, governance, scanning and lineage objects as this client hands them out and takes them in: the
 * server's own domain types, imported as types only, so the two can never drift apart.
 */
import type { ModelStage } from '../registry/index.js';

export type { Page, Tag } from './tracking-types.js';
export type {
  CreateModelVersionInput,
  CreateRegisteredModelInput,
  ModelAlias,
  ModelStage,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  SearchRegistryQuery,
} from '../registry/index.js';
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
} from '../registry/governance/index.js';
export type {
  ScanFinding,
  ScanFindingKind,
  ScanStatus,
  ScanVerdict,
  Severity,
} from '../registry/scanning/index.js';
export type {
  CodeVersion,
  DatasetLineage,
  DatasetRef,
  LineageDataset,
  LoggedModelLineage,
  ModelVersionLineage,
  ModelVersionRef,
  RunLineage,
} from '../registry/lineage/index.js';

/** The values of `ModelStage`, for parsing wire answers. */
export const modelStages: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];
