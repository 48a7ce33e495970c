import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plainDecimal } from './csv-reader.js';
import { tokenizeCsv } from './csv-tokenizer.js';
import { parseNumberCell } from './data-table.js';
import { readTable } from './index.js';
import { seededUniform } from '../../shared/test-support/seeded-random.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-csv-tokenizer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function write(text: string | Buffer): string {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function tokens(
  path: string,
  chunkBytes?: number,
  delimiter: ',' | '\t' = ',',
): Promise<string[][] | 'fallback'> {
  const records: string[][] = [];
  const outcome = await tokenizeCsv(path, delimiter, (r) => records.push([...r]), { chunkBytes });
  return outcome === 'fallback' ? 'fallback' : records;
}

/** csv-parse with the reader's options, or 'error'. */
function reference(text: string | Buffer, delimiter: ',' | '\t' = ','): string[][] | 'error' {
  try {
    return parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, delimiter });
  } catch {
    return 'error';
  }
}

describe('tokenizeCsv', () => {
  it('reads quoting, CRLF, a BOM, empty cells and blank lines as csv-parse does, at any chunk size', async () => {
    const text = '\uFEFFx,"na,me",z\r\n1.5,"say ""hi""",\r\n\r\n,"two\r\nlines",é€\r\n"",3,"""q"""\r\n7,,8';
    const expected = reference(text);
    expect(expected).not.toBe('error');
    const path = write(text);
    for (const chunk of [1, 2, 3, 5, 8, 64, undefined]) expect(await tokens(path, chunk)).toEqual(expected);
  });

  it('reads LF files, TSV, and a file without a final line break', async () => {
    const lf = 'a,b\n1,2\n\n3,4\n';
    expect(await tokens(write(lf), 3)).toEqual(reference(lf));
    const tsv = 'a\tb\n"x\ty"\t2\n3\t4';
    expect(await tokens(write(tsv), 4, '\t')).toEqual(reference(tsv, '\t'));
  });

  it('leaves to csv-parse what it does not handle exactly: lone CR, mixed breaks, stray quotes, bad counts', async () => {
    for (const text of [
      'a,b\r1,2\r',
      'a,b\n1,2\r\n3,4\n',
      'a,b\r\n1,2\n',
      'a,b\n1,x"y\n',
      'a,b\n"1"x,2\n',
      'a,b\n"1,2\n',
      'a,b\n1,2,3\n',
      'a,b\n1\n',
      'a\n  \n1\n',
    ]) {
      expect(await tokens(write(text), 4), JSON.stringify(text)).toBe('fallback');
    }
  });

  it('agrees with csv-parse on random files, or hands them over (never accepts what csv-parse refuses)', async () => {
    const u = seededUniform(13);
    const pieces = ['a', '1', '-2.5e3', ' ', '', 'é', '"', '""', ',', '\n', '\r\n', '\r', 'x y', '\uFEFF'];
    let accepted = 0;
    for (let round = 0; round < 300; round++) {
      const columns = 1 + Math.floor(u() * 3);
      let text = u() < 0.2 ? '\uFEFF' : '';
      const rows = 1 + Math.floor(u() * 6);
      for (let r = 0; r < rows; r++) {
        const fields = Array.from({ length: columns }, () => {
          if (u() < 0.3) return `"${pieces[Math.floor(u() * pieces.length)]!.replaceAll('"', '""')}"`;
          return u() < 0.85
            ? (['1', 'ab', '', '2.5'][Math.floor(u() * 4)] ?? '')
            : pieces[Math.floor(u() * pieces.length)]!;
        });
        text += fields.join(',') + (u() < 0.9 ? '\n' : u() < 0.5 ? '\r\n' : '');
      }
      const expected = reference(text);
      const got = await tokens(write(text), 1 + Math.floor(u() * 16));
      if (got === 'fallback') continue;
      accepted++;
      expect(got, JSON.stringify(text)).toEqual(expected);
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('streams a large file: it never holds more than a chunk and an unfinished record', async () => {
    // 4 MiB of records, a quoted field with a line break and multi-byte characters every few hundred rows.
    const lines = ['id,value,label'];
    let size = 0;
    for (let i = 0; size < 4 << 20; i++) {
      const line = i % 300 === 0 ? `${i},${i / 7},"multi\nline é€ ${i}"` : `${i},${i / 7},plain`;
      lines.push(line);
      size += line.length + 1;
    }
    const text = `${lines.join('\n')}\n`;
    const path = write(text);
    const stats = { largestText: 0 };
    let count = 0;
    let last = '';
    const outcome = await tokenizeCsv(
      path,
      ',',
      (r) => {
        count++;
        last = r[0]!;
      },
      { chunkBytes: 65536, stats },
    );
    expect(outcome).toBe('done');
    expect(count).toBe(lines.length);
    expect(last).toBe(String(lines.length - 2));
    expect(stats.largestText).toBeGreaterThan(0);
    expect(stats.largestText).toBeLessThanOrEqual(65536 + 200);
  });
});

describe('readTable on the tokenizer path', () => {
  it('gives the same table as csv-parse would: numbers, missing tokens, spaces, inf, demotion', async () => {
    const text = 'a,b,c\r\n1.5, 2 ,x\r\nNA,inf,"y,z"\r\n-3e2,-Infinity,\r\n.5,7.,"w"\r\n';
    const table = await readTable(write(text));
    expect(Array.from(table.columns.get('a') as Float64Array)).toEqual([1.5, NaN, -300, 0.5]);
    expect(Array.from(table.columns.get('b') as Float64Array)).toEqual([2, Infinity, -Infinity, 7]);
    expect(table.columns.get('c')).toEqual(['x', 'y,z', null, 'w']);
    expect(table.rowLabel(1)).toBe('row 2 (line 3)');
  });

  it('plainDecimal accepts exactly the plain decimals parseNumberCell accepts, with the same value', () => {
    const u = seededUniform(17);
    const alphabet = ['0', '1', '9', '.', 'e', 'E', '+', '-', ' ', 'x'];
    for (let k = 0; k < 5000; k++) {
      const cell = Array.from(
        { length: Math.floor(u() * 7) },
        () => alphabet[Math.floor(u() * alphabet.length)]!,
      ).join('');
      const fast = plainDecimal(cell);
      if (fast !== undefined) expect(Object.is(fast, parseNumberCell(cell)), cell).toBe(true);
      else if (cell.trim() === cell)
        expect(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell), cell).toBe(false);
    }
  });
});
