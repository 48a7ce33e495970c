import type { Kysely } from 'kysely';
import { AUDIT_GENESIS_HASH, type AuditLogTable, type AuditTables } from '../../db/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import { auditStore } from './audit-store.js';
import { normalizeAuditRow, recordHash } from './chain.js';

/** Why part of a chain failed verification. */
export type AuditBreakReason =
  | 'hash_mismatch' // the record's contents do not match its hash: edited (or moved to another seq)
  | 'seq_gap' // a seq is missing: records deleted
  | 'prev_hash_mismatch' // the record does not link to the one before: deleted, replaced or reordered
  | 'unexpected_record' // a record with a seq below 1, outside the chain: inserted
  | 'head_mismatch' // the chain's tail disagrees with the head row: tail truncated, or head edited
  | 'head_missing' // the head row is gone
  | 'anchor_mismatch'; // an externally recorded (seq, hash) is not in the chain

/** One place where the chain is broken. Example: `{ seq: 4, reason: 'hash_mismatch', message: 'record 4 …' }`. */
export interface AuditBreak {
  seq: number;
  reason: AuditBreakReason;
  message: string;
}

/**
 * The outcome of `verify`: every break found, in chain order (head and anchor checks last). A broken result
 * also names its first break in `brokenSeq`, `reason` and `message`.
 */
export type AuditVerifyResult =
  | { valid: true; records: number; headSeq: number; headHash: string }
  | {
      valid: false;
      /** Records read from the chain, broken or not. */
      records: number;
      /** The breaks found, at most `maxBreaks` of them. */
      breaks: AuditBreak[];
      /** How many breaks were found in all (more than `breaks.length` when the list was capped). */
      breakCount: number;
      brokenSeq: number;
      reason: AuditBreakReason;
      message: string;
    };

export interface AuditVerifyOptions {
  /** Rows read per query; memory stays bounded by this. */
  pageSize?: number;
  /** A head recorded elsewhere earlier (e.g. printed by a previous verify); the chain must still contain it. */
  anchor?: { seq: number; hash: string };
  /** Most breaks listed in the result (default 1000); the walk goes on and `breakCount` counts them all. */
  maxBreaks?: number;
}

const DEFAULT_MAX_BREAKS = 1000;
/** Head reads to catch up with appends made during the walk before the walk settles for what it has read. */
const MAX_HEAD_ROUNDS = 20;

/**
 * Walks the whole chain in seq order, `pageSize` rows at a time, and reports every break it finds rather than
 * the first: each edited record (hash mismatch), each run of deleted records (seq gap), each record that does
 * not link to the stored record before it (deleted and renumbered, replaced or reordered), records inserted
 * outside the chain (seq below 1), a truncated tail or altered head, and a missing anchor. The walk links
 * each record to the stored hash of the one before it, so one edited record is one break, not a cascade.
 */
export async function verifyChain(
  adb: Kysely<AuditTables>,
  options: AuditVerifyOptions = {},
): Promise<AuditVerifyResult> {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidParameterError(`Invalid verify page size ${String(pageSize)}`);
  }
  const maxBreaks = options.maxBreaks ?? DEFAULT_MAX_BREAKS;
  if (!Number.isInteger(maxBreaks) || maxBreaks < 1) {
    throw new InvalidParameterError(`Invalid verify break limit ${String(maxBreaks)}`);
  }
  const anchor = options.anchor;
  const breaks: AuditBreak[] = [];
  let breakCount = 0;
  const report = (seq: number, reason: AuditBreakReason, message: string): void => {
    breakCount += 1;
    if (breaks.length < maxBreaks) breaks.push({ seq, reason, message });
  };

  for (const seq of await auditStore.seqsOutsideChain(adb)) {
    report(seq, 'unexpected_record', `record ${seq} is outside the chain (seqs start at 1): it was inserted`);
  }

  let anchorSeen = false;
  let lastSeq = 0;
  let lastHash = AUDIT_GENESIS_HASH;
  let records = 0;
  /** Checks the stored records after `lastSeq`, up to `upTo` (inclusive) or to the end. */
  const walk = async (upTo?: number): Promise<void> => {
    for (;;) {
      const page = await auditStore.recordsAfter(adb, lastSeq, { upTo, limit: pageSize });
      for (const raw of page) {
        const row = normalizeAuditRow(raw);
        const expectedSeq = lastSeq + 1;
        if (row.seq !== expectedSeq) {
          const missing =
            row.seq - 1 === expectedSeq
              ? `record ${expectedSeq} is missing`
              : `records ${expectedSeq} to ${row.seq - 1} are missing`;
          report(
            expectedSeq,
            'seq_gap',
            `${missing} (next stored record is ${row.seq}): records were deleted`,
          );
        } else if (row.prev_hash !== lastHash) {
          report(
            row.seq,
            'prev_hash_mismatch',
            `record ${row.seq} does not link to record ${lastSeq}: a record was deleted, replaced or reordered`,
          );
        }
        if (recordHash(row) !== row.hash) report(row.seq, 'hash_mismatch', hashMismatchMessage(row));
        if (anchor && anchor.seq === row.seq) {
          anchorSeen = true;
          if (anchor.hash !== row.hash) {
            report(row.seq, 'anchor_mismatch', `record ${row.seq} differs from the anchored hash`);
          }
        }
        lastSeq = row.seq;
        lastHash = row.hash;
        records += 1;
      }
      if (page.length < pageSize) return;
    }
  };

  // The walk stops at the head read first, so records appended while it runs (their row and the head move in
  // one transaction) are not mistaken for records beyond the head. Records past the head that a later head read
  // does not cover were not appended by the log: they are walked too, and the head check reports them.
  let head = await auditStore.head(adb);
  if (head === undefined) {
    await walk();
  } else {
    await walk(head.seq);
    for (let round = 0; ; round += 1) {
      const beyond = await auditStore.maxSeqAfter(adb, head.seq);
      if (beyond === undefined) break;
      const next = await auditStore.head(adb);
      if (next === undefined || next.seq < beyond || round >= MAX_HEAD_ROUNDS) {
        if (next === undefined || next.seq < beyond) {
          head = next;
          await walk();
        }
        break;
      }
      head = next;
      await walk(head.seq);
    }
  }
  if (head === undefined) {
    report(lastSeq + 1, 'head_missing', 'the audit head row is missing');
  } else if (head.seq > lastSeq) {
    report(
      lastSeq + 1,
      'head_mismatch',
      `the head says the log ends at record ${head.seq} but the chain ends at ${lastSeq}: the tail was deleted`,
    );
  } else if (head.seq < lastSeq) {
    report(
      head.seq + 1,
      'head_mismatch',
      `the chain goes on to record ${lastSeq} past the head (record ${head.seq}): records were added past the ` +
        'head, or the head was moved back',
    );
  } else if (head.hash !== lastHash) {
    report(
      head.seq,
      'head_mismatch',
      `the chain ends at record ${lastSeq} (hash ${lastHash.slice(0, 12)}…) but the head's hash is ` +
        `${head.hash.slice(0, 12)}…: the head or the last record was altered`,
    );
  }
  if (anchor && !anchorSeen) {
    report(anchor.seq, 'anchor_mismatch', `anchored record ${anchor.seq} is not in the chain`);
  }
  const first = breaks[0];
  if (first === undefined) return { valid: true, records, headSeq: lastSeq, headHash: lastHash };
  return {
    valid: false,
    records,
    breaks,
    breakCount,
    brokenSeq: first.seq,
    reason: first.reason,
    message: first.message,
  };
}

/** Text columns whose U+FFFD may stand for a lone surrogate an older Bosun hashed but could not store. */
const textColumns = [
  'actor',
  'action',
  'resource_type',
  'resource_id',
  'request_id',
  'client_address',
] as const;

function hashMismatchMessage(row: AuditLogTable): string {
  const base = `record ${row.seq} does not match its hash: it was edited (or moved to another seq)`;
  const replaced = textColumns.filter((column) => row[column]?.includes('\ufffd') === true);
  if (replaced.length === 0) return base;
  return (
    `${base}; its ${replaced.join(', ')} contain U+FFFD: if it was written before Bosun escaped text that is ` +
    'not well-formed Unicode, the database may have replaced a lone surrogate (see docs/audit-log.md)'
  );
}
