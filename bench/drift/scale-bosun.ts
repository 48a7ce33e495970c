/**
 * Bosun's side of the drift scale benchmark (bench/drift/scale.py drives it; run it alone as below).
 *
 *   npx tsx bench/drift/scale-bosun.ts drift REF.f64 CUR.f64 COLUMNS ROWS OUT.json
 *   npx tsx bench/drift/scale-bosun.ts ingest ROWS BATCH OUT.json
 *
 * `drift`: REF.f64 and CUR.f64 hold COLUMNS columns of ROWS float64 values each, column after column (little
 * endian), as numpy's `tofile` writes them. Each file is read into one buffer and every column is a Float64Array
 * view on it (no copy: what the file readers hand to the statistics). Then per column, as `datasetDrift` does
 * for a Float64Array column: the finite values of each side gathered into an owned array and sorted once (radix
 * sort), then two-sample KS (scipy's method choice, D and p) and Evidently's normed Wasserstein on those sorted
 * samples. Times load and compute separately (wall and CPU time); writes scores and times to OUT.json. Peak RSS is measured by the
 * parent (wait4).
 *
 * `ingest`: starts a Bosun server in this process (SQLite in a temporary folder), registers a model with an
 * alias, and POSTs ROWS prediction records (10 numeric features, a prediction, a request id) in batches of BATCH
 * to `/api/bosun/v1/monitoring/models/churn/predictions` over HTTP, one batch after another; writes rows per
 * second to OUT.json.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ks2Samp, sortOwnedSample, wassersteinDistanceNormed } from '../../src/monitoring/index.js';

function finiteSorted(values: Float64Array): ReturnType<typeof sortOwnedSample> {
  let size = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) size++;
  const out = new Float64Array(size);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[k++] = v;
  }
  return sortOwnedSample(out);
}

function columnsOf(file: string, columns: number, rows: number): Float64Array[] {
  const bytes = readFileSync(file);
  if (bytes.byteLength !== columns * rows * 8) {
    throw new Error(`${file}: ${bytes.byteLength} bytes, expected ${columns} x ${rows} float64 values`);
  }
  // readFileSync's buffer is not pooled at this size, so its offset is 0 and 8-byte aligned.
  return Array.from(
    { length: columns },
    (_, c) => new Float64Array(bytes.buffer, bytes.byteOffset + c * rows * 8, rows),
  );
}

function drift(ref: string, cur: string, columns: number, rows: number, out: string): void {
  const t0 = performance.now();
  const reference = columnsOf(ref, columns, rows);
  const current = columnsOf(cur, columns, rows);
  const t1 = performance.now();
  const cpu = process.cpuUsage();
  const results: { ks_statistic: number; ks_p: number; wasserstein_normed: number }[] = [];
  for (let c = 0; c < columns; c++) {
    const r = finiteSorted(reference[c]!);
    const k = finiteSorted(current[c]!);
    const ks = ks2Samp(r, k);
    results.push({
      ks_statistic: ks.statistic,
      ks_p: ks.pValue,
      wasserstein_normed: wassersteinDistanceNormed(r, k),
    });
  }
  const t2 = performance.now();
  const used = process.cpuUsage(cpu);
  writeFileSync(
    out,
    JSON.stringify({
      load_s: (t1 - t0) / 1000,
      compute_s: (t2 - t1) / 1000,
      // CPU time of the computation (user + system): on a shared machine the figure to compare.
      compute_cpu_s: (used.user + used.system) / 1e6,
      columns: results,
    }),
  );
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
if (mode === 'drift') drift(args[0]!, args[1]!, Number(args[2]), Number(args[3]), args[4]!);
else if (mode === 'ingest') await ingest(Number(args[0]), Number(args[1]), args[2]!);
else throw new Error('usage: scale-bosun.ts drift REF CUR COLUMNS ROWS OUT | ingest ROWS BATCH OUT');
