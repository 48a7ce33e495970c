import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  sql,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type MigrationLockOptions,
  type SqliteDialectConfig,
} from 'kysely';
import { CommitHooks, withCommitHooks } from './commit-hooks.js';
import type { BulkWriter, DatabaseHandle, NewMetricRow } from './engine.js';
import type { Database } from './schema.js';
import { cachingStatements } from './sqlite-statement-cache.js';

/** `FULL` syncs on every commit (survives power loss); `NORMAL` in WAL mode survives process crashes. */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/**
 * Kysely's SQLite adapter takes no migration lock, since one process owns its one connection, and runs
 * migrations outside a transaction. Two servers starting on the same file are two processes: running the
 * migrations in one transaction whose first statement writes the lock row makes the second wait (busy_timeout)
 * for the first to commit, then find nothing left to run.
 */
class FileLockingSqliteAdapter extends SqliteAdapter {
  /** SQLite has transactional DDL; Kysely's adapter says no, which would run migrations outside the lock. */
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(db: Kysely<unknown>, options: MigrationLockOptions): Promise<void> {
    await sql`update ${sql.table(options.lockTable)} set is_locked = 1 where id = ${options.lockRowId}`.execute(
      db,
    );
  }
  override async releaseMigrationLock(db: Kysely<unknown>, options: MigrationLockOptions): Promise<void> {
    await sql`update ${sql.table(options.lockTable)} set is_locked = 0 where id = ${options.lockRowId}`.execute(
      db,
    );
  }
}

/**
 * Transactions start with `BEGIN IMMEDIATE`: the write lock is taken up front, so a writer in another process
 * (a second server, a CLI command) makes this one wait through busy_timeout. A deferred BEGIN would read a
 * snapshot first and then fail at once with "database is locked" (SQLITE_BUSY_SNAPSHOT) when it tries to write
 * after the other process committed. Inside one process transactions are serialised anyway, so it costs nothing.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class BosunSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly hooks: CommitHooks,
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    return withCommitHooks(new ImmediateSqliteDriver(this.settings), this.hooks);
  }

  override createAdapter(): SqliteAdapter {
    return new FileLockingSqliteAdapter();
  }
}

/**
 * Metric rows through one cached prepared statement. The process has one connection and Kysely lends it to one
 * transaction at a time, so inside a transaction these synchronous inserts join that transaction and nothing else
 * can interleave with them.
 */
function sqliteBulkWriter(sqlite: SQLite.Database): BulkWriter {
  // Prepared on first use: the table exists only once migrations have run.
  let insert: SQLite.Statement | undefined;
  return {
    async insertMetrics(rows: NewMetricRow[]): Promise<void> {
      if (!sqlite.inTransaction) throw new Error('insertMetrics must run inside a transaction');
      insert ??= sqlite.prepare(
        `insert into metrics (run_uuid, key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of rows) {
        insert.run(
          r.run_uuid,
          r.key,
          r.value,
          r.is_nan,
          r.timestamp,
          r.step,
          r.model_id ?? null,
          r.dataset_name ?? null,
          r.dataset_digest ?? null,
        );
      }
    },
  };
}

/**
 * Opens a SQLite file in WAL mode. better-sqlite3 is synchronous and Kysely's SQLite driver hands its single
 * connection to one transaction at a time, so every write in this process queues on one connection instead of
 * failing with "database is locked".
 */
export function openSqlite(path: string, synchronous: SqliteSynchronous): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // First: switching a new file to WAL needs a moment of exclusive access, which another process opening the
  // same file at the same moment (a second server) may hold; wait for it like for any other lock.
  sqlite.pragma('busy_timeout = 30000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -65536');
  // Reads map the file (up to SQLite's 2 GB cap) instead of copying each page with a system call: a chart of
  // 100 runs × 100,000 steps visits ~100,000 pages per request, twice as fast mapped. Pages still in the WAL are
  // read as before; the mapping is file-backed page cache, not heap.
  sqlite.pragma('mmap_size = 2147418112');
  const hooks = new CommitHooks();
  const db = new Kysely<Database>({
    dialect: new BosunSqliteDialect({ database: cachingStatements(sqlite) }, hooks),
  });
  return {
    db,
    engine: 'sqlite',
    afterCommit: (trx, fn) => hooks.afterCommit(trx, fn),
    bulk: sqliteBulkWriter(sqlite),
    autoIncrementType: 'integer',
    description: `sqlite:${path}`,
    close: () => db.destroy(),
  };
}
