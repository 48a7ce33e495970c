import { InvalidParameterError } from '../shared/index.js';

/**
 * Page tokens are opaque to clients. Like MLflow's they are base64 of `{"offset": N}`, so a token minted by
 * an MLflow server for the same query also works here. Example: `encodePageToken(1000)` === 'eyJvZmZzZXQiOiAxMDAwfQ=='.
 */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidParameterError(`Invalid page offset ${offset}`);
  }
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$|^[A-Za-z0-9_-]*$/;

/**
 * The JSON value a page token carries, decoded from base64 (standard or URL-safe); InvalidParameterError when the
 * token is not base64 of JSON. Callers check the value's shape.
 */
export function decodePageTokenJson(token: string): { parsed: unknown; decoded: string } {
  const trimmed = token.trim();
  if (!base64.test(trimmed) || trimmed.length % 4 === 1) {
    throw new InvalidParameterError('Invalid page token, could not base64-decode');
  }
  const decoded = Buffer.from(
    trimmed,
    trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64',
  ).toString('utf8');
  try {
    return { parsed: JSON.parse(decoded) as unknown, decoded };
  } catch {
    throw new InvalidParameterError(`Invalid page token, decoded value=${JSON.stringify(decoded)}`);
  }
}

/** The offset of a decoded `{"offset": N}` token; InvalidParameterError when it has no valid offset. */
export function offsetOfTokenJson(parsed: unknown, decoded: string): number {
  const offset =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>).offset
      : undefined;
  const value = typeof offset === 'string' && /^\d+$/.test(offset) ? Number(offset) : offset;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidParameterError(`Invalid page token, parsed value=${decoded}`);
  }
  return value;
}

/** Returns the offset a token stands for: 0 when absent or empty; InvalidParameterError when it is not ours. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const { parsed, decoded } = decodePageTokenJson(token);
  return offsetOfTokenJson(parsed, decoded);
}

/** A page of results and the token of the next one (absent on the last page). */
export interface OffsetPage<T> {
  items: T[];
  nextPageToken?: string;
}

/**
 * Runs a page query asking for one row more than the page holds; that extra row, if present, proves a next
 * page, so the last page never carries a token. Example:
 * `paginate(token, 100, (offset, limit) => db.selectFrom('runs')...offset(offset).limit(limit).execute())`.
 */
export async function paginate<T>(
  pageToken: string | undefined,
  pageSize: number,
  fetch: (offset: number, limit: number) => Promise<T[]>,
): Promise<OffsetPage<T>> {
  const offset = decodePageToken(pageToken);
  const rows = await fetch(offset, pageSize + 1);
  if (rows.length > pageSize) {
    return { items: rows.slice(0, pageSize), nextPageToken: encodePageToken(offset + pageSize) };
  }
  return { items: rows };
}
