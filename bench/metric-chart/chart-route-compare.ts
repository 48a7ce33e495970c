/**
 * The chart's server work, old path against new, paired on one database (run chart-history-bench.ts first to
 * populate it): what `get-history-bulk-interval` does for the chart (sampled points as objects, MLflow's wire form,
 * JSON text) against what `/api/bosun/v1/metrics/sampled-histories` does (the same points in columns, JSON text).
 * Each side has its own connection, `--uri-old` its own copy of the database (say, one without migration 0031's
 * index); the old side reads with `mmap_size` 0 as before commit a14ee73, the new side with the server's setting
 * (`--mmap BYTES` overrides it; `--mmap-both` gives the old side the new side's). Calls alternate, old first then
 * new, after one untimed call each.
 * Not a test: it prints JSON. See docs/benchmarks.md (Web UI, the chart).
 *
 *   npx tsx bench/metric-chart/chart-route-compare.ts --uri sqlite:////tmp/chart.db [--uri-old URI] [--pairs 5]
 *     [--mmap BYTES] [--mmap-both] [--max-results 1000] [--experiment chart-100x100000]
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/index.js';
import { sampledHistoriesToWire } from '../../src/server/api/metric-history-routes.js';
import { metricsToWire } from '../../src/server/mlflow/wire.js';
import { createTrackingService } from '../../src/tracking/tracking-service.js';
import type { TrackingService } from '../../src/tracking/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function open(
  uri: string,
  mmap: number,
): Promise<{ handle: DatabaseHandle; tracking: TrackingService }> {
  const handle = openDatabase(uri);
  if (handle.engine === 'sqlite' && mmap > 0) await sql.raw(`pragma mmap_size = ${mmap}`).execute(handle.db);
  return { handle, tracking: createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' }) };
}

async function main(): Promise<void> {
  const uri = arg('uri', '');
  if (uri === '') throw new Error('--uri is required');
  const pairs = Number(arg('pairs', '5'));
  const mmapArg = arg('mmap', '');
  const mmap = mmapArg === '' ? undefined : Number(mmapArg);
  const maxResults = Number(arg('max-results', '1000'));
  const both = process.argv.includes('--mmap-both');
  const old = await open(arg('uri-old', uri), both ? mmap : 0);
  const neu = await open(uri, mmap);
  try {
    const experiment = await old.tracking.getExperimentByName(arg('experiment', 'chart-100x100000'));
    const runs = await old.tracking.searchRuns({
      experimentIds: [experiment.experimentId],
      maxResults: 1000,
    });
    const runIds = runs.items
      .filter((r) => /^r\d+$/.test(r.info.runName ?? ''))
      .sort((a, b) => Number(a.info.runName!.slice(1)) - Number(b.info.runName!.slice(1)))
      .map((r) => r.info.runId);
    const query = { runIds, metricKey: 'loss', maxResults };
    const sides = {
      old: async () => {
        const points = await old.tracking.getMetricHistoryBulkInterval(query);
        const text = JSON.stringify({ metrics: metricsToWire(points) });
        return { points: points.length, bytes: text.length, digest: digestOf(points) };
      },
      new: async () => {
        const histories = await neu.tracking.getSampledHistories(query);
        const text = JSON.stringify({ histories: sampledHistoriesToWire(histories) });
        const points = histories.flatMap((h) =>
          h.steps.map((step, i) => ({
            runId: h.runId,
            step,
            value: h.values[i]!,
            timestamp: h.timestamps[i]!,
          })),
        );
        return { points: points.length, bytes: text.length, digest: digestOf(points) };
      },
    };
    const times = { old: [] as number[], new: [] as number[] };
    const ratios: number[] = [];
    const answers: Record<string, unknown> = {};
    for (let i = 0; i <= pairs; i++) {
      const pair: Record<string, number> = {};
      for (const side of ['old', 'new'] as const) {
        const t = performance.now();
        answers[side] = await sides[side]();
        pair[side] = (performance.now() - t) / 1000;
      }
      if (i === 0) continue; // the first pair warms the caches
      times.old.push(pair.old!);
      times.new.push(pair.new!);
      ratios.push(pair.old! / pair.new!);
    }
    console.log(
      JSON.stringify(
        {
          uri: uri.replace(/\/\/[^@/]*@/, '//'),
          runs: runIds.length,
          maxResults,
          mmap: mmap ?? 'the server’s',
          mmapBoth: both,
          answers,
          oldSeconds: times.old,
          newSeconds: times.new,
          oldMedian: median(times.old),
          newMedian: median(times.new),
          pairedRatioMedian: median(ratios),
        },
        null,
        2,
      ),
    );
  } finally {
    await old.handle.close();
    await neu.handle.close();
  }
}

/** The answer's points (run, step, value, timestamp), in order, hashed: equal digests are equal answers. */
function digestOf(
  points: readonly { runId?: string; step: number; value: number; timestamp: number }[],
): string {
  const hash = createHash('sha256');
  for (const p of points) hash.update(`${p.runId}|${p.step}|${p.value}|${p.timestamp}\n`);
  return hash.digest('hex');
}

await main();
