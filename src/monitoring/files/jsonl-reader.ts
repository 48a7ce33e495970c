import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DataFileError, quote, typedColumn, type Cell, type DataTable } from './data-table.js';

/**
 * Reads a JSON lines file: one JSON object per line, blank lines skipped. Values must be numbers, strings,
 * booleans or null; a nested array or object is an error naming the line and the key. Columns are the keys in the
 * order they first appear; a row without a key holds null there.
 */
export async function readJsonLines(file: string): Promise<DataTable> {
  const columns = new Map<string, Cell[]>();
  const lines: number[] = [];
  const reader = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of reader) {
    lineNo++;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DataFileError(file, `line ${lineNo}: not valid JSON (${reason})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DataFileError(file, `line ${lineNo}: expected a JSON object, found ${quote(parsed)}`);
    }
    const row = lines.length;
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      let column = columns.get(key);
      if (column === undefined) {
        column = new Array<Cell>(row).fill(null);
        columns.set(key, column);
      }
      column.push(toCell(file, lineNo, key, value));
    }
    lines.push(lineNo);
    for (const column of columns.values()) if (column.length === row) column.push(null);
  }
  return {
    file,
    format: 'jsonl',
    columnNames: [...columns.keys()],
    columns: new Map([...columns].map(([name, cells]) => [name, typedColumn(cells)])),
    rowCount: lines.length,
    datetimeColumns: new Set(),
    rowLabel: (index) => `line ${lines[index] ?? '?'}`,
  };
}

function toCell(file: string, line: number, key: string, value: unknown): Cell {
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  throw new DataFileError(
    file,
    `line ${line}, column ${quote(key)}: nested values are not supported (found ${quote(value)})`,
  );
}
