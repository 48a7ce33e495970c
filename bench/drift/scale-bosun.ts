/**
 * Bosun's side of the drift scale benchmark (bench/drift/scale.py drives it; run it alone as below).
 *
 *   npx tsx bench/drift/scale-bosun.ts drift REF.f64 CUR.f64 COLUMNS ROWS OUT.json [THREADS]
 *   npx tsx bench/drift/scale-bosun.ts ingest ROWS BATCH OUT.json
 *
 * `drift`: REF.f64 and CUR.f64 hold COLUMNS columns of ROWS float64 values each, column after column (little
 * endian), as numpy's `tofile` writes them. Each file is read into one SharedArrayBuffer and every column is a
 * Float64Array view on it (no copy, and none when a worker thread reads it: what the file readers hand to the
 * statistics). Then `ksAndWassersteinColumns` on THREADS worker threads (default 1: this thread): per column the
 * finite values of each side gathered into an owned array and sorted once (radix sort), then two-sample KS
 * (scipy's method choice, D and p) and Evidently's normed Wasserstein in one merge pass. Times load, thread
 * start-up and compute separately (wall time, and CPU time of all threads); writes scores and times to OUT.json.
 * Peak RSS is measured by the parent (wait4).
 *
 * `ingest`: starts a Bosun server in this process (SQLite in a temporary folder), registers a model with an
 * alias, and POSTs ROWS prediction records (10 numeric features, a prediction, a request id) in batches of BATCH
 * to `/api/bosun/v1/monitoring/models/churn/predictions` over HTTP, one batch after another; writes rows per
 * second to OUT.json.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriftWorkerPool, ksAndWassersteinColumns } from '../../src/monitoring/index.js';

/** The file read into one SharedArrayBuffer (the drift threads read it without a copy), columns as views. */
function columnsOf(file: string, columns: number, rows: number): Float64Array[] {
  const size = statSync(file).size;
  if (size !== columns * rows * 8) {
    throw new Error(`${file}: ${size} bytes, expected ${columns} x ${rows} float64 values`);
  }
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  const fd = openSync(file, 'r');
  try {
    for (let at = 0; at < size;) {
      const n = readSync(fd, bytes, at, Math.min(size - at, 1 << 30), at);
      if (n === 0) throw new Error(`${file}: shorter than expected`);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return Array.from({ length: columns }, (_, c) => new Float64Array(bytes.buffer, c * rows * 8, rows));
}

async function drift(
  ref: string,
  cur: string,
  columns: number,
  rows: number,
  out: string,
  threads: number,
): Promise<void> {
  const t0 = performance.now();
  const reference = columnsOf(ref, columns, rows);
  const current = columnsOf(cur, columns, rows);
  const t1 = performance.now();
  // The threads are started (and load their modules, through tsx here) before the clock starts: start-up is
  // timed on its own, since the built CLI starts a thread in milliseconds and tsx in about a second.
  const pool = threads > 1 ? new DriftWorkerPool(threads) : undefined;
  if (pool !== undefined) {
    const tiny = {
      kind: 'ks-wasserstein',
      reference: Float64Array.of(1),
      current: Float64Array.of(2),
    } as const;
    await Promise.all(Array.from({ length: threads }, () => pool.run(tiny)));
  }
  const t2 = performance.now();
  const cpu = process.cpuUsage();
  try {
    // Per column, on `threads` threads: the finite values of each side gathered and sorted once (radix sort),
    // then KS (D and p, scipy's method choice) and the normed Wasserstein distance in one merge pass.
    const results = await ksAndWassersteinColumns(
      reference,
      current,
      pool !== undefined ? { pool } : { threads: 1 },
    );
    const t3 = performance.now();
    // process.cpuUsage counts every thread of the process.
    const used = process.cpuUsage(cpu);
    writeFileSync(
      out,
      JSON.stringify({
        threads,
        load_s: (t1 - t0) / 1000,
        pool_start_s: (t2 - t1) / 1000,
        compute_s: (t3 - t2) / 1000,
        // CPU time of the computation (user + system, all threads): on a shared machine the figure to compare.
        compute_cpu_s: (used.user + used.system) / 1e6,
        columns: results.map((r) => ({
          ks_statistic: r.ks.statistic,
          ks_p: r.ks.pValue,
          wasserstein_normed: r.wassersteinNormed,
        })),
      }),
    );
  } finally {
    await pool?.close();
  }
}

async function ingest(rows: number, batch: number, out: string): Promise<void> {
  const { openPlatform } = await import('../../src/platform/index.js');
  const { buildApp } = await import('../../src/server/index.js');
  const { testConfig } = await import('../../src/server/test-support/test-server.js');
  const { jsonRequest, registerAliasedVersion } =
    await import('../../src/server/test-support/json-request.js');
  const dir = mkdtempSync(join(tmpdir(), 'bosun-bench-ingest-'));
  const platform = await openPlatform(
    testConfig({
      backendStoreUri: `sqlite:///${join(dir, 'bosun.db')}`,
      artifactsDestination: join(dir, 'artifacts'),
      serveArtifacts: true,
      defaultArtifactRoot: 'mlflow-artifacts:/',
      bodyLimitBytes: 64 * 1024 * 1024, // the server's default (the test configuration has 1 MiB)
    }),
  );
  const app = await buildApp(platform);
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = address !== null && typeof address === 'object' ? address.port : 0;
    const call = (method: string, path: string, body?: unknown) =>
      jsonRequest(`http://127.0.0.1:${port}`, method, path, body);
    await registerAliasedVersion(call, 'churn', 'champion');
    const bodies: string[] = [];
    for (let start = 0; start < rows; start += batch) {
      const records = [];
      for (let i = start; i < Math.min(rows, start + batch); i++) {
        const features: Record<string, number> = {};
        for (let f = 0; f < 10; f++) features[`f${f}`] = ((i * 7919 + f * 104729) % 100003) / 1000;
        records.push({ features, prediction: i % 2, request_id: `r${i}` });
      }
      bodies.push(JSON.stringify({ alias: 'champion', records }));
    }
    const t0 = performance.now();
    for (const body of bodies) {
      const answer = await fetch(
        `http://127.0.0.1:${port}/api/bosun/v1/monitoring/models/churn/predictions`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        },
      );
      if (answer.status !== 200) throw new Error(`predictions: ${answer.status} ${await answer.text()}`);
      await answer.arrayBuffer();
    }
    const seconds = (performance.now() - t0) / 1000;
    writeFileSync(out, JSON.stringify({ rows, batch, seconds, rows_per_s: rows / seconds }));
  } finally {
    await app.close();
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'drift') {
  await drift(args[0]!, args[1]!, Number(args[2]), Number(args[3]), args[4]!, Number(args[5] ?? 1));
} else if (mode === 'ingest') await ingest(Number(args[0]), Number(args[1]), args[2]!);
else
  throw new Error('usage: scale-bosun.ts drift REF CUR COLUMNS ROWS OUT [THREADS] | ingest ROWS BATCH OUT');
