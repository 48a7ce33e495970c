/**
 * Data files for drift reports: CSV/TSV, JSON lines and Parquet read into columns ({@link readTable}), then two
 * files lined up into consistently typed columns for `datasetDrift` ({@link driftColumns}). Bad input is a
 * {@link DataFileError} naming the file, row and column.
 */
export {
  CSV_MISSING_TOKENS,
  DataFileError,
  parseNumberCell,
  type Cell,
  type DataTable,
  type TableColumn,
  type TableFormat,
} from './data-table.js';
export { detectFormat } from './detect-format.js';
export { readTable } from './read-table.js';
export type { CsvReadOptions } from './csv-reader.js';
export {
  driftColumns,
  type DeclaredColumnType,
  type DriftColumns,
  type DriftColumnsOptions,
} from './drift-columns.js';
