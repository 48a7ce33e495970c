/**
 * A small RFC 4180 reader for CSV and TSV previews: quoted fields (with doubled quotes and line breaks inside),
 * CRLF or LF. Stops after `maxRows` rows; a file cut short (read in part) loses only its unfinished last row.
 * Example: `parseDelimited('a,b\n1,"x, y"\n', ',', 100)` ⇒ `{ rows: [['a','b'],['1','x, y']], truncated: false }`.
 */
export function parseDelimited(
  text: string,
  separator: ',' | '\t',
  maxRows: number,
): { rows: string[][]; truncated: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === separator) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (rows.length >= maxRows) return { rows, truncated: i + 1 < text.length };
    } else field += c;
    i += 1;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return { rows, truncated: false };
}
