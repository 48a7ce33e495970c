import { createHash } from 'node:crypto';
import type { AuditLogTable } from '../../db/index.js';

/** The id of the single `audit_head` row. */
export const AUDIT_HEAD_ID = 1;

/**
 * JSON with object keys sorted (recursively) and no whitespace, so the same value always serializes to the
 * same bytes. Accepts only JSON values (as produced by `redact`).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
}

/** The columns a record's hash covers: every stored column except `hash` itself. */
export interface HashedFields {
  seq: number;
  prev_hash: string;
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
}

/** Version of the hashed serialization, part of the hashed text so a future format cannot collide. */
const CHAIN_FORMAT = 1;

/** SHA-256 (lowercase hex) over the canonical serialization of a record's fields, prev_hash and seq. */
export function recordHash(fields: HashedFields): string {
  const canonical = canonicalJson({
    v: CHAIN_FORMAT,
    seq: fields.seq,
    prev_hash: fields.prev_hash,
    at: fields.at,
    actor: fields.actor,
    action: fields.action,
    resource_type: fields.resource_type,
    resource_id: fields.resource_id,
    outcome: fields.outcome,
    status_code: fields.status_code,
    request_id: fields.request_id,
    client_address: fields.client_address,
    details: fields.details,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** PostgreSQL bigint columns arrive as numbers through the handle's parser; SQLite's may need coercion too. */
export function normalizeAuditRow(row: AuditLogTable): AuditLogTable {
  return {
    ...row,
    seq: Number(row.seq),
    at: Number(row.at),
    status_code: row.status_code === null ? null : Number(row.status_code),
  };
}
