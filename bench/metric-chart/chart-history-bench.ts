/**
 * The server side of the web UI's chart of 100 runs × 100,000 steps, timed in process (no HTTP, no browser):
 * `getMetricHistoryBulkInterval` for one metric of every run, as `get-history-bulk-interval` calls it, and the
 * metric write path (`logBatch` of 1,000 points: 10 keys × 100 steps, bench/run_bench.py's ingest shape).
 * Not a test: it prints JSON. See docs/benchmarks.md (Web UI, the chart).
 *
 *   npx tsx bench/metric-chart/chart-history-bench.ts --uri sqlite:////tmp/chart.db [--runs 100] [--steps 100000]
 *     [--repeats 5] [--max-results 1000] [--ingest-batches 200] [--out FILE]
 *
 * The first call on an empty database writes the history straight into `metrics` and `latest_metrics` with one
 * INSERT … SELECT per run (a recursive CTE on SQLite, generate_series on PostgreSQL), then migrates nothing more:
 * run it once with an older build to populate, then with a newer one to time the same rows after its migrations
 * (the time `migrateToLatest` took is printed). `--out` writes the sampled answer's digest, to check that two builds
 * answer the same.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createTrackingService } from '../../src/tracking/tracking-service.js';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const uri = arg('uri');
  const runCount = Number(arg('runs', '100'));
  const stepCount = Number(arg('steps', '100000'));
  const repeats = Number(arg('repeats', '5'));
  const maxResults = Number(arg('max-results', '1000'));
  const ingestBatches = Number(arg('ingest-batches', '200'));
  const handle = openDatabase(uri);
  const out: Record<string, unknown> = { uri: uri.replace(/\/\/[^@/]*@/, '//'), runCount, stepCount };
  try {
    let t = performance.now();
    out.migrated = await migrateToLatest(handle);
    out.migrateSeconds = (performance.now() - t) / 1000;
    const tracking = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    const name = `chart-${runCount}x${stepCount}`;
    let experiment = await tracking.getExperimentByName(name).catch(() => undefined);
    if (experiment === undefined) {
      t = performance.now();
      const experimentId = await tracking.createExperiment({ name });
      for (let i = 0; i < runCount; i++) {
        const run = await tracking.createRun({
          experimentId,
          runName: `r${i}`,
          startTime: 1_700_000_000_000,
        });
        const id = run.info.runId;
        const series =
          handle.engine === 'sqlite'
            ? sql`with recursive s(step) as (select 0 union all select step + 1 from s where step < ${stepCount - 1})
                  select ${id}, 'loss', 1.0 / (1 + step + ${i}), 0, 1700000000000 + step * 10, step from s`
            : sql`select ${id}, 'loss', 1.0 / (1 + step + ${i}), 0, 1700000000000 + step * 10, step
                  from generate_series(0, ${stepCount - 1}) as step`;
        await sql`insert into metrics (run_uuid, key, value, is_nan, timestamp, step) ${series}`.execute(
          handle.db,
        );
        await tracking.logBatch(id, {
          metrics: [{ key: 'loss', value: 1 / (stepCount + i), timestamp: 1, step: stepCount - 1 }],
        });
        // The rows above bypassed the write path: their step summary (a grid 0..steps-1) is written as it would be.
        await sql`update metric_step_summaries set step_count = ${stepCount}, first_step = 0,
                  last_step = ${stepCount - 1}, step_gcd = ${stepCount > 1 ? 1 : 0}
                  where run_uuid = ${id} and key = 'loss'`.execute(handle.db);
      }
      out.populateSeconds = (performance.now() - t) / 1000;
      experiment = await tracking.getExperimentByName(name);
    }
    const runs = await tracking.searchRuns({
      experimentIds: [experiment.experimentId],
      maxResults: 1000,
      orderBy: ['attributes.start_time ASC', 'attributes.run_name ASC'],
    });
    const runIds = runs.items
      .filter((r) => /^r\d+$/.test(r.info.runName ?? ''))
      .sort((a, b) => Number(a.info.runName!.slice(1)) - Number(b.info.runName!.slice(1)))
      .map((r) => r.info.runId);
    const times: number[] = [];
    let digest = '';
    let points = 0;
    for (let i = 0; i <= repeats; i++) {
      t = performance.now();
      const answer = await tracking.getMetricHistoryBulkInterval({ runIds, metricKey: 'loss', maxResults });
      const seconds = (performance.now() - t) / 1000;
      if (i > 0) times.push(seconds); // the first call warms the caches
      points = answer.length;
      digest = createHash('sha256').update(JSON.stringify(answer)).digest('hex');
    }
    out.bulkInterval = { runs: runIds.length, points, digest, seconds: times, median: median(times) };

    // log-batch: 1,000 points a call (10 keys × 100 steps, the next steps each call), into a fresh run
    const ingestExperiment = `${name}-ingest-${Date.now()}`;
    const ingestRun = (
      await tracking.createRun({ experimentId: await tracking.createExperiment({ name: ingestExperiment }) })
    ).info.runId;
    const latencies: number[] = [];
    const started = performance.now();
    for (let b = 0; b < ingestBatches; b++) {
      const metrics = Array.from({ length: 1000 }, (_, j) => ({
        key: `m${j % 10}`,
        value: (j * 7919) % 10007,
        timestamp: 1_700_000_000_000 + b,
        step: b * 100 + Math.floor(j / 10),
      }));
      const s = performance.now();
      await tracking.logBatch(ingestRun, { metrics });
      latencies.push(performance.now() - s);
    }
    const total = (performance.now() - started) / 1000;
    out.logBatch = {
      batches: ingestBatches,
      pointsPerSecond: Math.round((ingestBatches * 1000) / total),
      latencyMedianMs: median(latencies),
    };
    const text = JSON.stringify(out, null, 2);
    console.log(text);
    if (process.argv.includes('--out')) writeFileSync(arg('out'), text);
  } finally {
    await handle.close();
  }
}

await main();
