import { readFile } from 'node:fs/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetRead, parquetSchema, type Compressors } from 'hyparquet';
import { DataFileError, quote, typedColumn, type Cell, type DataTable } from './data-table.js';

/** hyparquet decodes Snappy itself; gzip and Brotli come from Node's zlib. ZSTD and LZ4 are refused by name. */
const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

/**
 * Reads a Parquet file into columns with hyparquet (pure JavaScript). Flat columns only: a list, map or struct
 * column is an error naming it. INT64 values become numbers (exact up to 2^53), dates and timestamps ISO-8601
 * strings (their columns are reported as datetime), binary values are refused.
 */
export async function readParquet(file: string): Promise<DataTable> {
  const bytes = await readFile(file);
  const magic = (at: number): string => bytes.subarray(at, at + 4).toString('latin1');
  if (bytes.length < 12 || magic(0) !== 'PAR1' || magic(bytes.length - 4) !== 'PAR1') {
    throw new DataFileError(file, 'not a Parquet file (no PAR1 magic at its start and end)');
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let names: string[];
  let rowCount: number;
  let columns: Map<string, Cell[]>;
  const datetime = new Set<string>();
  try {
    const metadata = parquetMetadata(buffer);
    const schema = parquetSchema(metadata);
    for (const child of schema.children) {
      if (child.children.length > 0) {
        throw new DataFileError(
          file,
          `column ${quote(child.element.name)}: nested columns are not supported`,
        );
      }
    }
    names = schema.children.map((c) => c.element.name);
    rowCount = Number(metadata.num_rows);
    const cols = new Map<string, Cell[]>(names.map((n) => [n, new Array<Cell>(rowCount).fill(null)]));
    columns = cols;
    // Column chunks straight into columns: no row objects are built. hyparquet calls onChunk from a promise
    // callback whose rejection nobody awaits, so a bad value is kept and thrown once the read is over.
    let refused: DataFileError | undefined;
    await parquetRead({
      file: buffer,
      metadata,
      compressors: COMPRESSORS,
      onChunk: ({ columnName, columnData, rowStart }) => {
        const column = cols.get(columnName);
        if (column === undefined || refused !== undefined) return;
        try {
          for (let i = 0; i < columnData.length; i++) {
            const value: unknown = columnData[i];
            if (value instanceof Date) datetime.add(columnName);
            column[rowStart + i] = toCell(file, rowStart + i, columnName, value);
          }
        } catch (error) {
          refused = error instanceof DataFileError ? error : new DataFileError(file, String(error));
        }
      },
    });
    if (refused !== undefined) throw refused;
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataFileError(
      file,
      `cannot read Parquet (${reason}); Bosun reads uncompressed, Snappy, gzip and Brotli files`,
    );
  }
  return {
    file,
    format: 'parquet',
    columnNames: names,
    columns: new Map([...columns].map(([name, cells]) => [name, typedColumn(cells)])),
    rowCount,
    datetimeColumns: datetime,
    rowLabel: (index) => `row ${index + 1}`,
  };
}

function toCell(file: string, row: number, column: string, value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  throw new DataFileError(
    file,
    `row ${row + 1}, column ${quote(column)}: unsupported value ${quote(value instanceof Uint8Array ? '<binary>' : value)}`,
  );
}
