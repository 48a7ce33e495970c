import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { CSV_MISSING_TOKENS, DataFileError, type Cell, type DataTable } from './data-table.js';

/**
 * Reads a CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) or TSV file into columns,
 * streaming. The first record is the header. Cells stay text; the missing tokens ({@link CSV_MISSING_TOKENS})
 * become null. A record with a different number of fields than the header is an error naming its line.
 */
export async function readCsv(file: string, delimiter: ',' | '\t'): Promise<DataTable> {
  const parser = createReadStream(file).pipe(
    parse({ delimiter, bom: true, skip_empty_lines: true, relax_column_count: false, info: true }),
  );
  let header: string[] | undefined;
  const columns: Cell[][] = [];
  const lines: number[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (header === undefined) {
        header = checkHeader(file, record);
        for (let i = 0; i < header.length; i++) columns.push([]);
        continue;
      }
      lines.push(info.lines);
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
  return {
    file,
    format: delimiter === ',' ? 'csv' : 'tsv',
    columnNames: names,
    columns: new Map(names.map((name, i) => [name, columns[i]!])),
    rowCount: lines.length,
    datetimeColumns: new Set(),
    rowLabel: (index) => `row ${index + 1} (line ${lines[index] ?? '?'})`,
  };
}

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
