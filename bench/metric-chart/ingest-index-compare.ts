/**
 * What migration 0031 (metric values in the history index) costs the write path: `logBatch` of 1,000 points
 * (10 keys × 100 steps, bench/run_bench.py's ingest shape) into two fresh databases, one migrated up to 0030 and
 * one to the latest, batches alternating. Not a test: it prints JSON. See docs/benchmarks.md.
 *
 *   npx tsx bench/metric-chart/ingest-index-compare.ts --uri-old sqlite:////tmp/a.db --uri-new sqlite:////tmp/b.db
 *     [--batches 300]
 */
import { migrateTo, migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createTrackingService } from '../../src/tracking/tracking-service.js';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const batches = Number(arg('batches', '300'));
  const oldHandle = openDatabase(arg('uri-old'));
  const newHandle = openDatabase(arg('uri-new'));
  try {
    await migrateTo(oldHandle, '0030-search-covering-indexes');
    await migrateToLatest(newHandle);
    const sides = [oldHandle, newHandle].map(async (handle) => {
      const tracking = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
      const experimentId = await tracking.createExperiment({ name: `ingest-${Date.now()}` });
      return { tracking, runId: (await tracking.createRun({ experimentId })).info.runId, ms: [] as number[] };
    });
    const [old, neu] = await Promise.all(sides);
    const ratios: number[] = [];
    for (let b = 0; b < batches; b++) {
      const metrics = Array.from({ length: 1000 }, (_, j) => ({
        key: `m${j % 10}`,
        value: (j * 7919) % 10007,
        timestamp: 1_700_000_000_000 + b,
        step: b * 100 + Math.floor(j / 10),
      }));
      for (const side of b % 2 === 0 ? [old!, neu!] : [neu!, old!]) {
        const t = performance.now();
        await side.tracking.logBatch(side.runId, { metrics });
        side.ms.push(performance.now() - t);
      }
      ratios.push(neu!.ms.at(-1)! / old!.ms.at(-1)!);
    }
    console.log(
      JSON.stringify({
        batches,
        oldMedianMs: median(old!.ms),
        newMedianMs: median(neu!.ms),
        newOverOldPairedMedian: median(ratios),
      }),
    );
  } finally {
    await oldHandle.close();
    await newHandle.close();
  }
}

await main();
