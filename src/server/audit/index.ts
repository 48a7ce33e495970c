export {
  AuditRecorder,
  actorOf,
  auditField,
  auditIdentifier,
  auditRecordOf,
  installAuditHook,
  outcomeOf,
  resourceOf,
  shouldAudit,
  type AuditDeps,
  type AuditPolicyLookup,
} from './audit-hook.js';
export { auditPolicies, auditRoutes, registerAuditRoutes } from './audit-routes.js';
