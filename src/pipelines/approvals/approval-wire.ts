import type { StepApproval } from '../store/approval-store.js';
import type { ModelComparison, ModelSide } from './model-approvals.js';

/** A model version's side of a comparison, on the wire. */
export interface ModelSideWire {
  version: string;
  run_id: string | null;
  metrics: Record<string, number>;
}

/** An approval request on the wire (the HTTP API, `bosun pipeline ... --json`). */
export interface ApprovalWire {
  run_id: string;
  pipeline: string;
  step: string;
  status: string;
  message: string | null;
  requested_by: string;
  requested_at: number;
  expires_at: number | null;
  on_timeout: string;
  on_reject: string;
  model: { name: string; version: string; target: string; registry_approval_id: number | null } | null;
  decided_by: string | null;
  decided_at: number | null;
  comment: string | null;
  /** The candidate beside the champion, for a waiting request that names a model (null otherwise). */
  comparison: {
    model: string;
    alias: string;
    candidate: ModelSideWire;
    champion: ModelSideWire | null;
  } | null;
}

const sideToWire = (side: ModelSide): ModelSideWire => ({
  version: side.version,
  run_id: side.runId ?? null,
  metrics: side.metrics,
});

/** An approval request (and the comparison, when read) as the API answers it. */
export function approvalToWire(
  approval: StepApproval,
  pipeline: string,
  comparison?: ModelComparison,
): ApprovalWire {
  return {
    run_id: approval.runId,
    pipeline,
    step: approval.step,
    status: approval.status,
    message: approval.message ?? null,
    requested_by: approval.requestedBy,
    requested_at: approval.requestedAt,
    expires_at: approval.expiresAt ?? null,
    on_timeout: approval.onTimeout,
    on_reject: approval.onReject,
    model:
      approval.model !== undefined
        ? {
            name: approval.model.name,
            version: approval.model.version,
            target: approval.model.target,
            registry_approval_id: approval.model.registryApprovalId ?? null,
          }
        : null,
    decided_by: approval.decidedBy ?? null,
    decided_at: approval.decidedAt ?? null,
    comment: approval.comment ?? null,
    comparison:
      comparison !== undefined
        ? {
            model: comparison.model,
            alias: comparison.alias,
            candidate: sideToWire(comparison.candidate),
            champion: comparison.champion !== undefined ? sideToWire(comparison.champion) : null,
          }
        : null,
  };
}
