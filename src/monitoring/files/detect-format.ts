import { extname } from 'node:path';
import { DataFileError, type TableFormat } from './data-table.js';

const BY_EXTENSION: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/**
 * The format of a data file from its extension, or from its first bytes when the extension says nothing
 * (`PAR1` → Parquet, `{` → JSON lines). Anything else is refused rather than guessed.
 *
 * @example detectFormat('data/ref.csv', head) // 'csv'
 */
export function detectFormat(file: string, head: Uint8Array): TableFormat {
  const known = BY_EXTENSION[extname(file).toLowerCase()];
  if (known !== undefined) return known;
  if (head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'PAR1') return 'parquet';
  const text = new TextDecoder().decode(head).trimStart();
  if (text.startsWith('{')) return 'jsonl';
  throw new DataFileError(
    file,
    'cannot tell the file format: name it .csv, .tsv, .jsonl (or .ndjson) or .parquet',
  );
}
