/**
 * Micro benchmark of the drift statistics against scipy on the same inputs.
 *
 *   npx tsx bench/drift/drift-stats.bench.ts [rows=200000] [columns=10] [--scipy PYTHON]
 *
 * Generates `columns` pairs of N(0,1) reference / N(0.05,1) current columns (every other column shifted) with a
 * seeded generator, writes them as raw float64 files to a temporary folder, times per column in Node:
 * sorting both sides, KS (D and p, scipy's 'auto'), Wasserstein, and both from an already sorted reference; then
 * runs bench/drift/scipy_baseline.py on the same files (ks_2samp and wasserstein_distance) with the given Python
 * (default: .cache/venv-mlflow3/bin/python) and prints the ratio. Also checks that both agree on the values.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ks2Samp, sortSample, wassersteinDistance } from '../../src/monitoring/index.js';

const args = process.argv.slice(2);
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--scipy');
const rows = Number(positional[0] ?? 200000);
const columns = Number(positional[1] ?? 10);
const scipyAt = args.indexOf('--scipy');
const here = fileURLToPath(new URL('.', import.meta.url));
const python = scipyAt >= 0 ? args[scipyAt + 1]! : join(here, '../../.cache/venv-mlflow3/bin/python');

function normal(n: number, shift: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const a = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(a) + shift;
    if (i + 1 < n) out[i + 1] = r * Math.sin(a) + shift;
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'bosun-drift-bench-'));
try {
  const ref: Float64Array[] = [];
  const cur: Float64Array[] = [];
  for (let c = 0; c < columns; c++) {
    ref.push(normal(rows, 0, 1000 + c));
    cur.push(normal(rows, c % 2 ? 0.05 : 0, 2000 + c));
    writeFileSync(join(dir, `ref${c}.f64`), Buffer.from(ref[c]!.buffer));
    writeFileSync(join(dir, `cur${c}.f64`), Buffer.from(cur[c]!.buffer));
  }
  const ms = { sort: 0, ksW1Raw: 0, ksW1Sorted: 0 };
  const node: { ks_d: number; ks_p: number; w1: number }[] = [];
  for (let c = 0; c < columns; c++) {
    let t = performance.now();
    const rs = sortSample(ref[c]!);
    const cs = sortSample(cur[c]!);
    ms.sort += performance.now() - t;
    t = performance.now();
    ks2Samp(ref[c]!, cur[c]!);
    wassersteinDistance(ref[c]!, cur[c]!);
    ms.ksW1Raw += performance.now() - t;
    t = performance.now();
    const ks = ks2Samp(rs, cs);
    const w1 = wassersteinDistance(rs, cs);
    ms.ksW1Sorted += performance.now() - t;
    node.push({ ks_d: ks.statistic, ks_p: ks.pValue, w1 });
  }
  const totalRaw = ms.ksW1Raw / 1000;
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  console.log(`data: ${columns} columns × (${rows} + ${rows}) rows, float64`);
  console.log(`node  sort both sides:              ${(ms.sort / columns).toFixed(1)} ms/column`);
  console.log(
    `node  KS (D + p) + W1 from raw:     ${(ms.ksW1Raw / columns).toFixed(1)} ms/column, ${totalRaw.toFixed(2)} s total`,
  );
  console.log(`node  KS (D + p) + W1 pre-sorted:   ${(ms.ksW1Sorted / columns).toFixed(1)} ms/column`);
  if (existsSync(python)) {
    const out = execFileSync(python, [join(here, 'scipy_baseline.py'), dir, String(columns), String(rows)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const py = JSON.parse(out) as {
      seconds: number;
      versions: string;
      results: { ks_d: number; ks_p: number; w1: number }[];
    };
    console.log(
      `scipy ks_2samp + wasserstein:       ${((py.seconds * 1000) / columns).toFixed(1)} ms/column, ${py.seconds.toFixed(2)} s total (${py.versions})`,
    );
    console.log(`ratio scipy / node (raw input):     ${(py.seconds / totalRaw).toFixed(1)}×`);
    let worst = 0;
    py.results.forEach((r, c) => {
      const n = node[c]!;
      for (const k of ['ks_d', 'ks_p', 'w1'] as const) {
        const rel = r[k] === n[k] ? 0 : Math.abs(r[k] - n[k]) / Math.abs(r[k]);
        worst = Math.max(worst, rel);
      }
    });
    console.log(`largest relative difference from scipy over all values: ${worst.toExponential(2)}`);
  } else {
    console.log(`(no Python at ${python}: scipy comparison skipped)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
