import { InvalidParameterError } from '../../shared/index.js';
import type { ColumnData, ColumnType, ColumnValue } from '../stats/index.js';
import { DataFileError, parseNumberCell, quote, type Cell, type DataTable } from './data-table.js';

/** The types a user may declare for a column on the command line. */
export type DeclaredColumnType = 'numerical' | 'categorical';

export interface DriftColumnsOptions {
  /** Compare only these columns (each must be in both files). Default: every column; both files must match. */
  readonly columns?: readonly string[];
  /** Declared types; other columns are inferred by the drift preset. */
  readonly columnTypes?: ReadonlyMap<string, DeclaredColumnType>;
}

/**
 * Two files' columns, typed consistently, ready for `datasetDrift`. Records have a null prototype. Numeric
 * columns are the readers' Float64Arrays, not copies.
 */
export interface DriftColumns {
  readonly columns: readonly string[];
  readonly reference: Readonly<Record<string, ColumnData>>;
  readonly current: Readonly<Record<string, ColumnData>>;
  /** Declared types plus datetime for Parquet date/timestamp columns. */
  readonly columnTypes: Readonly<Record<string, ColumnType>>;
}

type Kind = 'number' | 'boolean' | 'other';

/**
 * Lines two tables up column by column and gives each column one representation on both sides:
 * - numbers when every non-missing cell of both files is a number (CSV text that parses as one counts), or when the
 *   column is declared numerical (then any other cell is an error naming file, row and column);
 * - a column that is numeric in one file but not in the other is an error at the first non-numeric cell;
 * - booleans when both sides hold only booleans, otherwise text (so `1` in JSON and `"1"` in CSV are the same
 *   category).
 * A column missing from one side, or with no non-missing value on one side, is an error naming the file.
 */
export function driftColumns(
  reference: DataTable,
  current: DataTable,
  options: DriftColumnsOptions = {},
): DriftColumns {
  const selected = options.columns ?? reference.columnNames;
  for (const name of selected) {
    for (const table of [reference, current]) {
      if (!table.columns.has(name)) throw new DataFileError(table.file, `has no column ${quote(name)}`);
    }
  }
  if (options.columns === undefined) {
    const extra = current.columnNames.find((n) => !reference.columns.has(n));
    if (extra !== undefined) {
      throw new DataFileError(
        reference.file,
        `has no column ${quote(extra)} (it is in ${current.file}); pass --columns to compare a subset`,
      );
    }
  }
  for (const name of options.columnTypes?.keys() ?? []) {
    if (!selected.includes(name)) {
      throw new InvalidParameterError(`--column-type names ${quote(name)}, which is not a compared column`);
    }
  }
  const ref: Record<string, ColumnData> = Object.create(null) as Record<string, ColumnData>;
  const cur: Record<string, ColumnData> = Object.create(null) as Record<string, ColumnData>;
  const types: Record<string, ColumnType> = Object.create(null) as Record<string, ColumnType>;
  for (const name of selected) {
    const sides = [reference, current] as const;
    for (const table of sides) {
      if (allMissing(table.columns.get(name)!)) {
        throw new DataFileError(table.file, `column ${quote(name)} has no non-missing values`);
      }
    }
    const declared = options.columnTypes?.get(name);
    if (declared !== undefined) types[name] = declared;
    else if (reference.datetimeColumns.has(name) || current.datetimeColumns.has(name))
      types[name] = 'datetime';
    const kinds = sides.map((t) => kindOf(t, name));
    if (declared === 'numerical' || (declared === undefined && kinds.includes('number'))) {
      const [r, c] = sides.map((t, i) =>
        kinds[i] === 'number' ? numbers(t, name) : refuse(t, name, declared, sides[1 - i]!),
      );
      ref[name] = r!;
      cur[name] = c!;
    } else if (kinds[0] === 'number' && kinds[1] === 'number') {
      ref[name] = numbers(reference, name);
      cur[name] = numbers(current, name);
    } else if (kinds[0] === 'boolean' && kinds[1] === 'boolean') {
      ref[name] = cellsOf(reference, name);
      cur[name] = cellsOf(current, name);
    } else {
      ref[name] = texts(reference, name);
      cur[name] = texts(current, name);
    }
  }
  return { columns: [...selected], reference: ref, current: cur, columnTypes: types };
}

function allMissing(column: Float64Array | readonly Cell[]): boolean {
  if (!(column instanceof Float64Array)) return column.every((c) => c === null);
  for (let i = 0; i < column.length; i++) if (column[i] === column[i]) return false;
  return true;
}

/** A column's cells (a Float64Array's NaN becomes null). */
function cellsOf(table: DataTable, name: string): Cell[] {
  const column = table.columns.get(name)!;
  return column instanceof Float64Array ? Array.from(column, (v) => (v !== v ? null : v)) : [...column];
}

function kindOf(table: DataTable, name: string): Kind {
  const column = table.columns.get(name)!;
  if (column instanceof Float64Array) return 'number';
  let kind: Kind | undefined;
  for (const cell of column) {
    if (cell === null) continue;
    const k: Kind = isNumber(table, cell) ? 'number' : typeof cell === 'boolean' ? 'boolean' : 'other';
    if (kind !== undefined && kind !== k) return 'other';
    kind = k;
  }
  return kind ?? 'other';
}

/** CSV cells are text that may spell a number; in JSON lines and Parquet a string is a string. */
function isNumber(table: DataTable, cell: Cell): boolean {
  if (typeof cell === 'number') return true;
  const textual = table.format === 'csv' || table.format === 'tsv';
  return textual && typeof cell === 'string' && parseNumberCell(cell) !== undefined;
}

/** The column as a Float64Array (NaN for missing): the reader's own array when it is one. */
function numbers(table: DataTable, name: string): Float64Array {
  const column = table.columns.get(name)!;
  if (column instanceof Float64Array) return column;
  return Float64Array.from(column, (c) =>
    c === null ? NaN : typeof c === 'number' ? c : parseNumberCell(String(c))!,
  );
}

function texts(table: DataTable, name: string): ColumnValue[] {
  return cellsOf(table, name).map((c) => (c === null ? null : String(c)));
}

function refuse(table: DataTable, name: string, declared: string | undefined, other: DataTable): never {
  const cells = cellsOf(table, name);
  const at = cells.findIndex((c) => c !== null && !isNumber(table, c));
  const why =
    declared === 'numerical'
      ? 'the column is declared numeric'
      : `the column is numeric in ${other.file}; declare --column-type ${name}=categorical to compare it as categories`;
  throw new DataFileError(
    table.file,
    `${table.rowLabel(at)}, column ${quote(name)}: ${quote(cells[at])} is not a number (${why})`,
  );
}
