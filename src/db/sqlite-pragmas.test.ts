import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from './index.js';

let dir: string;
let handle: DatabaseHandle;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-sqlite-pragmas-'));
  handle = openDatabase(`sqlite:///${dir}/bosun.db`);
});
afterAll(async () => {
  await handle?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite connection', () => {
  it('maps the file for reads (mmap_size at SQLite’s 2 GB cap) and stays in WAL mode', async () => {
    const pragma = async (name: string): Promise<unknown> =>
      Object.values(
        (await sql.raw(`pragma ${name}`).execute(handle.db)).rows[0] as Record<string, unknown>,
      )[0];
    expect(await pragma('mmap_size')).toBe(2147418112);
    expect(await pragma('journal_mode')).toBe('wal');
    // a write and a read through the mapping see the same row
    await sql`create table t (x integer)`.execute(handle.db);
    await sql`insert into t values (42)`.execute(handle.db);
    expect((await sql<{ x: number }>`select x from t`.execute(handle.db)).rows).toEqual([{ x: 42 }]);
  });
});
