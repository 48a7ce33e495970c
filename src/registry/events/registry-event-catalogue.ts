import type { SubjectKinds } from '../../events/index.js';
import type { BeatCurrent, MetricCondition } from '../governance/types.js';
import type { ScanFindingKind, ScanStatus, Severity } from '../scanning/index.js';

/** Every registry event is about one registered model (by name); `subjectVersion` names the version. */
type About<Payload> = { subject: 'registered_model'; payload: Payload };

type TagTarget = 'registered_model' | 'model_version';
type Description = { description: string };
type ApprovalDecision = { approvalId: number; target: string; comment?: string };

/**
 * The registry's event catalogue: each event type with its payload, as the registry writes it. Payloads use
 * camelCase keys and appear as recorded in the event log API and in webhook bodies (docs/webhooks.md).
 */
export type RegistryEvents = {
  'registered_model.created': About<{ description?: string; tags: { key: string; value: string }[] }>;
  'registered_model.updated': About<Description>;
  /** Recorded under the new name. */
  'registered_model.renamed': About<{ oldName: string; newName: string }>;
  'registered_model.deleted': About<{ lastVersion: number | null }>;
  'model_version.created': About<{
    source: string;
    storageLocation: string;
    runId?: string;
    modelId?: string;
  }>;
  'model_version.updated': About<Description>;
  'model_version.deleted': About<{ source: string }>;
  'model_version.scanned': About<{
    status: ScanStatus;
    files: number;
    findings: number;
    /** The first 20 findings that make the verdict unsafe. */
    blocking: { file: string; kind: ScanFindingKind; module?: string; name?: string; severity: Severity }[];
    error?: string;
  }>;
  /** `archivedVersions`: versions moved to Archived by this change; `reason`: on those versions' own events. */
  'model_version.stage_changed': About<{
    from: string;
    to: string;
    archivedVersions?: string[];
    reason?: string;
  }>;
  'alias.set': About<{ alias: string; previousVersion?: string }>;
  'alias.removed': About<{ alias: string; reason?: string }>;
  'tag.set': About<{ target: TagTarget; key: string; value: string }>;
  'tag.deleted': About<{ target: TagTarget; key: string }>;
  'policy.set': About<{
    target: string;
    requireCleanScan: boolean;
    metricConditions: MetricCondition[];
    beatCurrent: BeatCurrent | null;
    requiredApprovals: number;
    approvers: string[];
  }>;
  'policy.deleted': About<{ target: string }>;
  'promotion.refused': About<{ target: string; unmet: string[] }>;
  'approval.requested': About<{ approvalId: number; target: string; comment: string }>;
  'approval.approved': About<ApprovalDecision>;
  'approval.rejected': About<ApprovalDecision>;
};

/** The subject kind of each registry event type: checked complete against `RegistryEvents` by the compiler. */
export const registryEventSubjects: SubjectKinds<RegistryEvents> = {
  'registered_model.created': 'registered_model',
  'registered_model.updated': 'registered_model',
  'registered_model.renamed': 'registered_model',
  'registered_model.deleted': 'registered_model',
  'model_version.created': 'registered_model',
  'model_version.updated': 'registered_model',
  'model_version.deleted': 'registered_model',
  'model_version.scanned': 'registered_model',
  'model_version.stage_changed': 'registered_model',
  'alias.set': 'registered_model',
  'alias.removed': 'registered_model',
  'tag.set': 'registered_model',
  'tag.deleted': 'registered_model',
  'policy.set': 'registered_model',
  'policy.deleted': 'registered_model',
  'promotion.refused': 'registered_model',
  'approval.requested': 'registered_model',
  'approval.approved': 'registered_model',
  'approval.rejected': 'registered_model',
};

/** The subject kind of every registry event. */
export const registeredModelSubject = 'registered_model';
