/** Plain-text aligned tables for the CLI's human output. */

export interface Column {
  header: string;
  /** Numbers read best right-aligned. Default left. */
  align?: 'left' | 'right';
  /** Longer cells are cut and end with '…'. */
  maxWidth?: number;
}

const gap = '  ';

/** Width in terminal cells, counting code points (good enough for the ASCII-heavy content of ids and keys). */
function width(text: string): number {
  return [...text].length;
}

/** Control characters (a tab or newline in a tag value) would break the alignment; show them as spaces. */
function clean(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  return out;
}

function truncate(text: string, maxWidth: number | undefined): string {
  if (maxWidth === undefined || width(text) <= maxWidth) return text;
  if (maxWidth <= 1) return '…'.slice(0, maxWidth);
  return `${[...text].slice(0, maxWidth - 1).join('')}…`;
}

function pad(text: string, size: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Formats rows under a header and a dashed rule, columns two spaces apart, no trailing spaces.
 * Missing cells print as empty. Example:
 * ```
 * formatTable([{ header: 'ID' }, { header: 'ACC', align: 'right' }], [['a1', '0.9'], ['b22', '0.95']])
 * // ID    ACC
 * // ---  ----
 * // a1    0.9
 * // b22  0.95
 * ```
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => columns.map((column, i) => truncate(clean(row[i] ?? ''), column.maxWidth)));
  const headers = columns.map((column) => truncate(clean(column.header), column.maxWidth));
  const widths = columns.map((_, i) =>
    Math.max(width(headers[i] ?? ''), ...cells.map((row) => width(row[i] ?? ''))),
  );
  const line = (values: readonly string[], alignOf: (i: number) => 'left' | 'right'): string =>
    values
      .map((value, i) => pad(value, widths[i] ?? 0, alignOf(i)))
      .join(gap)
      .trimEnd();
  const lines = [
    line(headers, (i) => columns[i]?.align ?? 'left'),
    line(
      widths.map((w) => '-'.repeat(w)),
      () => 'left',
    ),
    ...cells.map((row) => line(row, (i) => columns[i]?.align ?? 'left')),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Formats `label: value` pairs with the values aligned, for single-record views such as `runs get`.
 * Example: `formatKeyValues([['Run ID', 'abc'], ['Status', 'FINISHED']])` gives `Run ID:  abc\nStatus:  FINISHED\n`.
 */
export function formatKeyValues(pairs: readonly (readonly [string, string])[]): string {
  const labelWidth = Math.max(0, ...pairs.map(([label]) => width(label) + 1));
  return pairs
    .map(([label, value]) => `${pad(`${label}:`, labelWidth, 'left')}  ${clean(value)}`.trimEnd() + '\n')
    .join('');
}
