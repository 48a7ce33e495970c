import type { AuditBreakReason, AuditVerifyResult } from './audit-log.js';

const reasonTitles: Record<AuditBreakReason, string> = {
  hash_mismatch: 'record edited',
  seq_gap: 'records deleted',
  prev_hash_mismatch: 'chain link broken (record deleted, replaced or reordered)',
  unexpected_record: 'record inserted outside the chain',
  head_mismatch: 'tail truncated or head altered',
  head_missing: 'head row missing',
  anchor_mismatch: 'anchored head not found',
};

/**
 * Human-readable report for `bosun audit-log verify`: on a broken chain, the first break on the first line,
 * then every break found, one a line. Example (two edited records):
 * ```
 * Audit log BROKEN at seq 3: record edited.
 * 2 break(s) found in 10 record(s):
 *   seq 3: record edited. record 3 does not match its hash: it was edited (or moved to another seq)
 *   seq 8: record edited. record 8 does not match its hash: it was edited (or moved to another seq)
 * ```
 */
export function formatVerifyReport(result: AuditVerifyResult): string {
  if (result.valid) {
    return [
      `Audit log OK: ${result.records} record(s), chain intact.`,
      `Head: seq ${result.headSeq}, hash ${result.headHash}`,
      'Keep this head somewhere else (e.g. pass it as an anchor next time) to detect a rewritten chain.',
    ].join('\n');
  }
  const lines = [
    `Audit log BROKEN at seq ${result.brokenSeq}: ${reasonTitles[result.reason]}.`,
    `${result.breakCount} break(s) found in ${result.records} record(s):`,
    ...result.breaks.map((b) => `  seq ${b.seq}: ${reasonTitles[b.reason]}. ${b.message}`),
  ];
  const unlisted = result.breakCount - result.breaks.length;
  if (unlisted > 0) lines.push(`  … and ${unlisted} more break(s) not listed.`);
  return lines.join('\n');
}

/** One break as the HTTP API and `verify --json` write it. */
export interface AuditBreakWire {
  seq: number;
  reason: AuditBreakReason;
  message: string;
}

/** The wire form of a verify result, shared by `GET /api/bosun/v1/audit-log/verify` and `verify --json`. */
export type AuditVerifyWire =
  | { valid: true; records: number; head_seq: number; head_hash: string }
  | {
      valid: false;
      records: number;
      broken_seq: number;
      reason: AuditBreakReason;
      message: string;
      break_count: number;
      breaks: AuditBreakWire[];
    };

/** Snake-case wire form of `result`; a broken one names its first break and lists them all. */
export function verifyResultToWire(result: AuditVerifyResult): AuditVerifyWire {
  if (result.valid) {
    return { valid: true, records: result.records, head_seq: result.headSeq, head_hash: result.headHash };
  }
  return {
    valid: false,
    records: result.records,
    broken_seq: result.brokenSeq,
    reason: result.reason,
    message: result.message,
    break_count: result.breakCount,
    breaks: result.breaks.map((b) => ({ seq: b.seq, reason: b.reason, message: b.message })),
  };
}
