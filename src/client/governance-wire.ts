/** Wire form (snake_case) of the governance API's objects: policies, approvals, scans, promotion checks. */
import type {
  Approval,
  ApprovalStatus,
  ComparisonOp,
  MetricCondition,
  PolicyInput,
  PromotionCheck,
  PromotionPolicy,
  ScanRecord,
} from './registry-types.js';
import type { ScanFinding, ScanFindingKind, ScanStatus, Severity } from './registry-types.js';
import { malformed, readArray, readInteger, readObject, readOptionalString, readString } from './wire.js';

type Json = Record<string, unknown>;

const ops: readonly ComparisonOp[] = ['>=', '>', '<=', '<', '==', '!='];
const scanStatuses: readonly ScanStatus[] = ['clean', 'suspicious', 'unsafe', 'failed'];
const severities: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
const approvalStatuses: readonly ApprovalStatus[] = ['requested', 'approved', 'rejected'];

function oneOf<T extends string>(list: readonly T[], value: unknown, where: string): T {
  const found = list.find((item) => item === value);
  if (found === undefined) throw malformed(`${where} '${String(value)}' is unknown`);
  return found;
}

function readBoolean(o: Json, key: string, where: string): boolean {
  const value = o[key] ?? false;
  if (typeof value !== 'boolean') throw malformed(`${where}.${key} is not a boolean`);
  return value;
}

function readNumber(o: Json, key: string, where: string): number {
  const value = o[key];
  if (typeof value !== 'number') throw malformed(`${where}.${key} is missing or not a number`);
  return value;
}

function stringsFromWire(value: unknown, where: string): string[] {
  return readArray(value, where).map((item, i) => {
    if (typeof item !== 'string') throw malformed(`${where}[${i}] is not a string`);
    return item;
  });
}

function metricConditionFromWire(value: unknown, where: string): MetricCondition {
  const o = readObject(value, where);
  return {
    metric: readString(o, 'metric', where),
    op: oneOf(ops, o.op, `${where}.op`),
    value: readNumber(o, 'value', where),
  };
}

export function policyFromWire(value: unknown, where = 'policy'): PromotionPolicy {
  const o = readObject(value, where);
  const beat = o.beat_current;
  return {
    modelName: readString(o, 'model_name', where),
    target: readString(o, 'target', where),
    requireCleanScan: readBoolean(o, 'require_clean_scan', where),
    metricConditions: readArray(o.metric_conditions, `${where}.metric_conditions`).map((c, i) =>
      metricConditionFromWire(c, `${where}.metric_conditions[${i}]`),
    ),
    beatCurrent:
      beat === undefined || beat === null
        ? null
        : (() => {
            const b = readObject(beat, `${where}.beat_current`);
            return {
              metric: readString(b, 'metric', `${where}.beat_current`),
              greaterIsBetter: readBoolean(b, 'greater_is_better', `${where}.beat_current`),
            };
          })(),
    requiredApprovals: readInteger(o, 'required_approvals', where, 0),
    approvers: stringsFromWire(o.approvers, `${where}.approvers`),
    createdAt: readInteger(o, 'created_at', where, 0),
    updatedAt: readInteger(o, 'updated_at', where, 0),
  };
}

export function policyInputToWire(input: PolicyInput): Json {
  const body: Json = { target: input.target };
  if (input.requireCleanScan !== undefined) body.require_clean_scan = input.requireCleanScan;
  if (input.metricConditions !== undefined) {
    body.metric_conditions = input.metricConditions.map((c) => ({
      metric: c.metric,
      op: c.op,
      value: c.value,
    }));
  }
  if (input.beatCurrent !== undefined && input.beatCurrent !== null) {
    body.beat_current = {
      metric: input.beatCurrent.metric,
      greater_is_better: input.beatCurrent.greaterIsBetter,
    };
  }
  if (input.requiredApprovals !== undefined) body.required_approvals = input.requiredApprovals;
  if (input.approvers !== undefined) body.approvers = input.approvers;
  return body;
}

function findingFromWire(value: unknown, where: string): ScanFinding {
  const o = readObject(value, where);
  const finding: ScanFinding = {
    file: readString(o, 'file', where),
    // Kinds may grow on the server; the client shows them as text.
    kind: readString(o, 'kind', where) as ScanFindingKind,
    severity: oneOf(severities, o.severity, `${where}.severity`),
    detail: readOptionalString(o, 'detail', where) ?? '',
  };
  const module = readOptionalString(o, 'module', where);
  const name = readOptionalString(o, 'name', where);
  if (module !== undefined) finding.module = module;
  if (name !== undefined) finding.name = name;
  return finding;
}

export function scanFromWire(value: unknown, where = 'scan'): ScanRecord {
  const o = readObject(value, where);
  const scan: ScanRecord = {
    status: oneOf(scanStatuses, o.status, `${where}.status`),
    files: readInteger(o, 'files', where, 0),
    findings: readArray(o.findings, `${where}.findings`).map((f, i) =>
      findingFromWire(f, `${where}.findings[${i}]`),
    ),
    scannedAt: readInteger(o, 'scanned_at', where, 0),
  };
  const error = readOptionalString(o, 'error', where);
  if (error !== undefined) scan.error = error;
  return scan;
}

export function approvalFromWire(value: unknown, where = 'approval'): Approval {
  const o = readObject(value, where);
  const approval: Approval = {
    id: readInteger(o, 'id', where),
    modelName: readString(o, 'model_name', where),
    version: String(readInteger(o, 'version', where)),
    target: readString(o, 'target', where),
    status: oneOf(approvalStatuses, o.status, `${where}.status`),
    requestedBy: readOptionalString(o, 'requested_by', where) ?? '',
    requestedAt: readInteger(o, 'requested_at', where, 0),
    comment: readOptionalString(o, 'comment', where) ?? '',
  };
  const decidedBy = readOptionalString(o, 'decided_by', where);
  const decisionComment = readOptionalString(o, 'decision_comment', where);
  if (decidedBy !== undefined) approval.decidedBy = decidedBy;
  if (o.decided_at !== undefined && o.decided_at !== null)
    approval.decidedAt = readInteger(o, 'decided_at', where);
  if (decisionComment !== undefined) approval.decisionComment = decisionComment;
  return approval;
}

export function promotionCheckFromWire(value: Json): PromotionCheck {
  return {
    allowed: readBoolean(value, 'allowed', 'promotion check'),
    unmet: stringsFromWire(value.unmet, 'promotion check.unmet'),
  };
}
