/**
 * Approval steps (issue 12, point 4): the waiting requests, the decision, and the link to the registry's approvals
 * when a step promotes a model. The executor opens requests and applies decisions (see executor/approval-step.ts);
 * this folder is what people (routes, CLI, web UI) see of them.
 */
export {
  PipelineApprovals,
  parseComment,
  type ApprovalDecision,
  type ApprovalDetails,
  type PipelineApprovalsDeps,
} from './approval-service.js';
export {
  registryModelApprovals,
  type ModelApprovals,
  type ModelComparison,
  type ModelSide,
} from './model-approvals.js';
export { approvalToWire, type ApprovalWire, type ModelSideWire } from './approval-wire.js';
