import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditLogTable, AuditTables } from '../../db/schema-audit.js';
import { AUDIT_GENESIS_HASH } from '../../db/migrations/0006-audit.js';
import { paginate, type OffsetPage } from '../../search/index.js';
import { type Clock, systemClock } from '../../shared/clock.js';
import { InvalidParameterError, InvalidStateError } from '../../shared/errors.js';
import { canonicalJson, recordHash } from './chain.js';
import { redact, redactString } from './redact.js';

export { AUDIT_GENESIS_HASH };

export const auditOutcomes = ['success', 'denied', 'unauthenticated', 'error'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

/** What an audit record is about: `{ type: 'experiment', id: '12' }`, `{ type: 'registered_model', id: 'm' }`. */
export interface AuditResource {
  type: string;
  id?: string | null;
}

/** One event to record. `actor` is a user name or 'anonymous'; `action` an HTTP route or a domain verb. */
export interface AuditRecordInput {
  actor: string;
  action: string;
  resource: AuditResource;
  outcome: AuditOutcome;
  statusCode?: number | null;
  requestId?: string | null;
  clientAddress?: string | null;
  /** Epoch milliseconds; the log's clock when absent. */
  at?: number;
  /** Any JSON-like value; redacted before it is hashed and stored. */
  details?: unknown;
}

/** A stored record, as `list` returns it. */
export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  resource: { type: string; id: string | null };
  outcome: AuditOutcome;
  statusCode: number | null;
  requestId: string | null;
  clientAddress: string | null;
  details: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  /** Inclusive lower bound on `at` (epoch ms). */
  since?: number;
  /** Exclusive upper bound on `at` (epoch ms). */
  until?: number;
  maxResults?: number;
  pageToken?: string;
}

/** Why a chain failed verification, at its first broken record. */
export type AuditBreakReason =
  | 'hash_mismatch' // the record's contents do not match its hash: edited (or moved to another seq)
  | 'seq_gap' // a seq is missing: records deleted
  | 'prev_hash_mismatch' // the record does not link to the one before: deleted, replaced or reordered
  | 'head_mismatch' // the chain's tail disagrees with the head row: tail truncated, or head edited
  | 'head_missing' // the head row is gone
  | 'anchor_mismatch'; // an externally recorded (seq, hash) is not in the chain

export type AuditVerifyResult =
  | { valid: true; records: number; headSeq: number; headHash: string }
  | {
      valid: false;
      /** Records that verified before the break. */
      records: number;
      brokenSeq: number;
      reason: AuditBreakReason;
      message: string;
    };

export interface AuditVerifyOptions {
  /** Rows read per query; memory stays bounded by this. */
  pageSize?: number;
  /** A head recorded elsewhere earlier (e.g. printed by a previous verify); the chain must still contain it. */
  anchor?: { seq: number; hash: string };
}

export interface AuditLogOptions {
  clock?: Clock;
  /** Largest accepted `details` after redaction, in UTF-8 bytes of canonical JSON; larger ones are replaced. */
  maxDetailsBytes?: number;
}

const MAX_ACTOR = 256;
const MAX_ACTION = 1024;
const MAX_FIELD = 512;
const DEFAULT_MAX_RESULTS = 100;
const MAX_RESULTS_LIMIT = 1000;
const HEAD_ID = 1;

type AuditDb = Kysely<AuditTables>;
type AuditRow = Selectable<AuditLogTable>;

/** Keeps a stored string bounded: audit records are never refused for length, only shortened. */
function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

function optionalText(value: string | null | undefined, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidParameterError(`Audit record ${name} must be a string`);
  return clip(redactString(value), MAX_FIELD);
}

function isOutcome(value: unknown): value is AuditOutcome {
  return typeof value === 'string' && (auditOutcomes as readonly string[]).includes(value);
}

/**
 * The append-only, hash-chained audit log. Every method takes the database (a Kysely instance or transaction
 * whose schema includes `AuditTables`), so the log can join the caller's transaction.
 * Example: `await auditLog.append(db, { actor: 'ana', action: 'POST /api/2.0/mlflow/runs/create',
 * resource: { type: 'experiment', id: '1' }, outcome: 'success', statusCode: 200, requestId, clientAddress })`.
 */
export class AuditLog {
  private readonly clock: Clock;
  private readonly maxDetailsBytes: number;

  constructor(options: AuditLogOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxDetailsBytes = options.maxDetailsBytes ?? 16_384;
  }

  /** Validates, redacts and canonicalizes a record into the columns it is stored (and hashed) as. */
  private prepare(input: AuditRecordInput): Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'> {
    if (typeof input !== 'object' || input === null) {
      throw new InvalidParameterError('Audit record must be an object');
    }
    if (typeof input.actor !== 'string' || input.actor.trim() === '') {
      throw new InvalidParameterError("Audit record actor must be a user name or 'anonymous'");
    }
    if (typeof input.action !== 'string' || input.action.trim() === '') {
      throw new InvalidParameterError('Audit record action must be a non-empty string');
    }
    const resource: unknown = input.resource;
    if (
      typeof resource !== 'object' ||
      resource === null ||
      typeof (resource as AuditResource).type !== 'string' ||
      (resource as AuditResource).type.trim() === ''
    ) {
      throw new InvalidParameterError('Audit record resource must have a non-empty type');
    }
    if (!isOutcome(input.outcome)) {
      throw new InvalidParameterError(`Audit record outcome must be one of ${auditOutcomes.join(', ')}`);
    }
    const status = input.statusCode ?? null;
    if (status !== null && (!Number.isInteger(status) || status < 100 || status > 599)) {
      throw new InvalidParameterError(`Invalid audit status code ${String(status)}`);
    }
    const at = input.at ?? this.clock.nowMs();
    if (!Number.isSafeInteger(at) || at < 0) {
      throw new InvalidParameterError(`Invalid audit timestamp ${String(at)}`);
    }
    const resourceType = (resource as AuditResource).type;
    const resourceId = (resource as AuditResource).id;
    const secretValues = /secret/i.test(resourceType) || /secret/i.test(input.action);
    let details: string | null = null;
    if (input.details !== undefined && input.details !== null) {
      details = canonicalJson(redact(input.details, { secretValues }));
      const bytes = Buffer.byteLength(details, 'utf8');
      if (bytes > this.maxDetailsBytes) details = canonicalJson({ _truncated: true, bytes });
    }
    return {
      at,
      actor: clip(input.actor, MAX_ACTOR),
      action: clip(redactString(input.action), MAX_ACTION),
      resource_type: clip(resourceType, MAX_FIELD),
      resource_id: optionalText(resourceId, 'resource id'),
      outcome: input.outcome,
      status_code: status,
      request_id: optionalText(input.requestId, 'request id'),
      client_address: optionalText(input.clientAddress, 'client address'),
      details,
    };
  }

  /**
   * Appends one record at the end of the chain and moves the head, in one transaction (the caller's, when `db`
   * is a transaction). Concurrent appends serialize on the head row: the first statement is an UPDATE of it,
   * which takes PostgreSQL's row lock and SQLite's write lock before the head is read.
   */
  async append<DB extends AuditTables>(
    db: Kysely<DB> | Transaction<DB>,
    input: AuditRecordInput,
  ): Promise<AuditEntry> {
    const prepared = this.prepare(input);
    const adb = db as unknown as AuditDb;
    const run = async (trx: AuditDb): Promise<AuditRow> => {
      await trx
        .updateTable('audit_head')
        .set((eb) => ({ seq: eb.ref('seq') }))
        .where('id', '=', HEAD_ID)
        .execute();
      const head = await trx
        .selectFrom('audit_head')
        .select(['seq', 'hash'])
        .where('id', '=', HEAD_ID)
        .executeTakeFirst();
      if (!head) {
        throw new InvalidStateError(
          'The audit log head row is missing; the log has been tampered with. Run `bosun audit-log verify`.',
        );
      }
      const seq = Number(head.seq) + 1;
      const row: AuditRow = { ...prepared, seq, prev_hash: head.hash, hash: '' };
      row.hash = recordHash(row);
      await trx.insertInto('audit_log').values(row).execute();
      await trx
        .updateTable('audit_head')
        .set({ seq, hash: row.hash, updated_at: prepared.at })
        .where('id', '=', HEAD_ID)
        .execute();
      return row;
    };
    const row = adb.isTransaction ? await run(adb) : await adb.transaction().execute(run);
    return toEntry(row);
  }

  /**
   * Walks the whole chain in seq order, `pageSize` rows at a time, and reports the first broken record: an
   * edited record (hash mismatch), a deleted one (seq gap or prev_hash mismatch), a reordered one, or a
   * truncated tail (the last record disagrees with the head row).
   */
  async verify<DB extends AuditTables>(
    db: Kysely<DB> | Transaction<DB>,
    options: AuditVerifyOptions = {},
  ): Promise<AuditVerifyResult> {
    const adb = db as unknown as AuditDb;
    const pageSize = options.pageSize ?? 500;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new InvalidParameterError(`Invalid verify page size ${String(pageSize)}`);
    }
    const anchor = options.anchor;
    let anchorSeen = false;
    let lastSeq = 0;
    let lastHash = AUDIT_GENESIS_HASH;
    let records = 0;
    const broken = (brokenSeq: number, reason: AuditBreakReason, message: string): AuditVerifyResult => ({
      valid: false,
      records,
      brokenSeq,
      reason,
      message,
    });
    for (;;) {
      const page = await adb
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>', lastSeq)
        .orderBy('seq', 'asc')
        .limit(pageSize)
        .execute();
      for (const raw of page) {
        const row = normalizeRow(raw);
        const expectedSeq = lastSeq + 1;
        if (row.seq !== expectedSeq) {
          return broken(
            expectedSeq,
            'seq_gap',
            `record ${expectedSeq} is missing (next stored record is ${row.seq}): records were deleted`,
          );
        }
        if (row.prev_hash !== lastHash) {
          return broken(
            row.seq,
            'prev_hash_mismatch',
            `record ${row.seq} does not link to record ${lastSeq}: a record was deleted, replaced or reordered`,
          );
        }
        if (recordHash(row) !== row.hash) {
          return broken(row.seq, 'hash_mismatch', `record ${row.seq} does not match its hash: it was edited`);
        }
        if (anchor && anchor.seq === row.seq) {
          if (anchor.hash !== row.hash) {
            return broken(row.seq, 'anchor_mismatch', `record ${row.seq} differs from the anchored hash`);
          }
          anchorSeen = true;
        }
        lastSeq = row.seq;
        lastHash = row.hash;
        records += 1;
      }
      if (page.length < pageSize) break;
    }
    const head = await adb
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', HEAD_ID)
      .executeTakeFirst();
    if (!head) return broken(lastSeq + 1, 'head_missing', 'the audit head row is missing');
    const headSeq = Number(head.seq);
    if (headSeq !== lastSeq || head.hash !== lastHash) {
      const at = Math.min(headSeq, lastSeq + 1);
      const message =
        headSeq > lastSeq
          ? `the head says the log ends at record ${headSeq} but the chain ends at ${lastSeq}: the tail was deleted`
          : `the chain ends at record ${lastSeq} (hash ${lastHash.slice(0, 12)}…) but the head says ` +
            `${headSeq} (hash ${head.hash.slice(0, 12)}…): the head or the tail was altered`;
      return broken(Math.max(at, 1), 'head_mismatch', message);
    }
    if (anchor && !anchorSeen) {
      return broken(anchor.seq, 'anchor_mismatch', `anchored record ${anchor.seq} is not in the chain`);
    }
    return { valid: true, records, headSeq, headHash: lastHash };
  }

  /** Records matching the filters, newest first, paged with MLflow-style page tokens. */
  async list<DB extends AuditTables>(
    db: Kysely<DB> | Transaction<DB>,
    query: AuditQuery = {},
  ): Promise<OffsetPage<AuditEntry>> {
    const adb = db as unknown as AuditDb;
    const maxResults = query.maxResults ?? DEFAULT_MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS_LIMIT) {
      throw new InvalidParameterError(
        `Invalid value ${String(maxResults)} for parameter 'max_results': it must be between 1 and ${MAX_RESULTS_LIMIT}`,
      );
    }
    if (query.outcome !== undefined && !isOutcome(query.outcome)) {
      throw new InvalidParameterError(`Invalid outcome filter: use one of ${auditOutcomes.join(', ')}`);
    }
    for (const [name, bound] of [
      ['since', query.since],
      ['until', query.until],
    ] as const) {
      if (bound !== undefined && (!Number.isSafeInteger(bound) || bound < 0)) {
        throw new InvalidParameterError(`Invalid value ${String(bound)} for parameter '${name}'`);
      }
    }
    let select = adb.selectFrom('audit_log').selectAll();
    if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    if (query.outcome !== undefined) select = select.where('outcome', '=', query.outcome);
    if (query.since !== undefined) select = select.where('at', '>=', query.since);
    if (query.until !== undefined) select = select.where('at', '<', query.until);
    const ordered = select.orderBy('seq', 'desc');
    return paginate(query.pageToken, maxResults, async (offset, limit) => {
      const rows = await ordered.offset(offset).limit(limit).execute();
      return rows.map((r) => toEntry(normalizeRow(r)));
    });
  }
}

/** PostgreSQL bigint columns arrive as numbers through the handle's parser; SQLite's may need coercion too. */
function normalizeRow(row: AuditRow): AuditRow {
  return {
    ...row,
    seq: Number(row.seq),
    at: Number(row.at),
    status_code: row.status_code === null ? null : Number(row.status_code),
  };
}

function toEntry(row: AuditRow): AuditEntry {
  let details: unknown = null;
  if (row.details !== null) {
    try {
      details = JSON.parse(row.details);
    } catch {
      details = row.details;
    }
  }
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    actor: row.actor,
    action: row.action,
    resource: { type: row.resource_type, id: row.resource_id },
    outcome: isOutcome(row.outcome) ? row.outcome : 'error',
    statusCode: row.status_code,
    requestId: row.request_id,
    clientAddress: row.client_address,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

const reasonTitles: Record<AuditBreakReason, string> = {
  hash_mismatch: 'record edited',
  seq_gap: 'records deleted',
  prev_hash_mismatch: 'chain link broken (record deleted, replaced or reordered)',
  head_mismatch: 'tail truncated or head altered',
  head_missing: 'head row missing',
  anchor_mismatch: 'anchored head not found',
};

/** Human-readable report for `bosun audit-log verify`. */
export function formatVerifyReport(result: AuditVerifyResult): string {
  if (result.valid) {
    return [
      `Audit log OK: ${result.records} record(s), chain intact.`,
      `Head: seq ${result.headSeq}, hash ${result.headHash}`,
      'Keep this head somewhere else (e.g. pass it as an anchor next time) to detect a rewritten chain.',
    ].join('\n');
  }
  return [
    `Audit log BROKEN at seq ${result.brokenSeq}: ${reasonTitles[result.reason]}.`,
    `Detail: ${result.message}`,
    `${result.records} record(s) verified before the break.`,
  ].join('\n');
}
