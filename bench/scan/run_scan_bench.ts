/**
 * Scanning speed: megabytes of pickle per second on a large real model (a scikit-learn RandomForest pickled with
 * protocol 5 and joblib-dumped; a million small Python objects), with Python's `pickletools.genops` walk (what picklescan runs) as the peer.
 *
 * usage: npx tsx bench/scan/run_scan_bench.ts   (env BENCH_SCAN_TREES=300, BENCH_SCAN_REPEATS=5,
 *        BOSUN_TEST_PYTHON=python with scikit-learn and joblib)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanBuffer } from '../../src/registry/scanning/index.js';
import { testPython } from '../../src/registry/scanning/test-support/fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
// The scanner tests' Python (mlflow 3.x, scikit-learn, joblib): BOSUN_TEST_PYTHON, else the clone's own
// .cache/venv-mlflow3, created by scripts/compat-venv.sh when missing.
const python = testPython();
const trees = Number(process.env['BENCH_SCAN_TREES'] ?? 300);
const repeats = Number(process.env['BENCH_SCAN_REPEATS'] ?? 5);

const work = mkdtempSync(join(tmpdir(), 'bosun-scan-bench-'));
try {
  console.log(`making a RandomForest with ${trees} trees (${python}) ...`);
  execFileSync(python, [join(here, 'make_big_model.py'), work, String(trees)], { stdio: 'inherit' });
  const results: Record<string, unknown>[] = [];
  for (const name of ['forest.pkl', 'forest.joblib', 'objects.pkl']) {
    const path = join(work, name);
    const data = readFileSync(path);
    const mb = data.length / 1e6;
    const times: number[] = [];
    let status = '';
    let findings = 0;
    for (let i = 0; i < repeats; i++) {
      const t = process.hrtime.bigint();
      const v = scanBuffer(name, data);
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
      status = v.status;
      findings = v.findings.length;
    }
    times.sort((a, b) => a - b);
    const best = times[0] as number;
    const median = times[Math.floor(times.length / 2)] as number;
    const peerOut = execFileSync(python, [join(here, 'peer_genops.py'), path])
      .toString()
      .trim()
      .split(' ');
    const peerSeconds = Number(peerOut[0]);
    const row = {
      file: name,
      megabytes: Number(mb.toFixed(1)),
      status,
      findings,
      bestSeconds: Number(best.toFixed(4)),
      medianSeconds: Number(median.toFixed(4)),
      mbPerSecond: Number((mb / median).toFixed(1)),
      peerPickletoolsGenopsSeconds: Number(peerSeconds.toFixed(4)),
      peerOpcodes: Number(peerOut[1]),
      peerWalk:
        peerOut[2] === 'ok' ? 'whole file' : 'stopped at the first raw array (cannot read joblib files)',
      speedupVsPeer: Number((peerSeconds / median).toFixed(1)),
    };
    results.push(row);
    console.log(
      `${name}: ${row.megabytes} MB, ${status}, median ${row.medianSeconds}s = ${row.mbPerSecond} MB/s ` +
        `(pickletools.genops: ${row.peerPickletoolsGenopsSeconds}s, ${row.speedupVsPeer}x, ${row.peerWalk})`,
    );
  }
  const out = join(here, '..', 'results', 'scan-latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      { date: new Date().toISOString(), node: process.version, cpus: cpus().length, trees, repeats, results },
      null,
      2,
    ) + '\n',
  );
  console.log(`recorded ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
