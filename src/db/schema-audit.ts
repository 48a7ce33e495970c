/** Audit log tables: an append-only, hash-chained record of who did what. Times are epoch milliseconds. */

/**
 * One audit record. `seq` is assigned by the appender (1, 2, 3, … with no gaps); `hash` is SHA-256 (hex) over a
 * canonical serialization of every other column plus `prev_hash` and `seq` (see src/security/audit/chain.ts).
 * `details` is canonical JSON after redaction, or null.
 */
export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  outcome: string;
  status_code: number | null;
  request_id: string | null;
  client_address: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The single chain-head row (`id` = 1): the last seq and hash, updated in the same transaction as each append.
 * Appenders lock it to serialize, and `verify` compares the chain's tail with it to detect a truncated tail.
 */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  updated_at: number;
}

export interface AuditTables {
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
}
