import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ColumnData } from '../stats/index.js';
import { DataFileError, driftColumns, readTable, type DataTable, type TableColumn } from './index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'test-support');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-drift-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function refusal(promise: Promise<unknown>): Promise<DataFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataFileError);
  return error as DataFileError;
}

const column = (t: DataTable, name: string) => t.columns.get(name);
/** A column as cells: a Float64Array's NaN (missing) becomes null. */
const cells = (c: TableColumn | ColumnData | undefined) =>
  c instanceof Float64Array ? Array.from(c, (v) => (v !== v ? null : v)) : c;

describe('readTable: CSV', () => {
  it('reads RFC 4180 quoting, a BOM, CRLF and missing tokens; a numeric column is a Float64Array', async () => {
    const path = write('a.csv', '\uFEFFx,"na,me"\r\n1.5,"say ""hi"""\r\n,"two\nlines"\r\nNaN,c\r\n');
    const t = await readTable(path);
    expect(t.format).toBe('csv');
    expect(t.columnNames).toEqual(['x', 'na,me']);
    expect(column(t, 'x')).toBeInstanceOf(Float64Array);
    expect(cells(column(t, 'x'))).toEqual([1.5, null, null]);
    expect(column(t, 'na,me')).toEqual(['say "hi"', 'two\nlines', 'c']);
    expect(t.rowCount).toBe(3);
    expect(t.rowLabel(2)).toBe('row 3 (line 5)');
  });

  it('demotes a column to text when a later cell is not a number, as pandas and Evidently do', async () => {
    // 70,000 rows: past one 65,536-value chunk of the numeric builder before the text cell turns up.
    const lines = Array.from({ length: 70000 }, (_, i) => `${i % 7 === 0 ? '' : `${i}.50`},${i}`);
    lines[69998] = 'oops,69998';
    const t = await readTable(write('late.csv', `x,y\n${lines.join('\n')}\n`));
    const x = column(t, 'x');
    expect(x).not.toBeInstanceOf(Float64Array);
    // Read again as text: every cell as spelled in the file ("1.50" stays "1.50"), missing cells null.
    expect(x?.slice(0, 3)).toEqual([null, '1.50', '2.50']);
    expect(x?.[69998]).toBe('oops');
    expect(x?.length).toBe(70000);
    const y = column(t, 'y');
    expect(y).toBeInstanceOf(Float64Array);
    expect(y?.length).toBe(70000);
    expect(y?.[69999]).toBe(69999);
    expect(y?.[65536]).toBe(65536);
  });

  it('turns a column text from the first rows kept as read when it is demoted early (one pass)', async () => {
    const t = await readTable(write('early.csv', 'x,y\n1.50,1\n,2\nNA,3\nlow,4\n2e3,5\n'));
    expect(column(t, 'x')).toEqual(['1.50', null, null, 'low', '2e3']);
    expect(cells(column(t, 'y'))).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps the columns named in textColumns as text (leading zeros stay)', async () => {
    const path = write('zip.csv', 'zip,n\n007,1\n,2\n010,3\n');
    const t = await readTable(path, undefined, { textColumns: new Set(['zip']) });
    expect(column(t, 'zip')).toEqual(['007', null, '010']);
    expect(cells(column(t, 'n'))).toEqual([1, 2, 3]);
    expect(cells(column(await readTable(path), 'zip'))).toEqual([7, null, 10]);
  });

  it('reads TSV by extension', async () => {
    const t = await readTable(write('a.tsv', 'a\tb\n1\tx\n'));
    expect(t.format).toBe('tsv');
    expect(column(t, 'b')).toEqual(['x']);
  });

  it('names the line of a record with the wrong number of fields', async () => {
    const e = await refusal(readTable(write('bad.csv', 'a,b\n1,2\n3\n')));
    expect(e.message).toMatch(/bad\.csv: not valid CSV: .*line 3/);
  });

  it('refuses an unclosed quote, duplicate and empty header names', async () => {
    expect((await refusal(readTable(write('q.csv', 'a\n"open\n')))).message).toMatch(/q\.csv: not valid CSV/);
    expect((await refusal(readTable(write('d.csv', 'a,a\n1,2\n')))).message).toContain('"a" appears twice');
    expect((await refusal(readTable(write('e.csv', 'a,\n1,2\n')))).message).toContain('column 2 has no name');
  });

  it('refuses an empty file and a header without rows', async () => {
    expect((await refusal(readTable(write('empty.csv', '')))).message).toMatch(
      /empty\.csv: the file is empty$/,
    );
    expect((await refusal(readTable(write('head.csv', 'a,b\n')))).message).toContain(
      'head.csv: the file has no data rows',
    );
  });
});

describe('readTable: JSON lines', () => {
  it('reads typed values, skips blank lines and fills absent keys with null', async () => {
    const path = write('a.jsonl', '{"x":1,"s":"a"}\n\n{"s":null,"b":true}\n{"x":2.5}\n');
    const t = await readTable(path);
    expect(t.columnNames).toEqual(['x', 's', 'b']);
    expect(column(t, 'x')).toBeInstanceOf(Float64Array);
    expect(cells(column(t, 'x'))).toEqual([1, null, 2.5]);
    expect(column(t, 's')).toEqual(['a', null, null]);
    expect(column(t, 'b')).toEqual([null, true, null]);
    expect(t.rowLabel(1)).toBe('line 3');
  });

  it('names the line of invalid JSON, a non-object and a nested value', async () => {
    expect((await refusal(readTable(write('j.jsonl', '{"x":1}\n{"x":\n')))).message).toMatch(
      /j\.jsonl: line 2: not valid JSON/,
    );
    expect((await refusal(readTable(write('k.ndjson', '[1,2]\n')))).message).toContain(
      'k.ndjson: line 1: expected a JSON object',
    );
    expect((await refusal(readTable(write('n.jsonl', '{"x":1}\n{"x":{"y":2}}\n')))).message).toContain(
      'n.jsonl: line 2, column "x": nested values are not supported',
    );
  });

  it('sniffs JSON lines and Parquet when the extension says nothing, and refuses other files', async () => {
    expect((await readTable(write('data.txt', '{"x":1}\n'))).format).toBe('jsonl');
    expect((await refusal(readTable(write('data.bin', 'x,y\n1,2\n')))).message).toContain(
      'cannot tell the file format',
    );
  });
});

describe('readTable: Parquet (files written by pyarrow)', () => {
  it.each(['flat-snappy.parquet', 'flat-gzip.parquet'])('reads %s', async (name) => {
    const t = await readTable(join(FIXTURES, name));
    expect(t.format).toBe('parquet');
    expect(t.columnNames).toEqual(['score', 'count', 'city', 'flag', 'day']);
    expect(cells(column(t, 'score'))).toEqual([0.5, 1.25, null, 3]);
    expect(cells(column(t, 'count'))).toEqual([1, 2, 3, 2 ** 40]);
    expect(column(t, 'city')).toEqual(['a', 'b', null, '<b>c</b>']);
    expect(column(t, 'flag')).toEqual([true, false, true, null]);
    expect(column(t, 'day')?.[0]).toBe('2026-01-01T00:00:00.000Z');
    expect([...t.datetimeColumns]).toEqual(['day']);
  });

  it('places every row group at its rows', async () => {
    const t = await readTable(join(FIXTURES, 'row-groups.parquet')); // 10 rows in 4 row groups of 3
    expect(cells(column(t, 'x'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(column(t, 's')).toEqual(['v0', 'v1', 'v2', 'v0', null, 'v2', 'v0', 'v1', 'v2', 'v0']);
    expect(t.rowCount).toBe(10);
  });

  it('names ZSTD as unsupported, refuses nested columns and a file that is not Parquet', async () => {
    expect((await refusal(readTable(join(FIXTURES, 'flat-zstd.parquet')))).message).toMatch(
      /flat-zstd\.parquet: cannot read Parquet \(.*ZSTD.*\); Bosun reads uncompressed, Snappy, gzip and Brotli/,
    );
    expect((await refusal(readTable(join(FIXTURES, 'nested.parquet')))).message).toContain(
      'column "tags": nested columns are not supported',
    );
    expect((await refusal(readTable(join(FIXTURES, 'fixed-binary.parquet')))).message).toMatch(
      /fixed-binary\.parquet: row 1, column "uuid": unsupported value "<binary>"$/,
    );
    expect((await refusal(readTable(write('fake.parquet', 'a,b\n1,2\n3,4\n')))).message).toContain(
      'fake.parquet: not a Parquet file',
    );
  });
});

describe('readTable: the file itself', () => {
  it('names a missing file, a directory and an unreadable file', async () => {
    expect((await refusal(readTable(join(dir, 'nope.csv')))).message).toMatch(/nope\.csv: no such file$/);
    expect((await refusal(readTable(dir))).message).toMatch(/is a directory$/);
    if (process.getuid?.() !== 0) {
      const path = write('locked.csv', 'a\n1\n');
      chmodSync(path, 0o000);
      expect((await refusal(readTable(path))).message).toContain('permission denied');
    }
  });
});

describe('driftColumns', () => {
  it('gives numbers when both sides are numeric, mixing formats', async () => {
    const ref = await readTable(write('r.csv', 'x,c\n1.5,1\ninf,2\n,x\n'));
    const cur = await readTable(write('c.jsonl', '{"x":2,"c":1}\n{"x":null,"c":"3"}\n'));
    const cols = driftColumns(ref, cur);
    // The readers' Float64Arrays are handed over as they are, not copied.
    expect(cols.reference['x']).toBe(ref.columns.get('x'));
    expect(cells(cols.reference['x'])).toEqual([1.5, Infinity, null]);
    expect(cells(cols.current['x'])).toEqual([2, null]);
    // c is not numeric on either side → text on both, so CSV "1" and JSON 1 are the same category.
    expect(cols.reference['c']).toEqual(['1', '2', 'x']);
    expect(cols.current['c']).toEqual(['1', '3']);
    // In JSON lines a string is a string, even when it spells a number.
    const strings = await readTable(write('s.jsonl', '{"x":"2"}\n'));
    expect(() => driftColumns(ref, strings, { columns: ['x'] })).toThrow(
      /s\.jsonl: line 1, column "x": "2" is not a number/,
    );
  });

  it('names file, row and column of a non-numeric cell in a numeric column', async () => {
    const ref = await readTable(write('r.csv', 'x\n1\n2\n'));
    const cur = await readTable(write('c.csv', 'x\n3\n4\nabc\n'));
    expect(() => driftColumns(ref, cur)).toThrow(
      /c\.csv: row 3 \(line 4\), column "x": "abc" is not a number \(the column is numeric in .*r\.csv; declare --column-type x=categorical/,
    );
    const declared = driftColumns(ref, cur, { columnTypes: new Map([['x', 'categorical']]) });
    expect(declared.current['x']).toEqual(['3', '4', 'abc']);
    expect(declared.columnTypes['x']).toBe('categorical');
    const both = await readTable(write('b.csv', 'x\nlow\nhigh\n'));
    expect(() => driftColumns(both, both, { columnTypes: new Map([['x', 'numerical']]) })).toThrow(
      /b\.csv: row 1 \(line 2\), column "x": "low" is not a number \(the column is declared numeric\)/,
    );
  });

  it('refuses a column missing from either side, unless --columns picks a shared subset', async () => {
    const ref = await readTable(write('r.csv', 'a,b\n1,2\n'));
    const cur = await readTable(write('c.csv', 'a,z\n1,2\n'));
    expect(() => driftColumns(ref, cur)).toThrow(/c\.csv: has no column "b"/);
    const swapped = await readTable(write('s.csv', 'a\n1\n'));
    expect(() => driftColumns(swapped, cur)).toThrow(/s\.csv: has no column "z" \(it is in .*c\.csv\)/);
    expect(driftColumns(ref, cur, { columns: ['a'] }).columns).toEqual(['a']);
    expect(() => driftColumns(ref, cur, { columns: ['q'] })).toThrow(/r\.csv: has no column "q"/);
    expect(() =>
      driftColumns(ref, cur, { columns: ['a'], columnTypes: new Map([['b', 'numerical']]) }),
    ).toThrow(/^--column-type names "b", which is not a compared column$/);
  });

  it('refuses a column with nothing but missing values on one side', async () => {
    const ref = await readTable(write('r.csv', 'a,b\n1,x\n2,y\n'));
    const cur = await readTable(write('c.csv', 'a,b\n1,\n2,NA\n'));
    expect(() => driftColumns(ref, cur)).toThrow(/c\.csv: column "b" has no non-missing values/);
  });

  it('keeps booleans, marks Parquet timestamps as datetime and accepts hostile column names', async () => {
    const t = await readTable(join(FIXTURES, 'flat-snappy.parquet'));
    const cols = driftColumns(t, t);
    expect(cols.reference['flag']).toEqual([true, false, true, null]);
    expect(cols.columnTypes['day']).toBe('datetime');
    const hostile = await readTable(write('h.csv', '__proto__,constructor\n1,2\n'));
    const h = driftColumns(hostile, hostile);
    expect(Object.keys(h.reference)).toEqual(['__proto__', 'constructor']);
    expect(cells(h.reference['__proto__'])).toEqual([1]);
  });
});
