import SQLite from 'better-sqlite3';
import pg from 'pg';
import { sqliteFileOf } from '../db/index.js';
import { InvalidParameterError } from '../shared/index.js';

/** A row as the database driver gives it (bigint columns read as numbers on both engines). */
export type DbRow = Record<string, unknown>;

/**
 * An MLflow database opened read-only: SQLite with `readonly` (the file is opened `O_RDONLY`, nothing is ever
 * written, no journal created), PostgreSQL with `default_transaction_read_only` on every connection. Queries are
 * written with `?` placeholders (numbered for PostgreSQL here).
 * Example: `const db = openMlflowDatabase('sqlite:////srv/mlflow.db'); await db.rows('select name from experiments', []);`
 */
export interface MlflowDatabase {
  /** The URI without its password, for messages and the state file. */
  readonly location: string;
  rows(sql: string, params: readonly unknown[]): Promise<DbRow[]>;
  /** Whether a table exists (older MLflow schemas lack the logged-model and dataset tables). */
  hasTable(name: string): Promise<boolean>;
  /** Whether a table has a column (MLflow 3's `workspace` columns are recent). */
  hasColumn(table: string, column: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A URI with the password, if any, left out. */
function withoutPassword(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password === '') return uri;
    url.password = '';
    return url.href;
  } catch {
    return uri;
  }
}

function openSqliteReadOnly(uri: string, file: string): MlflowDatabase {
  if (file === ':memory:')
    throw new InvalidParameterError(`--from-db ${uri}: an in-memory database holds nothing`);
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new InvalidParameterError(
      `--from-db ${uri}: cannot open ${file} read-only: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  db.defaultSafeIntegers(false);
  return {
    location: uri,
    async rows(sql, params) {
      return db.prepare(sql).all(...params) as DbRow[];
    },
    async hasTable(name) {
      return (
        db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name) !== undefined
      );
    },
    async hasColumn(table, column) {
      return db.prepare(`select 1 from pragma_table_info(?) where name = ?`).get(table, column) !== undefined;
    },
    async close() {
      db.close();
    },
  };
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function openPostgresReadOnly(uri: string): MlflowDatabase {
  const pool = new pg.Pool({
    connectionString: uri,
    max: 4,
    options: '-c default_transaction_read_only=on',
    types: {
      getTypeParser: (oid: number, format?: string) =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text'),
    },
  });
  pool.on('error', () => undefined);
  const numbered = (sql: string): string => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    location: withoutPassword(uri),
    async rows(sql, params) {
      return (await pool.query(numbered(sql), [...params])).rows as DbRow[];
    },
    async hasTable(name) {
      const found = await pool.query(`select to_regclass($1) is not null as present`, [name]);
      return (found.rows[0] as { present?: boolean } | undefined)?.present === true;
    },
    async hasColumn(table, column) {
      const found = await pool.query(
        'select 1 from information_schema.columns where table_schema = current_schema() and table_name = $1 and column_name = $2',
        [table, column],
      );
      return found.rows.length > 0;
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * Opens an MLflow backend store URI read-only: `sqlite:///relative.db`, `sqlite:////abs/path.db`, or
 * `postgresql://user:pass@host/db` (also `postgres://`, `postgresql+psycopg2://`, as MLflow spells it).
 */
export function openMlflowDatabase(uri: string): MlflowDatabase {
  const file = sqliteFileOf(uri);
  if (file !== undefined) return openSqliteReadOnly(uri, file);
  const pgMatch = /^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//.exec(uri);
  if (pgMatch) return openPostgresReadOnly(`postgresql://${uri.slice(pgMatch[0].length)}`);
  throw new InvalidParameterError(
    `Unsupported --from-db '${uri}': use sqlite:///path/to/mlflow.db or postgresql://user:pass@host/db`,
  );
}

/** A column read as a string (`''` for null). */
export function text(row: DbRow, column: string): string {
  const value = row[column];
  return value === null || value === undefined ? '' : String(value);
}

/** A column read as an integer, or `undefined` for null. */
export function integer(row: DbRow, column: string): number | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** Key/value rows (params, tags) as the import's `{key, value}` pairs, read from the named columns. */
export function keyValuesOf(rows: DbRow[], key = 'key', value = 'value'): { key: string; value: string }[] {
  return rows.map((r) => ({ key: text(r, key), value: text(r, value) }));
}
