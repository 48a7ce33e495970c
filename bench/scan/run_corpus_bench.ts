/**
 * False positives and false negatives of the model-file scanner on a corpus of real models (logged with the
 * real `mlflow` client: scikit-learn, XGBoost, LightGBM, PyTorch, Keras) and malicious pickles of every family
 * in every container (bench/scan/make_corpus.py).
 *
 * usage: npx tsx bench/scan/run_corpus_bench.ts
 *   env BENCH_CORPUS_DIR=dir   reuse a corpus made before (default: made afresh in a temporary folder)
 *
 * The Python environment (.cache/venv-scan-corpus, about 5 GB with torch) is created by
 * bench/scan/corpus-venv.sh on first use. Results: bench/results/scan-corpus-latest.json and a table on stdout.
 */
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  allowListSize,
  scanBuffer,
  scanFiles,
  type ScanInputFile,
  type ScanVerdict,
} from '../../src/registry/scanning/index.js';

interface Case {
  path: string;
  /** `code`: a real model whose file carries code (a lambda, a class pickled by value): must not be clean. */
  kind: 'real' | 'malicious' | 'code';
  group: string;
  name: string;
  /** `failed`: a container the scanner cannot open, whose right verdict is a failed (fail-closed) scan. */
  expect?: 'failed';
}

const here = dirname(fileURLToPath(import.meta.url));

async function* filesUnder(root: string, dir = root): AsyncGenerator<ScanInputFile> {
  for (const name of (await readdir(dir)).sort()) {
    const full = join(dir, name);
    const s = await stat(full);
    if (s.isDirectory()) yield* filesUnder(root, full);
    else yield { path: relative(root, full), size: s.size, read: async () => createReadStream(full) };
  }
}

async function scanCase(dir: string, c: Case): Promise<ScanVerdict> {
  const full = join(dir, c.path);
  if ((await stat(full)).isDirectory()) return scanFiles(filesUnder(full));
  return scanBuffer(c.path.split('/').pop() ?? c.path, readFileSync(full));
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)} %`;
}

async function main(): Promise<void> {
  let dir = process.env['BENCH_CORPUS_DIR'];
  let made = false;
  if (!dir || !existsSync(join(dir, 'cases.json'))) {
    const python = execFileSync('bash', [join(here, 'corpus-venv.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    }).trim();
    dir ??= mkdtempSync(join(tmpdir(), 'bosun-scan-corpus-'));
    made = process.env['BENCH_CORPUS_DIR'] === undefined;
    console.log(`building the corpus in ${dir} (${python}) ...`);
    execFileSync(python, [join(here, 'make_corpus.py'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  try {
    const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[];
    const groups = new Map<
      string,
      {
        kind: Case['kind'];
        total: number;
        clean: number;
        suspicious: number;
        unsafe: number;
        failed: number;
        misses: number;
      }
    >();
    const misses: string[] = [];
    let seconds = 0;
    for (const c of cases) {
      const started = process.hrtime.bigint();
      const v = await scanCase(dir, c);
      seconds += Number(process.hrtime.bigint() - started) / 1e9;
      const g = groups.get(c.group) ?? {
        kind: c.kind,
        total: 0,
        clean: 0,
        suspicious: 0,
        unsafe: 0,
        failed: 0,
        misses: 0,
      };
      g.total += 1;
      g[v.status] += 1;
      groups.set(c.group, g);
      const wrong =
        c.kind === 'real'
          ? v.status !== 'clean'
          : c.expect === 'failed'
            ? v.status === 'clean'
            : c.kind === 'code'
              ? v.status === 'clean'
              : v.status === 'clean' || v.status === 'failed';
      if (wrong) {
        g.misses += 1;
        const why = v.findings
          .filter((f) => f.kind !== 'not-scanned')
          .slice(0, 4)
          .map(
            (f) =>
              `${f.kind} ${f.module ?? ''}.${f.name ?? ''} (${f.file})${f.kind === 'scan-error' ? `: ${f.detail}` : ''}`,
          )
          .join('; ');
        misses.push(`${c.kind} ${c.group} / ${c.name}: ${v.status}${why ? ` — ${why}` : ''}`);
      }
    }
    const order: Record<Case['kind'], number> = { real: 0, code: 1, malicious: 2 };
    const rows = [...groups.entries()].sort(
      ([a, x], [b, y]) => order[x.kind] - order[y.kind] || a.localeCompare(b),
    );
    console.log('\n| kind | group | cases | clean | suspicious | unsafe | failed | rate |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    const totals = {
      real: { n: 0, fp: 0 },
      code: { n: 0, clean: 0 },
      malicious: { n: 0, notFlagged: 0, clean: 0 },
    };
    for (const [name, g] of rows) {
      const rate =
        g.kind === 'real'
          ? `FP ${pct(g.misses, g.total)}`
          : g.kind === 'code'
            ? `clean ${pct(g.clean, g.total)} (must be 0)`
            : `FN ${pct(g.misses, g.total)} (clean ${pct(g.clean, g.total)})`;
      console.log(
        `| ${g.kind} | ${name} | ${g.total} | ${g.clean} | ${g.suspicious} | ${g.unsafe} | ${g.failed} | ${rate} |`,
      );
      if (g.kind === 'real') {
        totals.real.n += g.total;
        totals.real.fp += g.misses;
      } else if (g.kind === 'code') {
        totals.code.n += g.total;
        totals.code.clean += g.clean;
      } else {
        totals.malicious.n += g.total;
        totals.malicious.notFlagged += g.misses;
        totals.malicious.clean += g.clean;
      }
    }
    console.log(
      `\nreal models: ${totals.real.n}, not clean: ${totals.real.fp} (FP ${pct(totals.real.fp, totals.real.n)}); ` +
        `malicious: ${totals.malicious.n}, not flagged: ${totals.malicious.notFlagged} ` +
        `(FN ${pct(totals.malicious.notFlagged, totals.malicious.n)}), called clean: ${totals.malicious.clean}; ` +
        `real models carrying code: ${totals.code.n}, called clean: ${totals.code.clean}; ` +
        `scan time ${seconds.toFixed(2)} s for ${cases.length} cases; allow list ${allowListSize()} entries`,
    );
    for (const m of misses) console.log(`  MISS ${m}`);
    const out = join(here, '..', 'results', 'scan-corpus-latest.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cpus: cpus().length,
          allowListEntries: allowListSize(),
          totals,
          scanSeconds: Number(seconds.toFixed(3)),
          groups: Object.fromEntries(rows),
          misses,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`recorded ${out}`);
  } finally {
    if (made) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
