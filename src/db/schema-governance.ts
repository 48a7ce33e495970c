/** Governance tables: promotion policies, approvals and model-file scan verdicts. Times are epoch milliseconds. */
import type { Generated } from 'kysely';

/**
 * What a version must meet to get an alias or stage, per registered model and target (`alias:<name>` or
 * `stage:<Stage>`). JSON columns: `metric_conditions` `[{metric, op, value}]`, `beat_current`
 * `{metric, greaterIsBetter}` or null, `approvers` `[user]` (empty: anyone).
 */
export interface PromotionPoliciesTable {
  registered_model_id: number;
  target: string;
  require_clean_scan: number;
  metric_conditions: string;
  beat_current: string | null;
  required_approvals: number;
  approvers: string;
  created_at: number;
  updated_at: number;
}

/** One approval request for a version and target, decided once (approved or rejected). */
export interface ModelVersionApprovalsTable {
  id: Generated<number>;
  registered_model_id: number;
  version: number;
  target: string;
  status: string;
  requested_by: string;
  requested_at: number;
  comment: string;
  decided_by: string | null;
  decided_at: number | null;
  decision_comment: string | null;
}

/** The latest scan verdict of a version's files; `findings` is a JSON array. */
export interface ModelVersionScansTable {
  registered_model_id: number;
  version: number;
  status: string;
  findings: string;
  error: string | null;
  files: number;
  scanned_at: number;
}

export interface GovernanceTables {
  promotion_policies: PromotionPoliciesTable;
  model_version_approvals: ModelVersionApprovalsTable;
  model_version_scans: ModelVersionScansTable;
}
