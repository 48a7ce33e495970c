/**
 * Registry governance: promotion policies (clean scan, metric bars, beating the current holder, approvals),
 * approvals, and model-file scan verdicts stored per version. Plugs into the registry through `RegistryHooks`.
 * See docs/governance.md.
 */
export {
  GovernanceService,
  scanStatusTag,
  type ApprovalRequestInput,
  type DecisionInput,
  type GovernanceServiceOptions,
} from './governance-service.js';
export { PromotionRefusedError } from './promotion-refused-error.js';
export { parseUser, governanceLimits } from './policy-validation.js';
export { parseTarget, formatTarget } from './target.js';
export * from './types.js';
