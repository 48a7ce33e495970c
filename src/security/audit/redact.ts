/**
 * Redaction applied to everything an audit record may carry before it is hashed and stored: secrets and
 * passwords must never reach the log. Conservative on purpose: a harmless field named like a secret (say
 * `page_token`) is redacted too.
 */

export const REDACTED = '[REDACTED]';

/** Key fragments (lowercase, separators removed) whose values are always redacted, at any depth. */
const sensitiveKeyFragments = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'authorization',
  'apikey',
  'accesskey',
  'privatekey',
  'masterkey',
  'credential',
  'cookie',
  'sessionid',
];

/** Keys that hold a secret's value when the record is about a secret (`{ secretValues: true }`). */
const secretValueKeys = new Set(['value', 'values', 'data', 'plaintext', 'ciphertext']);

const MAX_DEPTH = 32;

export interface RedactOptions {
  /** The record concerns a stored secret: also redact `value`, `data`, `plaintext`, … keys. */
  secretValues?: boolean;
}

/** Lowercase and drop separators, so `API-Key`, `api_key` and `apiKey` all become `apikey`. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** True when a value stored under `key` must not be recorded. */
export function isSensitiveKey(key: string, options: RedactOptions = {}): boolean {
  const k = normalizeKey(key);
  if (options.secretValues && secretValueKeys.has(k)) return true;
  return sensitiveKeyFragments.some((fragment) => k.includes(fragment));
}

const credentialPatterns: readonly [RegExp, string][] = [
  // Authorization header values: `Bearer abc.def`, `Basic dXNlcjpwYXNz`.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  // Passwords in URLs: `postgresql://user:pass@host`.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]*@/gi, `$1:${REDACTED}@`],
  // `password=…`, `api_key: …`, `?token=…` inside free text or query strings.
  [
    /\b([A-Za-z0-9_-]*(?:password|passwd|secret|token|api[_-]?key|authorization)[A-Za-z0-9_-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;]+)/gi,
    `$1$2${REDACTED}`,
  ],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

/** Replaces anything in a free-text string that looks like a credential. */
export function redactString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of credentialPatterns) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Returns a JSON-safe copy of `value` with sensitive keys' values replaced by `[REDACTED]` (case-insensitive,
 * nested in objects and arrays) and credential-looking strings scrubbed. Non-JSON values become JSON ones:
 * bigint and Date as strings, non-finite numbers as null, binary as a placeholder; undefined members are dropped.
 */
export function redact(value: unknown, options: RedactOptions = {}): unknown {
  return walk(value, options, 0);
}

function walk(value: unknown, options: RedactOptions, depth: number): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return redactString(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    case 'function':
    case 'symbol':
    case 'undefined':
      return null;
  }
  if (depth >= MAX_DEPTH) return '[TRUNCATED]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return '[BINARY]';
  if (Array.isArray(value)) return value.map((item: unknown) => walk(item, options, depth + 1));
  if (value instanceof Map) return walk(Object.fromEntries(value), options, depth);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    out[key] = isSensitiveKey(key, options) ? REDACTED : walk(member, options, depth + 1);
  }
  return out;
}
