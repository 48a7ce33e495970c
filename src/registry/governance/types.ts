/** Domain types of registry governance: promotion policies, approvals and stored scan verdicts. */
import type { ScanFinding, ScanStatus } from '../scanning/index.js';

export type ComparisonOp = '>=' | '>' | '<=' | '<' | '==' | '!=';
export const comparisonOps: readonly ComparisonOp[] = ['>=', '>', '<=', '<', '==', '!='];

/** `metrics.<metric> <op> <value>` on the version's source run (latest value of the metric). */
export interface MetricCondition {
  metric: string;
  op: ComparisonOp;
  value: number;
}

/** The version must do strictly better on `metric` than the version holding the target now. */
export interface BeatCurrent {
  metric: string;
  greaterIsBetter: boolean;
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

export interface PolicyInput {
  target: string;
  requireCleanScan?: boolean;
  metricConditions?: MetricCondition[];
  beatCurrent?: BeatCurrent | null;
  requiredApprovals?: number;
  approvers?: string[];
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

/** The stored verdict of a version's latest scan. */
export interface ScanRecord {
  status: ScanStatus;
  files: number;
  findings: ScanFinding[];
  error?: string;
  scannedAt: number;
}

/** The answer of a promotion check: allowed, or the unmet conditions, each as one readable sentence. */
export interface PromotionCheck {
  allowed: boolean;
  unmet: string[];
}
