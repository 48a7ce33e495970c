/**
 * Streaming masking of secret values in a step's stdout/stderr before they are stored or streamed.
 *
 * Every secret value is turned into a set of byte patterns (its plain UTF-8 form, base64 standard and URL-safe
 * with and without padding plus the three alignments inside a longer base64 text, URL-encoded, JSON-escaped,
 * each line of a multi-line value); every occurrence of any pattern is replaced by `***`. Overlapping or touching
 * occurrences become one `***`. The masker works on bytes (latin1 strings, one char per byte) so text without
 * secrets passes through byte for byte, and it keeps the last (longest pattern - 1) bytes between writes so a
 * value split across writes is still caught.
 *
 * Limitation: a secret that itself contains `*` could in theory be re-formed by `***` next to surrounding text.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidParameterError } from '../../shared/index.js';

/** The replacement written in place of a secret. */
export const SECRET_MASK = '***';
/** Shorter values are refused: masking them would destroy logs. */
export const MIN_SECRET_LENGTH = 4;

/** A secret value too short to be masked without destroying logs. */
export class SecretTooShortError extends InvalidParameterError {
  constructor(readonly secretName: string) {
    super(
      `secret ${secretName} is shorter than ${MIN_SECRET_LENGTH} characters: it cannot be masked in logs without ` +
        `destroying them; use a longer value`,
    );
  }
}

/** Refuses a value shorter than {@link MIN_SECRET_LENGTH} characters; `name` names it (never the value). */
export function assertMaskableSecret(name: string, value: string): void {
  if ([...value].length < MIN_SECRET_LENGTH) throw new SecretTooShortError(name);
}

const latin1 = (bytes: Buffer): string => bytes.toString('latin1');
const utf8Bytes = (text: string): string => latin1(Buffer.from(text, 'utf8'));
const urlSafe = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_');

function base64Patterns(bytes: Buffer): string[] {
  const whole = bytes.toString('base64');
  const out = [whole, whole.replace(/=+$/, '')];
  // Inside a longer base64 text the value starts at byte offset 0, 1 or 2 of a 3-byte group: keep only the
  // characters that depend on the value's bytes alone.
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64');
    const start = [0, 2, 3][offset] ?? 0;
    const end = Math.floor((padded.length * 8) / 6);
    const stable = encoded.slice(start, end);
    if (stable.length >= MIN_SECRET_LENGTH) out.push(stable);
  }
  return [...out, ...out.map(urlSafe)];
}

/** Replaces lone surrogates with U+FFFD (what UTF-8 encoding does), so encodeURIComponent cannot throw. */
function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function jsonAscii(escaped: string): string {
  return escaped.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function valuePatterns(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  // toWellFormed: a lone surrogate would make encodeURIComponent throw; UTF-8 output replaces it with U+FFFD.
  const uri = encodeURIComponent(wellFormed(value));
  const json = JSON.stringify(value).slice(1, -1);
  const text = [
    value,
    uri,
    uri.replace(/%20/g, '+'),
    uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    new URLSearchParams({ v: value }).toString().slice(2),
    json,
    jsonAscii(json),
  ];
  return [...text.map(utf8Bytes), ...base64Patterns(bytes)];
}

/** Every byte pattern (as a latin1 string) masked for these secret values, longest first. */
export function secretPatterns(values: readonly string[]): string[] {
  const all = new Set<string>();
  for (const value of values) {
    const variants = new Set([value, value.replace(/\r?\n/g, '\r\n'), value.replace(/\r\n/g, '\n')]);
    for (const line of value.split(/\r\n|\n|\r/)) {
      if ([...line].length >= MIN_SECRET_LENGTH) variants.add(line);
    }
    for (const variant of variants) for (const p of valuePatterns(variant)) if (p !== '') all.add(p);
  }
  return [...all].sort((a, b) => b.length - a.length);
}

/**
 * Masks secret values in a byte stream: `write` returns what can be emitted now, `end` the rest.
 *
 * Example: `const m = new SecretMasker(['hunter22']); m.write(Buffer.from('pw=hun')); m.write(Buffer.from('ter22'));
 * m.end() // concatenated output: 'pw=***'`
 */
export class SecretMasker {
  readonly #patterns: string[];
  readonly #hold: number;
  #held = '';
  /** Bytes at the start of `#held` already covered by an emitted `***`. */
  #maskedPrefix = 0;

  /** @param values secret values (each at least {@link MIN_SECRET_LENGTH} characters). */
  constructor(values: readonly string[]) {
    values.forEach((v, i) => assertMaskableSecret(`#${i + 1}`, v));
    this.#patterns = secretPatterns(values);
    this.#hold = Math.max(0, (this.#patterns[0]?.length ?? 0) - 1);
  }

  /** Masks one chunk; returns the bytes that are safe to emit now (possibly empty). */
  write(chunk: Buffer | string): Buffer {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    return this.#process(this.#held + latin1(bytes), false);
  }

  /** Flushes what is held back; the masker must not be written to afterwards. */
  end(): Buffer {
    return this.#process(this.#held, true);
  }

  #process(buffer: string, final: boolean): Buffer {
    if (this.#patterns.length === 0) {
      this.#held = '';
      return Buffer.from(buffer, 'latin1');
    }
    const intervals = this.#coveredIntervals(buffer);
    const cut = final ? buffer.length : Math.max(0, buffer.length - this.#hold);
    let out = '';
    let position = 0;
    let maskedUntil = this.#maskedPrefix;
    for (const [start, end] of intervals) {
      if (start >= cut) break;
      out += buffer.slice(position, start);
      const continuesEarlierMask = start === 0 && this.#maskedPrefix > 0;
      if (!continuesEarlierMask) out += SECRET_MASK;
      position = end;
      maskedUntil = end;
    }
    if (position < cut) {
      out += buffer.slice(position, cut);
    }
    this.#held = buffer.slice(cut);
    this.#maskedPrefix = Math.max(0, maskedUntil - cut);
    return Buffer.from(out, 'latin1');
  }

  /** Merged [start, end) ranges covered by any pattern occurrence (touching ranges merge). */
  #coveredIntervals(buffer: string): Array<[number, number]> {
    const raw: Array<[number, number]> = [];
    if (this.#maskedPrefix > 0) raw.push([0, this.#maskedPrefix]);
    for (const pattern of this.#patterns) {
      for (let at = buffer.indexOf(pattern); at !== -1; at = buffer.indexOf(pattern, at + 1)) {
        raw.push([at, at + pattern.length]);
      }
    }
    raw.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged: Array<[number, number]> = [];
    for (const [start, end] of raw) {
      const last = merged[merged.length - 1];
      if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
  }
}

/** A Transform stream that masks secret values (see {@link SecretMasker}). */
export function secretMaskingStream(values: readonly string[]): Transform {
  const masker = new SecretMasker(values);
  return new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
      const out = masker.write(chunk);
      callback(null, out.length > 0 ? out : undefined);
    },
    flush(callback: TransformCallback): void {
      const out = masker.end();
      callback(null, out.length > 0 ? out : undefined);
    },
  });
}
