import { createReadStream, readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { NumberColumnBuilder, TextColumnBuilder } from './column-builders.js';
import { tokenizeCsv } from './csv-tokenizer.js';
import {
  CSV_MISSING_TOKENS,
  DataFileError,
  parseNumberCell,
  type DataTable,
  type TableColumn,
} from './data-table.js';

/** Options of {@link readCsv}. */
export interface CsvReadOptions {
  /** Columns kept as text even when every cell spells a number (declared categorical: `007` stays `007`). */
  readonly textColumns?: ReadonlySet<string>;
}

/**
 * Reads a CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) or TSV file into typed
 * columns, streaming (the file is never held whole). The first record is the header. The missing tokens
 * ({@link CSV_MISSING_TOKENS}) are missing values.
 *
 * Types: every column starts numeric and is stored as a Float64Array (NaN for missing; `inf` and `-Infinity` are
 * numbers). A column with a cell that is neither missing nor a number is demoted to text, as pandas reads such a
 * column as `object` and Evidently then treats it as categorical. Within the first {@link SAMPLE_ROWS} records
 * (kept as read) the column becomes text on the spot; a column demoted later is read again as text in a second
 * pass over the file (only then). Text cells are interned, one string per
 * distinct value. A record with a different number of fields than the header is an error naming its line.
 * Line numbers of good records are found only when a message needs one (csv-parse's per-record `info` costs four
 * times the parse itself), by parsing the file again.
 */
export async function readCsv(
  file: string,
  delimiter: ',' | '\t',
  options: CsvReadOptions = {},
): Promise<DataTable> {
  const first = await readPass(file, delimiter, (name) => options.textColumns?.has(name) ?? false);
  let result = first;
  if (first.demoted.size > 0) {
    const text = new Set(first.demoted);
    const again = await readPass(
      file,
      delimiter,
      (name, i) => text.has(i) || (options.textColumns?.has(name) ?? false),
    );
    // Numeric columns are kept from the first pass; the second pass only has the text ones right.
    result = { ...again, columns: again.columns.map((c, i) => (text.has(i) ? c : first.columns[i]!)) };
  }
  const { header, columns, rows } = result;
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
    columnNames: header,
    columns: new Map(header.map((name, i) => [name, columns[i]!])),
    rowCount: rows,
    datetimeColumns: new Set(),
    rowLabel: (index) => `row ${index + 1} (line ${lineOf(index) ?? '?'})`,
  };
}

interface Pass {
  readonly header: string[];
  readonly columns: TableColumn[];
  readonly rows: number;
  /** Indexes of columns read as numbers that met a cell that is not one. */
  readonly demoted: Set<number>;
}

async function readPass(
  file: string,
  delimiter: ',' | '\t',
  isText: (name: string, index: number) => boolean,
): Promise<Pass> {
  // The tokenizer first (most files); csv-parse for what it leaves (see csv-tokenizer.ts), from the start.
  const fast = new PassBuilder(file, isText);
  if ((await tokenizeCsv(file, delimiter, (fields) => fast.record(fields))) === 'done') {
    return fast.finish();
  }
  const parser = createReadStream(file).pipe(parse({ ...OPTIONS, delimiter }));
  const slow = new PassBuilder(file, isText);
  try {
    for await (const record of parser as AsyncIterable<string[]>) slow.record(record);
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    if (error instanceof CsvError) throw new DataFileError(file, `not valid CSV: ${error.message}`);
    throw error;
  }
  return slow.finish();
}

/** One pass's columns, record by record (the header first); a record's array may be reused by the caller. */
class PassBuilder {
  private header: string[] | undefined;
  private builders: (NumberColumnBuilder | TextColumnBuilder | undefined)[] = [];
  private readonly demoted = new Set<number>();
  private rows = 0;
  // The first SAMPLE_ROWS records are kept as read, so a column demoted within them becomes text from them
  // (a text column usually shows at its first cell) instead of costing a second pass over the file.
  private readonly sample: string[][] = [];

  constructor(
    private readonly file: string,
    private readonly isText: (name: string, index: number) => boolean,
  ) {}

  record(record: readonly string[]): void {
    if (this.header === undefined) {
      const header = checkHeader(this.file, [...record]);
      this.header = header;
      this.builders = header.map((name, i) =>
        this.isText(name, i) ? new TextColumnBuilder() : new NumberColumnBuilder(),
      );
      return;
    }
    const rows = ++this.rows;
    const sample = this.sample;
    if (rows <= SAMPLE_ROWS) sample.push([...record]);
    else if (sample.length > 0) sample.length = 0;
    const builders = this.builders;
    for (let i = 0; i < record.length; i++) {
      const builder = builders[i];
      if (builder === undefined) continue; // demoted: read again as text
      const cell = record[i]!;
      if (builder instanceof NumberColumnBuilder) {
        // Most cells are plain decimals: checked by a character scan instead of trim, set lookup and regex.
        const plain = plainDecimal(cell);
        if (plain !== undefined) {
          builder.push(plain);
          continue;
        }
      }
      const missing = CSV_MISSING_TOKENS.has(cell.trim());
      if (builder instanceof TextColumnBuilder) {
        builder.push(missing ? null : cell);
        continue;
      }
      if (missing) {
        builder.push(NaN);
        continue;
      }
      const value = parseNumberCell(cell);
      if (value !== undefined) builder.push(value);
      else if (rows <= SAMPLE_ROWS) {
        const text = new TextColumnBuilder();
        for (const kept of sample) text.push(CSV_MISSING_TOKENS.has(kept[i]!.trim()) ? null : kept[i]!);
        builders[i] = text;
      } else {
        this.demoted.add(i);
        builders[i] = undefined;
      }
    }
  }

  finish(): Pass {
    const header = this.header;
    if (header === undefined) throw new DataFileError(this.file, 'the file is empty (no header row)');
    const columns = this.builders.map((b): TableColumn =>
      b === undefined ? [] : b instanceof TextColumnBuilder ? b.cells : b.finish(),
    );
    return { header, columns, rows: this.rows, demoted: this.demoted };
  }
}

const ZERO = 48;
const NINE = 57;

/**
 * The number a cell spells when it is a plain decimal with no surrounding space (`-1.5`, `3`, `.5`, `2e-3`,
 * `1.`): exactly the cells {@link parseNumberCell} accepts through its decimal pattern without trimming, and
 * the same value (`Number`). Anything else (blank, a missing token, `inf`, spaces, text) is undefined and takes
 * the general path.
 */
export function plainDecimal(cell: string): number | undefined {
  const n = cell.length;
  let i = 0;
  let c = cell.charCodeAt(0);
  if (c === 43 || c === 45) c = cell.charCodeAt(++i); // + -
  let digits = 0;
  while (c >= ZERO && c <= NINE) {
    digits++;
    c = cell.charCodeAt(++i);
  }
  if (c === 46) {
    // .
    c = cell.charCodeAt(++i);
    while (c >= ZERO && c <= NINE) {
      digits++;
      c = cell.charCodeAt(++i);
    }
  }
  if (digits === 0) return undefined;
  if (c === 101 || c === 69) {
    // e E
    c = cell.charCodeAt(++i);
    if (c === 43 || c === 45) c = cell.charCodeAt(++i);
    let exponent = 0;
    while (c >= ZERO && c <= NINE) {
      exponent++;
      c = cell.charCodeAt(++i);
    }
    if (exponent === 0) return undefined;
  }
  return i === n ? Number(cell) : undefined;
}

/** Records kept as text while reading, to turn a column demoted early into text without a second pass. */
const SAMPLE_ROWS = 1000;

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
