import { resolve } from 'node:path';
import { InvalidParameterError } from '../shared/index.js';
import type { DatabaseHandle } from './engine.js';
import { openPostgres } from './postgres-dialect.js';
import { openSqlite, type SqliteSynchronous } from './sqlite-dialect.js';

export interface OpenOptions {
  sqliteSynchronous?: SqliteSynchronous;
}

/**
 * The file a `sqlite://` URI names (absolute, or `:memory:`), or `undefined` for any other URI. Used by commands
 * that work on the SQLite file itself (`bosun backup`, `bosun restore`).
 * Example: `sqliteFileOf('sqlite:////var/bosun/bosun.db') === '/var/bosun/bosun.db'`.
 */
export function sqliteFileOf(uri: string): string | undefined {
  if (!uri.startsWith('sqlite://')) return undefined;
  const rest = uri.slice('sqlite://'.length);
  const path = rest === '/:memory:' || rest === '' ? ':memory:' : rest.startsWith('/') ? rest.slice(1) : rest;
  return path === ':memory:' ? path : path.startsWith('/') ? path : resolve(path);
}

/**
 * Opens a backend store from an MLflow-style URI: `sqlite:///relative.db`, `sqlite:////abs/path.db`,
 * `postgresql://user:pass@host:5432/db` (also `postgres://`, `postgresql+psycopg2://`).
 */
export function openDatabase(uri: string, options: OpenOptions = {}): DatabaseHandle {
  const file = sqliteFileOf(uri);
  if (file !== undefined) return openSqlite(file, options.sqliteSynchronous ?? 'NORMAL');
  const pgMatch = /^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//.exec(uri);
  if (pgMatch) return openPostgres(`postgresql://${uri.slice(pgMatch[0].length)}`);
  throw new InvalidParameterError(
    `Unsupported backend store URI '${uri}': use sqlite:///path/to/file.db or postgresql://user:pass@host/db`,
  );
}
