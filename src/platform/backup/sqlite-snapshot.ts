import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import { InvalidStateError, NotFoundError } from '../../shared/index.js';

/**
 * Writes a consistent copy of the SQLite database `source` to `target` while other processes (a running server)
 * keep writing to it, with `VACUUM INTO`.
 *
 * Why `VACUUM INTO` and not the online backup API (`sqlite3_backup_*`, better-sqlite3's `db.backup()`): the
 * backup API copies pages in steps and starts over whenever another connection writes between two steps, so a
 * server ingesting metrics without pause can keep a large backup from ever finishing (or, with one step for the
 * whole file, it holds a read lock just the same). `VACUUM INTO` is one statement in one read transaction: in
 * WAL mode it reads a snapshot that writers do not disturb and that they do not wait for, so it finishes in
 * one pass and the copy holds exactly the transactions committed when it began. It also leaves the copy
 * compact (no free pages) and in rollback-journal mode, a single self-contained file. The cost: while it runs
 * the WAL cannot be checkpointed past its snapshot, so the `-wal` file grows by what is written meanwhile.
 */
export function snapshotSqlite(source: string, target: string): void {
  let db: SQLite.Database;
  try {
    db = new SQLite(source, { fileMustExist: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new NotFoundError(`Cannot open the SQLite database ${source}: ${message}`);
  }
  try {
    db.pragma('busy_timeout = 30000');
    db.prepare('vacuum into ?').run(target);
  } finally {
    db.close();
  }
}

/** What a database file holds, read from a closed copy (never from the live file). */
export interface SqliteContents {
  migrations: string[];
  /** Rows per table (SQLite's own tables and the migration bookkeeping left out). */
  counts: Record<string, number>;
}

/** Checks a (copied) SQLite file with `quick_check` and reads its migrations and row counts. */
export function inspectSqlite(file: string): SqliteContents {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new InvalidStateError(`SQLite check of ${file} failed: ${String(check)}`);
    const tables = (
      db
        .prepare(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name not like 'kysely\\_%' escape '\\' order by name",
        )
        .all() as { name: string }[]
    ).map((r) => r.name);
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const row = db.prepare(`select count(*) as n from "${table.replaceAll('"', '""')}"`).get() as {
        n: number;
      };
      counts[table] = row.n;
    }
    const hasMigrations =
      db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get() !==
      undefined;
    const migrations = hasMigrations
      ? (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map(
          (r) => r.name,
        )
      : [];
    return { migrations, counts };
  } finally {
    db.close();
  }
}

/** SHA-256 (hex) and size of a file, read as a stream. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(createReadStream(file), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  });
  return { sha256: hash.digest('hex'), bytes };
}
