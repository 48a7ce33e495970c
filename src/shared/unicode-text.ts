/**
 * Well-formedness of caller text. A JavaScript string is a sequence of UTF-16 code units and may hold a lone
 * surrogate (JSON.parse makes one from `"\ud800"`); UTF-8 cannot encode it, so a database driver or
 * `Buffer.from` silently replaces it (PostgreSQL's driver with U+FFFD; better-sqlite3 writes bytes that are not
 * UTF-8 and reads them back as U+FFFD). NUL is refused by PostgreSQL in text. Text that has neither reads back
 * from either engine exactly as it was written.
 */

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const loneSurrogateOrNul = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/g;

/** What is wrong with a piece of text, at which UTF-16 offset. */
export interface TextFault {
  kind: 'lone_surrogate' | 'nul';
  /** Offset in UTF-16 code units. */
  index: number;
  /** The offending code unit, e.g. 0xd800 (0 for NUL). */
  codeUnit: number;
}

/** True when `text` has no lone surrogate: it converts to UTF-8 and back unchanged. */
export function isWellFormedText(text: string): boolean {
  return !loneSurrogate.test(text);
}

/** The first lone surrogate or NUL in `text`, if any. Example: `findTextFault('a\u0000')` → `{kind: 'nul', index: 1, codeUnit: 0}`. */
export function findTextFault(text: string): TextFault | undefined {
  loneSurrogateOrNul.lastIndex = 0;
  const match = loneSurrogateOrNul.exec(text);
  if (match === null) return undefined;
  const codeUnit = match[0].charCodeAt(0);
  return { kind: codeUnit === 0 ? 'nul' : 'lone_surrogate', index: match.index, codeUnit };
}

/** `\ud800`-style spelling of one UTF-16 code unit (lowercase hex, four digits), as JSON writes it. */
export function codeUnitEscape(codeUnit: number): string {
  return `\\u${codeUnit.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every lone surrogate and NUL written out as its `\uXXXX` escape, everything else (pairs, U+FFFD,
 * combining marks, other controls) unchanged. The result is well-formed and NUL-free, so it is stored and read
 * back byte for byte by SQLite and PostgreSQL. Deterministic; not reversible (a literal `\ud800` typed by the
 * caller looks the same), which is fine for evidence and for display.
 * Example: `toStorableText('\ud800x\u0000')` → `'\\ud800x\\u0000'`.
 */
export function toStorableText(text: string): string {
  return text.replace(loneSurrogateOrNul, (unit) => codeUnitEscape(unit.charCodeAt(0)));
}

/**
 * `text` shortened to at most `max` UTF-16 code units, ending with `…` when it was cut, never between the two
 * halves of a surrogate pair. Example: `clipText('a😀', 2)` → `'…'`.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
