import { open } from 'node:fs/promises';
import { readCsv, type CsvReadOptions } from './csv-reader.js';
import { DataFileError, type DataTable, type TableFormat } from './data-table.js';
import { detectFormat } from './detect-format.js';
import { readJsonLines } from './jsonl-reader.js';
import { readParquet } from './parquet-reader.js';

/**
 * Reads a CSV, TSV, JSON lines or Parquet file (format from the extension, else from its first bytes) into
 * columns. Refused with a {@link DataFileError} naming the file: a missing or unreadable file, an empty file, a
 * file with a header but no rows, and whatever the format's reader refuses (with row and column).
 *
 * Numeric columns come back as Float64Arrays (see {@link DataTable}); `options.textColumns` keeps named CSV
 * columns as text (a declared categorical column such as a zip code keeps its leading zeros).
 *
 * @example const table = await readTable('examples/drift/reference.csv');
 */
export async function readTable(
  file: string,
  format?: TableFormat,
  options: CsvReadOptions = {},
): Promise<DataTable> {
  const head = await readHead(file);
  if (head.length === 0) throw new DataFileError(file, 'the file is empty');
  const kind = format ?? detectFormat(file, head);
  let table: DataTable;
  switch (kind) {
    case 'csv':
      table = await readCsv(file, ',', options);
      break;
    case 'tsv':
      table = await readCsv(file, '\t', options);
      break;
    case 'jsonl':
      table = await readJsonLines(file);
      break;
    case 'parquet':
      table = await readParquet(file);
      break;
  }
  if (table.rowCount === 0) throw new DataFileError(file, 'the file has no data rows');
  if (table.columnNames.length === 0) throw new DataFileError(file, 'the file has no columns');
  return table;
}

async function readHead(file: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot open (${code ?? String(error)})`;
    throw new DataFileError(file, why);
  }
  try {
    const buffer = new Uint8Array(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0).catch((error: NodeJS.ErrnoException) => {
      throw new DataFileError(
        file,
        error.code === 'EISDIR' ? 'is a directory' : `cannot read (${error.code})`,
      );
    });
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
