import { createReadStream, readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { CSV_MISSING_TOKENS, DataFileError, type Cell, type DataTable } from './data-table.js';

/**
 * Reads a CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) or TSV file into columns,
 * streaming. The first record is the header. Cells stay text; the missing tokens ({@link CSV_MISSING_TOKENS})
 * become null. A record with a different number of fields than the header is an error naming its line.
 * Line numbers of good records are found only when a message needs one (csv-parse's per-record `info` costs four
 * times the parse itself), by parsing the file again.
 */
export async function readCsv(file: string, delimiter: ',' | '\t'): Promise<DataTable> {
  const parser = createReadStream(file).pipe(parse({ ...OPTIONS, delimiter }));
  let header: string[] | undefined;
  const columns: Cell[][] = [];
  let rows = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header === undefined) {
        header = checkHeader(file, record);
        for (let i = 0; i < header.length; i++) columns.push([]);
        continue;
      }
      rows++;
      for (let i = 0; i < record.length; i++) {
        const cell = record[i]!;
        columns[i]!.push(CSV_MISSING_TOKENS.has(cell.trim()) ? null : cell);
      }
    }
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    if (error instanceof CsvError) throw new DataFileError(file, `not valid CSV: ${error.message}`);
    throw error;
  }
  if (header === undefined) throw new DataFileError(file, 'the file is empty (no header row)');
  const names = header;
  let lines: number[] | undefined;
  const lineOf = (index: number): number | undefined => {
    if (lines === undefined) {
      try {
        const records = parseSync(readFileSync(file), { ...OPTIONS, delimiter, info: true }) as unknown;
        lines = (records as { info: { lines: number } }[]).map((r) => r.info.lines);
      } catch {
        lines = []; // the file changed since it was read: the message says '?' rather than fail
      }
    }
    return lines[index + 1];
  };
  return {
    file,
    format: delimiter === ',' ? 'csv' : 'tsv',
    columnNames: names,
    columns: new Map(names.map((name, i) => [name, columns[i]!])),
    rowCount: rows,
    datetimeColumns: new Set(),
    rowLabel: (index) => `row ${index + 1} (line ${lineOf(index) ?? '?'})`,
  };
}

const OPTIONS = { bom: true, skip_empty_lines: true, relax_column_count: false } as const;

function checkHeader(file: string, record: string[]): string[] {
  const seen = new Set<string>();
  record.forEach((name, i) => {
    if (name.trim() === '') throw new DataFileError(file, `header: column ${i + 1} has no name`);
    if (seen.has(name))
      throw new DataFileError(file, `header: column name ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  });
  return record;
}
