export {
  AuditRecorder,
  actorOf,
  auditRecordOf,
  installAuditHook,
  outcomeOf,
  resourceOf,
  shouldAudit,
  type AuditDeps,
} from './audit-hook.js';
export { registerAuditRoutes } from './audit-routes.js';
