/**
 * A LIKE pattern broken into its parts, so that one pattern can be rendered for each engine with the same
 * meaning: `%` any run of characters, `_` exactly one character, and a backslash before `%`, `_` or `\`
 * making that character literal. A backslash before anything else is an ordinary character (so
 * `'C:\data%'` means what it says).
 */
export type LikePart = { kind: 'any' } | { kind: 'one' } | { kind: 'literal'; text: string };

export function parseLikePattern(pattern: string): LikePart[] {
  const parts: LikePart[] = [];
  const pushLiteral = (ch: string): void => {
    const last = parts[parts.length - 1];
    if (last?.kind === 'literal') last.text += ch;
    else parts.push({ kind: 'literal', text: ch });
  };
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const next = chars[i + 1];
    if (ch === '\\' && (next === '%' || next === '_' || next === '\\')) {
      pushLiteral(next);
      i++;
    } else if (ch === '%') {
      if (parts[parts.length - 1]?.kind !== 'any') parts.push({ kind: 'any' });
    } else if (ch === '_') {
      parts.push({ kind: 'one' });
    } else {
      pushLiteral(ch);
    }
  }
  return parts;
}

/** Renders for `LIKE ... ESCAPE '\'` (both engines). */
export function toLikeWithBackslashEscape(parts: readonly LikePart[]): string {
  return parts
    .map((p) =>
      p.kind === 'any' ? '%' : p.kind === 'one' ? '_' : p.text.replace(/[\\%_]/g, (c) => `\\${c}`),
    )
    .join('');
}

/** Renders for SQLite's case-sensitive GLOB: `*`, `?`, and `[x]` to make a special character literal. */
export function toGlob(parts: readonly LikePart[]): string {
  return parts
    .map((p) => (p.kind === 'any' ? '*' : p.kind === 'one' ? '?' : p.text.replace(/[*?[]/g, (c) => `[${c}]`)))
    .join('');
}
