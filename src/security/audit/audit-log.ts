import type { Kysely, Transaction } from 'kysely';
import { AUDIT_GENESIS_HASH, type AuditTables } from '../../db/index.js';
import { paginate, type OffsetPage } from '../../search/index.js';
import {
  clipText,
  type Clock,
  InvalidParameterError,
  InvalidStateError,
  systemClock,
  toStorableText,
} from '../../shared/index.js';
import { auditStore, type AuditDb, type AuditRow } from './audit-store.js';
import { canonicalJson, normalizeAuditRow, recordHash } from './chain.js';
import { verifyChain, type AuditVerifyOptions, type AuditVerifyResult } from './verify-chain.js';
import { redact, redactString } from './redact.js';

export { AUDIT_GENESIS_HASH };
export type { AuditBreak, AuditBreakReason, AuditVerifyOptions, AuditVerifyResult } from './verify-chain.js';

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

/**
 * The form a caller's string is stored (and hashed) in: lone surrogates and NUL written out as `\uXXXX`, then
 * shortened without splitting a surrogate pair. The result reads back from SQLite and PostgreSQL exactly as it
 * was hashed, whatever the caller sent, and PostgreSQL never refuses it. Records are never refused for their
 * text, only shortened.
 */
function storable(value: string, max: number): string {
  return clipText(toStorableText(value), max);
}

function optionalText(value: string | null | undefined, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidParameterError(`Audit record ${name} must be a string`);
  return storable(redactString(value), MAX_FIELD);
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
      // Canonical JSON escapes lone surrogates and control characters, so `details` is storable as it is.
      details = canonicalJson(redact(input.details, { secretValues }));
      const bytes = Buffer.byteLength(details, 'utf8');
      if (bytes > this.maxDetailsBytes) details = canonicalJson({ _truncated: true, bytes });
    }
    return {
      at,
      actor: storable(input.actor, MAX_ACTOR),
      action: storable(redactString(input.action), MAX_ACTION),
      resource_type: storable(resourceType, MAX_FIELD),
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
      await auditStore.lockHead(trx);
      const head = await auditStore.head(trx);
      if (!head) {
        throw new InvalidStateError(
          'The audit log head row is missing; the log has been tampered with. Run `bosun audit-log verify`.',
        );
      }
      const seq = head.seq + 1;
      const row: AuditRow = { ...prepared, seq, prev_hash: head.hash, hash: '' };
      row.hash = recordHash(row);
      await auditStore.insert(trx, row);
      await auditStore.moveHead(trx, { seq, hash: row.hash, at: prepared.at });
      return row;
    };
    const row = adb.isTransaction ? await run(adb) : await adb.transaction().execute(run);
    return toEntry(row);
  }

  /**
   * Walks the whole chain and reports every break it finds, not only the first (see `verifyChain`).
   * Example: `const result = await auditLog.verify(db); if (!result.valid) console.log(result.breaks)`.
   */
  async verify<DB extends AuditTables>(
    db: Kysely<DB> | Transaction<DB>,
    options: AuditVerifyOptions = {},
  ): Promise<AuditVerifyResult> {
    return verifyChain(db as unknown as Kysely<AuditTables>, options);
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
    return paginate(query.pageToken, maxResults, async (offset, limit) => {
      const rows = await auditStore.listPage(adb, query, { offset, limit });
      return rows.map((r) => toEntry(normalizeAuditRow(r)));
    });
  }
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
