import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DataFileError, readTable, type DataTable } from '../files/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import type { FeatureValue } from './monitoring-types.js';

/**
 * A table's rows as feature records: numeric columns (NaN for missing) become numbers and nulls, other columns
 * keep their cells. Non-finite numbers are refused naming the row and column (JSON cannot carry them).
 */
function tableRecords(table: DataTable, label: string): Record<string, FeatureValue>[] {
  const rows: Record<string, FeatureValue>[] = Array.from(
    { length: table.rowCount },
    () => Object.create(null) as Record<string, FeatureValue>,
  );
  for (const name of table.columnNames) {
    const column = table.columns.get(name) ?? [];
    for (let i = 0; i < table.rowCount; i++) {
      const v = column[i] ?? null;
      if (typeof v === 'number' && !Number.isFinite(v)) {
        if (Number.isNaN(v)) {
          rows[i]![name] = null;
          continue;
        }
        throw new InvalidParameterError(
          `${label}: ${table.rowLabel(i)}, column '${name}': ${v} is not finite`,
        );
      }
      rows[i]![name] = v;
    }
  }
  return rows;
}

/**
 * Reads a data file held in memory (a run artifact) as `bosun drift` reads files: CSV, TSV, JSON lines or
 * Parquet, by the name's extension (or its first bytes); Parquet date and timestamp columns are named (their
 * cells are ISO-8601 text). Errors name `label` (e.g. `artifact 'data/train.csv' of
 * run '…'`), never the temporary file it is parsed from.
 */
export async function readReferenceFile(
  bytes: Buffer,
  fileName: string,
  label: string,
): Promise<{ rows: Record<string, FeatureValue>[]; datetimeColumns: readonly string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-reference-'));
  const file = join(dir, basename(fileName).replace(/[^A-Za-z0-9._-]/g, '_') || 'data');
  try {
    await writeFile(file, bytes);
    const table = await readTable(file);
    return { rows: tableRecords(table, label), datetimeColumns: [...table.datetimeColumns] };
  } catch (err) {
    if (err instanceof DataFileError) {
      const detail = err.message.startsWith(`${err.file}: `)
        ? err.message.slice(err.file.length + 2)
        : err.message;
      throw new InvalidParameterError(`${label}: ${detail.split(file).join(basename(fileName))}`);
    }
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
