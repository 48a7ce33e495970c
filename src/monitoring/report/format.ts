/** Compact number for people: 4 significant digits, scientific below 1e-4, `inf` and `nan` spelled out. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs < 1e-4 || abs >= 1e9) return x.toExponential(2);
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(4)));
}

/** A share as a percentage with one decimal. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * Makes an untrusted string (a column name, a category) safe to print on a terminal: control characters,
 * including the escape that starts ANSI sequences, become `\uXXXX`; long text is shortened.
 */
export function terminalSafe(text: string, max = 40): string {
  let clean = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    clean += control ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
