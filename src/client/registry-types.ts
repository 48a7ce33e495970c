/**
 * The registry's objects (models, versions, governance, lineage, scan results) as this client hands them out and
 * takes them in: the same shapes as the server's domain types (src/registry), declared here because the client
 * may only depend on src/shared. client-types.test.ts checks at compile time that both stay the same.
 */
import type { Metric, Tag } from './tracking-types.js';

export type { Page, Tag } from './tracking-types.js';

export interface ModelAlias {
  alias: string;
  version: string;
}

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

export interface CreateModelVersionInput {
  name: string;
  /** Validated as security.md §1.A says: runs:/, models:/, mlflow-artifacts:/ or a remote store URI. */
  source: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: Tag[];
  /** MLflow 3 logged model (`m-...`); the version's files are then the logged model's. */
  modelId?: string;
}

export interface CreateRegisteredModelInput {
  name: string;
  description?: string;
  tags?: Tag[];
}

export interface SearchRegistryQuery {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

export type ApprovalStatus = 'requested' | 'approved' | 'rejected';

/** One request to promote a version to a target, decided once by one user. */
export interface Approval {
  id: number;
  modelName: string;
  version: string;
  target: string;
  status: ApprovalStatus;
  requestedBy: string;
  requestedAt: number;
  comment: string;
  decidedBy?: string;
  decidedAt?: number;
  decisionComment?: string;
}

/** The version must do strictly better on `metric` than the version holding the target now. */
export interface BeatCurrent {
  metric: string;
  greaterIsBetter: boolean;
}

export type ComparisonOp = '>=' | '>' | '<=' | '<' | '==' | '!=';

/** `metrics.<metric> <op> <value>` on the version's source run (latest value of the metric). */
export interface MetricCondition {
  metric: string;
  op: ComparisonOp;
  value: number;
}

export interface PolicyInput {
  target: string;
  requireCleanScan?: boolean;
  metricConditions?: MetricCondition[];
  beatCurrent?: BeatCurrent | null;
  requiredApprovals?: number;
  approvers?: string[];
}

/** The answer of a promotion check: allowed, or the unmet conditions, each as one readable sentence. */
export interface PromotionCheck {
  allowed: boolean;
  unmet: string[];
}

/**
 * What a version must meet to receive an alias or a stage. `target` is `alias:<name>` or `stage:<Stage>`.
 * Example: `{ target: 'alias:champion', requireCleanScan: true, metricConditions: [{ metric: 'accuracy',
 *   op: '>=', value: 0.9 }], beatCurrent: null, requiredApprovals: 1, approvers: ['alice'] }`
 */
export interface PromotionPolicy {
  modelName: string;
  target: string;
  requireCleanScan: boolean;
  metricConditions: MetricCondition[];
  beatCurrent: BeatCurrent | null;
  requiredApprovals: number;
  /** Users whose approvals count; empty: anyone (except the requester). */
  approvers: string[];
  createdAt: number;
  updatedAt: number;
}

export type ScanFindingKind =
  /** An import on the dangerous list (makes the verdict unsafe). */
  | 'dangerous-global'
  /** A STACK_GLOBAL whose module or name is not a string the scanner could resolve (unsafe, as picklescan). */
  | 'unresolved-global'
  /** An EXT1/EXT2/EXT4 opcode: an import through copyreg's extension registry, which cannot be resolved (unsafe). */
  | 'extension-global'
  /** BUILD, SETITEM(S), APPEND(S) or ADDITEMS applied to an imported object itself: it changes module state (unsafe). */
  | 'global-mutation'
  /** An import that is not on the allow list of known-safe constructors (makes the verdict suspicious). */
  | 'unknown-global'
  /** REDUCE, NEWOBJ, OBJ or NEWOBJ_EX calling something that is not an import, e.g. a call's result (suspicious). */
  | 'indirect-call'
  /** Python source shipped with the model (`code/`, models-from-code): mlflow imports it on load (suspicious). */
  | 'code-file'
  /** A Keras `Lambda` layer or `__lambda__` function: Python code that runs when the model is loaded (unsafe). */
  | 'keras-lambda'
  /** A file or part the scanner does not inspect (TensorFlow SavedModel graphs); informational. */
  | 'not-scanned'
  /** A file that could not be scanned (parse error, unsupported compression, a limit): the verdict is failed. */
  | 'scan-error';

/**
 * Shapes of the model-file scanner: severities and findings (modelscan's scale), verdicts, and the bounds a scan
 * runs within. See docs/model-scanning.md for the policy these types carry.
 */

/** modelscan's levels: CRITICAL runs code, HIGH reaches files or the network, MEDIUM unknown, LOW informational. */
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

export interface ScanFinding {
  /** The file, with `!member` for each archive level, e.g. `model.pt!archive/data.pkl`. */
  file: string;
  kind: ScanFindingKind;
  module?: string;
  name?: string;
  severity: Severity;
  detail: string;
  /** Byte offset, in the file or archive member, of the first opcode the finding is about (pickles only). */
  offset?: number;
  /** The opcodes that imported and used the global, e.g. `['STACK_GLOBAL', 'REDUCE']` (pickles only). */
  opcodes?: string[];
}

/**
 * One verdict per scan, from worst to best: `unsafe` (a known-dangerous import, code in the file), `failed`
 * (could not be read to the end: treat as unsafe), `suspicious` (imports or calls that are not on the allow
 * list of known-safe constructors: nothing known-bad, but nothing vouches for them either), `clean` (every
 * import is allow-listed; findings, if any, are informational).
 */
export type ScanVerdict =
  | { status: 'clean'; scannedFiles: number; findings: ScanFinding[] /* informational only */ }
  | { status: 'suspicious'; scannedFiles: number; findings: ScanFinding[] }
  | { status: 'unsafe'; scannedFiles: number; findings: ScanFinding[] }
  | { status: 'failed'; scannedFiles: number; findings: ScanFinding[]; error: string };

export type ScanStatus = ScanVerdict['status'];

/** The stored verdict of a version's latest scan. */
export interface ScanRecord {
  status: ScanStatus;
  files: number;
  findings: ScanFinding[];
  error?: string;
  scannedAt: number;
}

/** A model version named by model and version number. */
export interface ModelVersionRef {
  name: string;
  version: string;
}

export interface DatasetLineage {
  runs: { runId: string; experimentId: string }[];
  modelVersions: ModelVersionRef[];
}

export interface DatasetRef {
  name: string;
  /** Absent: every digest of the named dataset. */
  digest?: string;
}

/** A dataset a run used, with the context it was used in (`mlflow.data.context`: train, eval...). */
export interface LineageDataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  context: string | null;
}

/** The code that produced a run, from MLflow's `mlflow.source.*` run tags (absent tags are null). */
export interface CodeVersion {
  gitCommit: string | null;
  gitBranch: string | null;
  repoUrl: string | null;
  sourceName: string | null;
  sourceType: string | null;
}

export interface RunLineage {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: string;
  startTime: number;
  endTime: number | null;
  params: Tag[];
  /** The latest value of each metric. */
  metrics: Metric[];
  code: CodeVersion;
  datasets: LineageDataset[];
}

export interface LoggedModelLineage {
  modelId: string;
  /** The experiment the logged model belongs to (what its readers need permission on). */
  experimentId: string;
  name: string;
  artifactUri: string;
  params: Tag[];
}

/** Everything a model version traces back to. `run` is null for a version with no (or a purged) source run. */
export interface ModelVersionLineage {
  modelVersion: ModelVersionRef & {
    source: string;
    storageLocation: string;
    currentStage: string;
    runId: string | null;
    modelId: string | null;
  };
  run: RunLineage | null;
  loggedModel: LoggedModelLineage | null;
}
