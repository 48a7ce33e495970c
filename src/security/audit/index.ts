export {
  AuditLog,
  AUDIT_GENESIS_HASH,
  auditOutcomes,
  type AuditBreak,
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
export {
  formatVerifyReport,
  verifyResultToWire,
  type AuditBreakWire,
  type AuditVerifyWire,
} from './verify-report.js';
export { canonicalJson, recordHash, type HashedFields } from './chain.js';
export { REDACTED, isSensitiveKey, redact, redactString, type RedactOptions } from './redact.js';
