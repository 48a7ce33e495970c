import { InvalidParameterError } from '../../shared/index.js';

/** The file formats `bosun drift` reads. */
export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

/**
 * One cell of a column that is not all numbers: text, or the JSON lines and Parquet values as they come (a mix of
 * kinds stays a mix). Missing values are `null`.
 */
export type Cell = number | string | boolean | null;

/**
 * A column as a reader hands it over: a Float64Array when every non-missing cell is a number (NaN marks a missing
 * value; 8 bytes a row), otherwise its cells. CSV cells that spell numbers are numbers; in JSON lines and Parquet
 * a string is a string.
 */
export type TableColumn = Float64Array | readonly Cell[];

/**
 * A file read into columns, in memory. Column names come from the file and are untrusted: they are kept in a
 * Map, never used as object keys without a null prototype.
 */
export interface DataTable {
  readonly file: string;
  readonly format: TableFormat;
  /** Column names in file order. */
  readonly columnNames: readonly string[];
  readonly columns: ReadonlyMap<string, TableColumn>;
  readonly rowCount: number;
  /** Parquet date and timestamp columns (their cells are ISO-8601 strings). */
  readonly datetimeColumns: ReadonlySet<string>;
  /** Where a row is in the file, for messages: `row 3 (line 4)` for CSV, `line 7` for JSON lines. */
  rowLabel(index: number): string;
}

/**
 * Bad input in a data file: the message starts with the file and names the row and column where there is one.
 * An InvalidParameterError, so callers that map Bosun errors treat it as bad input.
 */
export class DataFileError extends InvalidParameterError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Cells treated as missing in CSV files (as pandas' default `na_values` does for the common spellings). */
export const CSV_MISSING_TOKENS: ReadonlySet<string> = new Set([
  '',
  'NA',
  'N/A',
  'NaN',
  'nan',
  'null',
  'NULL',
  'None',
]);

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(inf|infinity)$/i;

/** A CSV cell as a number, or undefined when it is not one (`1`, `-2.5e3`, `inf` and `-Infinity` are numbers). */
export function parseNumberCell(text: string): number | undefined {
  const t = text.trim();
  if (DECIMAL.test(t)) return Number(t);
  const inf = INFINITY.exec(t);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

/** Quotes an untrusted value for an error message (JSON string syntax, shortened). */
export function quote(value: unknown): string {
  const text = JSON.stringify(typeof value === 'bigint' ? value.toString() : value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A column of cells as a Float64Array when every non-null cell is a number (NaN for null), else the cells as
 * they are. Used by the JSON lines and Parquet readers once a file is read.
 */
export function typedColumn(cells: readonly Cell[]): TableColumn {
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell === null) out[i] = NaN;
    else if (typeof cell === 'number') out[i] = cell;
    else return cells;
  }
  return out;
}
