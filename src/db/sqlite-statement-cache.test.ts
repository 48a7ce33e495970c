import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cachingStatements,
  STATEMENT_CACHE_MAX_SQL_LENGTH,
  STATEMENT_CACHE_SIZE,
} from './sqlite-statement-cache.js';

describe('cachingStatements', () => {
  let sqlite: SQLite.Database;
  beforeEach(() => {
    sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (id integer primary key, name text)');
    sqlite.exec("insert into t (name) values ('a'), ('b'), ('c')");
  });
  afterEach(() => {
    if (sqlite.open) sqlite.close();
  });

  it('answers the statement prepared before for the same SQL, which runs again with new parameters', () => {
    const db = cachingStatements(sqlite);
    const first = db.prepare('select name from t where id = ?');
    const again = db.prepare('select name from t where id = ?');
    expect(again).toBe(first);
    expect((first as SQLite.Statement).all([1])).toEqual([{ name: 'a' }]);
    expect((again as SQLite.Statement).all([3])).toEqual([{ name: 'c' }]);
    expect(db.prepare('select name from t where id = ? ')).not.toBe(first);
  });

  it('gives a fresh statement while the cached one is in the middle of a streamed read', () => {
    const db = cachingStatements(sqlite);
    const sql = 'select name from t order by id';
    const streaming = db.prepare(sql) as SQLite.Statement;
    const names: string[] = [];
    for (const row of streaming.iterate() as Iterable<{ name: string }>) {
      const inner = db.prepare(sql) as SQLite.Statement;
      expect(inner).not.toBe(streaming);
      expect(inner.all()).toHaveLength(3);
      names.push(row.name);
    }
    expect(names).toEqual(['a', 'b', 'c']);
    // Once the read is over, the cached statement is answered again.
    expect(db.prepare(sql)).toBe(streaming);
  });

  it('keeps the most recently used statements, up to its size', () => {
    const db = cachingStatements(sqlite);
    const kept = db.prepare('select 0 as n');
    const firstOther = db.prepare('select 1 as n');
    for (let i = 2; i <= STATEMENT_CACHE_SIZE; i++) {
      db.prepare(`select ${i} as n`);
      db.prepare('select 0 as n'); // used again: never the least recently used
    }
    expect(db.prepare('select 0 as n')).toBe(kept);
    expect(db.prepare('select 1 as n')).not.toBe(firstOther);
  });

  it('does not keep very long SQL', () => {
    const db = cachingStatements(sqlite);
    const ids = Array.from({ length: STATEMENT_CACHE_MAX_SQL_LENGTH / 4 }, (_, i) => i + 1).join(',');
    const sql = `select count(*) as n from t where id in (${ids})`;
    expect(sql.length).toBeGreaterThan(STATEMENT_CACHE_MAX_SQL_LENGTH);
    const first = db.prepare(sql);
    expect(db.prepare(sql)).not.toBe(first);
    expect((first as SQLite.Statement).get()).toEqual({ n: 3 });
  });

  it('a cached statement sees a schema change made after it was prepared', () => {
    const db = cachingStatements(sqlite);
    const select = db.prepare('select * from t where id = ?') as SQLite.Statement;
    expect(select.get([1])).toEqual({ id: 1, name: 'a' });
    sqlite.exec("alter table t add column colour text not null default 'red'");
    expect(db.prepare('select * from t where id = ?')).toBe(select);
    expect(select.get([1])).toEqual({ id: 1, name: 'a', colour: 'red' });
  });

  it('close closes the database', () => {
    const db = cachingStatements(sqlite);
    db.prepare('select 1');
    db.close();
    expect(sqlite.open).toBe(false);
  });
});
