import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HTML_REPORT } from './drift-command.js';
import { repoRoot } from './test-support/run-built-cli.js';
import { captureCli } from './test-support/capture-cli.js';

const REF = join(repoRoot, 'examples/drift/reference.csv');
const CUR = join(repoRoot, 'examples/drift/current.csv');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-cli-drift-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const drift = (args: string[]) => captureCli(['drift', ...args]);

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('bosun drift', () => {
  it('prints the summary, writes the HTML report and exits 1 when the dataset drifts', async () => {
    const html = join(dir, 'report.html');
    const r = await drift([REF, CUR, '--html', html]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^COLUMN\s+TYPE\s+METHOD\s+STATISTIC\s+P-VALUE\s+THRESHOLD\s+DRIFT$/m);
    expect(r.out).toMatch(/^income\s+numerical\s+ks\s+D = 0\.3917\s+1\.25e-9\s+p <= 0\.05\s+yes$/m);
    expect(r.out).toMatch(/^plan\s+categorical\s+z\s+z = -0\.7535\s+0\.4511\s+p < 0\.05\s+no$/m);
    expect(r.out).toContain(
      'Dataset: DRIFT DETECTED: 2 of 4 tested columns drifted (drift share 0.5, threshold 0.5)',
    );
    expect(r.out).toMatch(new RegExp(`HTML report: ${html.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n$`));
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<h2>income <span class="badge drift">drift</span></h2>');
    expect(page).not.toMatch(/https?:|<script/i);
  });

  it('exits 0 without drift; --no-html writes nothing', async () => {
    const r = await drift([REF, REF, '--no-html']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Dataset: no drift: 0 of 4 tested columns drifted');
    expect(r.out).not.toContain('HTML report');
  });

  it('writes the HTML report to ./drift-report.html by default', async () => {
    const before = process.cwd();
    process.chdir(dir);
    try {
      const r = await drift([REF, REF]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`HTML report: ${DEFAULT_HTML_REPORT}\n`);
      expect(existsSync(join(dir, DEFAULT_HTML_REPORT))).toBe(true);
    } finally {
      process.chdir(before);
    }
  });

  it('--json prints the documented shape on stdout and the HTML path on stderr', async () => {
    const html = join(dir, 'r.html');
    const r = await drift([REF, CUR, '--json', '--html', html, '--preset', 'bosun']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`HTML report: ${html}\n`);
    const report = JSON.parse(r.out) as {
      schema: string;
      preset: string;
      reference: unknown;
      columns: Record<string, unknown>[];
      dataset: unknown;
    };
    expect(report.schema).toBe('bosun.drift-report/v1');
    expect(report.preset).toBe('bosun');
    expect(report.reference).toEqual({ name: REF, rows: 150 });
    expect(report.dataset).toEqual({
      testedColumns: 4,
      driftedColumns: 2,
      skippedColumns: 0,
      driftShare: 0.5,
      driftShareThreshold: 0.5,
      driftDetected: true,
    });
    const city = report.columns.find((c) => c['name'] === 'city')!;
    expect(city).toMatchObject({
      status: 'tested',
      type: 'categorical',
      method: 'chi2_contingency',
      statistic: { name: 'χ²', value: expect.any(Number) },
      pValue: expect.any(Number),
      adjustedPValue: expect.any(Number),
      scoreKind: 'p-value',
      threshold: 0.05,
      comparator: '<=',
      driftDetected: true,
      referenceSize: 150,
      currentSize: 120,
      missing: { reference: 0, current: 0 },
      distribution: { kind: 'categories', other: null },
    });
  });

  it('--columns compares a subset and --column-type declares a type', async () => {
    const subset = await drift([REF, CUR, '--no-html', '--json', '--columns', 'age,plan']);
    expect(subset.code).toBe(0);
    const r = await drift([
      REF,
      CUR,
      '--no-html',
      '--json',
      '--columns',
      'age',
      '--columns',
      'plan',
      '--column-type',
      'age=categorical',
    ]);
    const report = JSON.parse(r.out) as {
      columns: { name: string; type: string; method: string }[];
      dataset: { driftDetected: boolean };
    };
    expect(report.columns.map((c) => [c.name, c.type, c.method])).toEqual([
      ['age', 'categorical', 'chisquare'],
      ['plan', 'categorical', 'z'],
    ]);
    expect(r.code).toBe(report.dataset.driftDetected ? 1 : 0);
  });

  it('a hostile column name reaches neither the terminal nor the HTML unescaped', async () => {
    const name = '<script>alert(1)</script>';
    const ref = write('ref.csv', `"${name}"\n${Array.from({ length: 30 }, (_, i) => i / 3).join('\n')}\n`);
    const html = join(dir, 'x.html');
    const r = await drift([ref, ref, '--html', html]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(name); // plain text on a terminal is inert
    const page = readFileSync(html, 'utf8');
    expect(page).not.toContain(name);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  describe('bad input exits 2 with a message naming the file, row and column', () => {
    it.each([
      [
        'a missing file',
        () => [join(dir, 'nope.csv'), REF],
        /^error: INVALID_PARAMETER_VALUE: .*nope\.csv: no such file\n$/,
      ],
      ['an empty file', () => [write('empty.csv', ''), REF], /empty\.csv: the file is empty\n$/],
      [
        'a header without rows',
        () => [write('h.csv', 'age,income,city,plan\n'), REF],
        /h\.csv: the file has no data rows/,
      ],
      [
        'a non-numeric value in a numeric column',
        () => [REF, write('cur.csv', 'age,income,city,plan\n30,1.5,Faro,pro\n31,oops,Faro,pro\n')],
        /cur\.csv: row 2 \(line 3\), column "income": "oops" is not a number \(the column is numeric in .*reference\.csv/,
      ],
      [
        'a column missing from one side',
        () => [REF, write('c.csv', 'age,income,city\n1,2,x\n')],
        /c\.csv: has no column "plan"/,
      ],
      [
        'an unreadable format',
        () => [write('data.xlsx', 'PK\u0003\u0004'), REF],
        /data\.xlsx: cannot tell the file format/,
      ],
      [
        'invalid JSON lines',
        () => [write('d.jsonl', '{"age": 1}\n{oops}\n'), REF],
        /d\.jsonl: line 2: not valid JSON/,
      ],
      [
        'an unknown preset',
        () => [REF, CUR, '--preset', 'nannyml'],
        /Invalid --preset 'nannyml': expected evidently or bosun/,
      ],
      [
        'a bad --column-type',
        () => [REF, CUR, '--column-type', 'age=float'],
        /Invalid --column-type 'age=float'/,
      ],
      [
        'an HTML path that cannot be written',
        () => [REF, CUR, '--html', join(dir, 'no/such/dir.html')],
        /cannot write the HTML report to .*dir\.html \(ENOENT\)/,
      ],
    ])('%s', async (_what, args, message) => {
      const r = await drift(
        ['--no-html', ...args()].filter((a, i, all) => !(a === '--no-html' && all.includes('--html'))),
      );
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
    });

    it('usage errors exit 2 as well, so 1 always means drift', async () => {
      expect((await drift([REF])).code).toBe(2);
      expect((await drift([REF, CUR, '--frobnicate'])).code).toBe(2);
      const help = await drift(['--help']);
      expect(help.code).toBe(0);
      expect(help.out).toContain('Exit codes: 0 no dataset drift, 1 dataset drift detected, 2 bad input');
    });
  });
  it('--threads: the same JSON on worker threads as in one thread; a bad count exits 2', async () => {
    // 2 x 60,000 rows a side: above the size where the columns go to threads.
    const rows = (shift: number) =>
      Array.from(
        { length: 60000 },
        (_, i) => `${((i * 7919) % 10007) / 100 + shift},${(i % 997) * 0.5},${i % 3}`,
      );
    const ref = write('big-ref.csv', `a,b,c\n${rows(0).join('\n')}\n`);
    const cur = write('big-cur.csv', `a,b,c\n${rows(0.3).join('\n')}\n`);
    const one = await drift([ref, cur, '--json', '--no-html', '--threads', '1']);
    const two = await drift([ref, cur, '--json', '--no-html', '--threads', '2']);
    expect(one.err).toBe('');
    expect(two.err).toBe('');
    expect(two.code).toBe(one.code);
    expect(two.out).toBe(one.out);
    expect(JSON.parse(one.out).columns.map((c: { method: string }) => c.method)).toEqual([
      'wasserstein',
      'wasserstein',
      'jensenshannon',
    ]);
    const bad = await drift([ref, cur, '--threads', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("Invalid --threads '0': expected an integer from 1 to 64");
  });
});
