import { createHash } from 'node:crypto';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { findTextFault, InvalidParameterError } from '../shared/index.js';
import type { RunOrderAst } from './ast.js';
import { decodePageTokenJson, offsetOfTokenJson } from './page-token.js';
import type { OrderTerm, SortKeyKind } from './run-order.js';

/** One value of a sort key, typed for binding: integers as bigint, doubles as number, strings, or NULL. */
export type SortValue = bigint | number | string | null;

/** A run's sort key: one value per sort term (see `runSortTerms`), ending the search order's ties. */
export type SortKey = readonly SortValue[];

/** Where a page starts: after a number of runs (an offset token, or none), or after a given sort key. */
export type PageStart = { kind: 'offset'; offset: number } | { kind: 'after'; key: SortKey };

/** The version written into keyset tokens; a token of another version is refused. */
const KEYSET_VERSION = 1;

/**
 * A short digest of the parsed order-by: a keyset token answers only the order it was made for (the same
 * clauses, however they were spelled), so a token moved to another search is refused, not misread.
 */
function orderFingerprint(order: RunOrderAst): string {
  return createHash('sha256').update(JSON.stringify(order)).digest('base64url').slice(0, 16);
}

/** Reads one sort key value as a row returned it (engines differ: PostgreSQL returns int8 as a string). */
function readValue(kind: SortKeyKind, raw: unknown): SortValue {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case 'int':
      return typeof raw === 'bigint' ? raw : BigInt(String(raw));
    case 'real':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'text':
      return String(raw);
  }
}

/** The sort key of a row that selected `k0`, `k1`, ... (see `selectSortKeys`). */
export function rowSortKey(row: Record<string, unknown>, terms: readonly OrderTerm[]): SortKey {
  return terms.map((t, i) => readValue(t.kind, row[`k${i}`]));
}

/** A key value as written in a token: a string (numbers in their exact decimal form) or null. */
function writeValue(value: SortValue): string | null {
  return value === null ? null : String(value);
}

const intPattern = /^-?\d{1,20}$/;
const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function parseValue(kind: SortKeyKind, nullable: boolean, raw: unknown, decoded: string): SortValue {
  const bad = (): InvalidParameterError =>
    new InvalidParameterError(`Invalid page token, parsed value=${decoded.slice(0, 200)}`);
  if (raw === null) {
    if (!nullable) throw bad();
    return null;
  }
  if (typeof raw !== 'string') throw bad();
  switch (kind) {
    case 'int': {
      if (!intPattern.test(raw)) throw bad();
      const n = BigInt(raw);
      if (n < int64.min || n > int64.max) throw bad();
      return n;
    }
    case 'real': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      if (Number.isNaN(n)) throw bad();
      return n;
    }
    case 'text':
      // no stored value holds NUL (PostgreSQL refuses it: a 500) or a lone surrogate (stored as U+FFFD)
      if (findTextFault(raw) !== undefined) throw bad();
      return raw;
  }
}

/**
 * The token of the page that follows a row with sort key `key`: base64url of
 * `{"v": 1, "o": <order digest>, "k": [values as strings or null]}`. Opaque to clients; see `decodeRunPageStart`.
 */
export function encodeRunPageToken(order: RunOrderAst, key: SortKey): string {
  const body = { v: KEYSET_VERSION, o: orderFingerprint(order), k: key.map(writeValue) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * Where the page a token asks for starts. No token: the first page. A keyset token (made by
 * `encodeRunPageToken`) must carry this version, the digest of this order-by and one value of the right type
 * per sort term. An offset token (`{"offset": N}`, as earlier Bosun versions and MLflow make them) still pages
 * by offset. Anything else is an InvalidParameterError (HTTP 400 INVALID_PARAMETER_VALUE), never a query.
 */
export function decodeRunPageStart(
  token: string | undefined,
  order: RunOrderAst,
  terms: readonly OrderTerm[],
): PageStart {
  if (token === undefined || token.trim() === '') return { kind: 'offset', offset: 0 };
  const { parsed, decoded } = decodePageTokenJson(token);
  const body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  if (body === undefined || !('v' in body))
    return { kind: 'offset', offset: offsetOfTokenJson(parsed, decoded) };
  const { v, o, k } = body as Record<string, unknown>;
  if (v !== KEYSET_VERSION) {
    throw new InvalidParameterError(
      `Invalid page token: version ${JSON.stringify(v)} is not one this server reads; search again from the first page.`,
    );
  }
  if (o !== orderFingerprint(order)) {
    throw new InvalidParameterError(
      'Invalid page token: it was made for a search with a different order_by; search again from the first page.',
    );
  }
  if (!Array.isArray(k) || k.length !== terms.length) {
    throw new InvalidParameterError(`Invalid page token, parsed value=${decoded.slice(0, 200)}`);
  }
  const key = terms.map((t, i) => parseValue(t.kind, t.nullable, k[i], decoded));
  return { kind: 'after', key };
}

function later(t: OrderTerm, v: SortValue): RawBuilder<SqlBool> {
  if (v === null) return sql<SqlBool>`1 = 0`; // NULLs sort last: nothing of this term follows them
  const beyond = sql<SqlBool>`${t.expr} ${sql.raw(t.ascending ? '>' : '<')} ${v}`;
  return t.nullable ? sql<SqlBool>`(${beyond} or ${t.expr} is null)` : beyond;
}

function same(t: OrderTerm, v: SortValue): RawBuilder<SqlBool> {
  return v === null ? sql<SqlBool>`${t.expr} is null` : sql<SqlBool>`${t.expr} = ${v}`;
}

/**
 * True for the runs that sort strictly after sort key `key` under `terms`: later on the first term, or the same
 * there and later on the rest (NULLs last). The terms end ties at the run id, so no run is both before and after.
 */
export function sortsAfter(terms: readonly OrderTerm[], key: SortKey): RawBuilder<SqlBool> {
  let condition: RawBuilder<SqlBool> | undefined;
  for (let i = terms.length - 1; i >= 0; i--) {
    const t = terms[i] as OrderTerm;
    const v = key[i] ?? null;
    condition =
      condition === undefined
        ? later(t, v)
        : sql<SqlBool>`(${later(t, v)} or (${same(t, v)} and ${condition}))`;
  }
  return condition ?? sql<SqlBool>`1 = 0`;
}
