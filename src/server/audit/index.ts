export {
  AuditRecorder,
  actorOf,
  auditRecordOf,
  installAuditHook,
  outcomeOf,
  shouldAudit,
  type AuditDeps,
  type AuditPolicyLookup,
} from './audit-hook.js';
export { auditPolicies, auditRoutes, registerAuditRoutes } from './audit-routes.js';
export { auditField, auditIdentifier } from './audit-identifiers.js';
export { nameResources, resourceOf, type ResourceNaming } from './audit-resources.js';
