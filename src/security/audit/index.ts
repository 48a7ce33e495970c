export {
  AuditLog,
  AUDIT_GENESIS_HASH,
  auditOutcomes,
  formatVerifyReport,
  type AuditBreakReason,
  type AuditEntry,
  type AuditLogOptions,
  type AuditOutcome,
  type AuditQuery,
  type AuditRecordInput,
  type AuditResource,
  type AuditVerifyOptions,
  type AuditVerifyResult,
} from './audit-log.js';
export { canonicalJson, recordHash, type HashedFields } from './chain.js';
export { REDACTED, isSensitiveKey, redact, redactString, type RedactOptions } from './redact.js';
