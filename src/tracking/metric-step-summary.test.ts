import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrateTo, migrateToLatest, type DatabaseHandle } from '../db/index.js';
import {
  openTestDatabase,
  openUnmigratedTestDatabase,
  testEngines,
  type TestDatabase,
} from '../db/test-support/test-databases.js';
import { sampledSteps } from './metric-history-service.js';
import { gridOf, withNewSteps, type StepSummary } from './metric-step-summary.js';
import { metricStore } from './metric-store.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';
import type { Metric } from './types.js';
import { seededUniform } from '../shared/test-support/seeded-random.js';

type Rand = () => number;
const int = (rand: Rand, low: number, high: number): number => low + Math.floor(rand() * (high - low + 1));
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

function shuffle<T>(rand: Rand, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** One run's steps of one key, of a random shape: grids (with or without holes), irregular sets, one step. */
function stepSet(rand: Rand): number[] {
  const first = int(rand, -30, 30);
  const stride = pick(rand, [1, 1, 2, 3, 7]);
  const count = int(rand, 1, 40);
  const grid = Array.from({ length: count }, (_, i) => first + i * stride);
  switch (pick(rand, ['grid', 'grid', 'hole', 'irregular', 'one', 'offgrid'] as const)) {
    case 'grid':
      return grid;
    case 'hole':
      return grid.length > 2 ? grid.filter((_, i) => i !== int(rand, 1, grid.length - 2)) : grid;
    case 'irregular':
      return [...new Set(Array.from({ length: count }, () => int(rand, -50, 200)))];
    case 'one':
      return [first];
    case 'offgrid':
      return [...grid, grid.at(-1)! + 1 + stride * 2];
  }
}

/** Points for those steps: some steps logged several times, in random order. */
function pointsOf(rand: Rand, key: string, steps: readonly number[]): Metric[] {
  const points = steps.map((step) => ({ key, step, value: int(rand, 0, 9), timestamp: int(rand, 1, 3) }));
  for (const step of steps) {
    if (rand() < 0.2) points.push({ key, step, value: int(rand, 0, 9), timestamp: int(rand, 1, 3) });
  }
  return shuffle(rand, points);
}

async function recomputed(handle: DatabaseHandle, runId: string, key: string): Promise<number[]> {
  return metricStore.distinctSteps(handle.db, runId, key);
}

async function summaryRow(
  handle: DatabaseHandle,
  runId: string,
  key: string,
): Promise<StepSummary | undefined> {
  const row = await handle.db
    .selectFrom('metric_step_summaries')
    .selectAll()
    .where('run_uuid', '=', runId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    count: Number(row.step_count),
    first: Number(row.first_step),
    last: Number(row.last_step),
    gcd: row.step_gcd === null ? null : Number(row.step_gcd),
  };
}

/** Whether sorted distinct steps form a grid first, first + d, …, last. */
function isGrid(steps: readonly number[]): boolean {
  if (steps.length <= 1) return steps.length === 1;
  const d = steps[1]! - steps[0]!;
  return steps.every((s, i) => s === steps[0]! + i * d);
}

/** What get-history-bulk-interval answered before migration 0023: MLflow's rule over every run's steps, read. */
async function byTheOldRule(
  handle: DatabaseHandle,
  runIds: string[],
  key: string,
  max: number,
  range?: { start: number; end: number },
): Promise<Metric[]> {
  const perRun = await Promise.all(runIds.map((id) => metricStore.distinctSteps(handle.db, id, key)));
  const steps = sampledSteps(perRun, max, range);
  const out: Metric[] = [];
  for (const id of runIds) out.push(...(await metricStore.atSteps(handle.db, id, key, steps, 25_000)));
  return out;
}

describe('step summaries in memory', () => {
  it('tells a grid from the count, the bounds and the gcd, and adds steps', () => {
    expect(gridOf({ count: 4, first: 0, last: 30, gcd: 10 })).toEqual({ first: 0, last: 30, stride: 10 });
    expect(gridOf({ count: 3, first: 0, last: 30, gcd: 10 })).toBeUndefined();
    expect(gridOf({ count: 1, first: -5, last: -5, gcd: 0 })).toEqual({ first: -5, last: -5, stride: 1 });
    expect(gridOf({ count: 4, first: 0, last: 3, gcd: null })).toBeUndefined();
    expect(gridOf({ count: 2, first: 0, last: 2 ** 60, gcd: 2 ** 60 })).toBeUndefined();
    expect(withNewSteps({ count: 3, first: 0, last: 2, gcd: 1 }, [5, 4, 3])).toEqual({
      count: 6,
      first: 0,
      last: 5,
      gcd: 1,
    });
    expect(withNewSteps(undefined, [10, -2, 4])).toEqual({ count: 3, first: -2, last: 10, gcd: 6 });
    expect(withNewSteps({ count: 2, first: 0, last: 10, gcd: 10 }, [5])).toEqual({
      count: 3,
      first: 0,
      last: 10,
      gcd: 5,
    });
    expect(withNewSteps({ count: 5, first: 0, last: 9, gcd: null }, [12])).toEqual({
      count: 6,
      first: 0,
      last: 12,
      gcd: null,
    });
  });
});

describe.each(testEngines)('metric step summaries on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;
  let experimentId: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    experimentId = await tracking.createExperiment({ name: `step-summaries-${engine}` });
  });
  afterAll(async () => database.dispose());

  it('samples exactly as the old rule on random step sets, and keeps each summary equal to the steps logged', async () => {
    const rand = seededUniform(20261207);
    for (let round = 0; round < 12; round++) {
      const keys = ['m', 'n'];
      const runIds: string[] = [];
      const wanted = new Map<string, number[]>(); // run id + key → the steps
      const batches: { runId: string; metrics: Metric[] }[] = [];
      for (let r = 0; r < int(rand, 1, 4); r++) {
        const runId = (await tracking.createRun({ experimentId })).info.runId;
        runIds.push(runId);
        const points: Metric[] = [];
        for (const key of keys) {
          const steps = stepSet(rand);
          wanted.set(`${runId}/${key}`, steps);
          points.push(...pointsOf(rand, key, steps));
        }
        // the run's points (both keys mixed) in log-batches of random sizes, each run's in random order
        shuffle(rand, points);
        for (let i = 0; i < points.length;) {
          const size = int(rand, 1, 25);
          batches.push({ runId, metrics: points.slice(i, i + size) });
          i += size;
        }
      }
      for (const { runId, metrics } of shuffle(rand, batches)) await tracking.logBatch(runId, { metrics });

      for (const runId of runIds) {
        for (const key of keys) {
          const steps = await recomputed(database.handle, runId, key);
          expect(steps).toEqual([...new Set(wanted.get(`${runId}/${key}`))].sort((a, b) => a - b));
          const summary = await summaryRow(database.handle, runId, key);
          expect(summary, `round ${round}`).toMatchObject({
            count: steps.length,
            first: steps[0],
            last: steps.at(-1),
          });
          expect(gridOf(summary!) !== undefined, `round ${round}: ${steps.join(',')}`).toBe(isGrid(steps));
        }
      }
      for (const key of [...keys, 'absent']) {
        for (const max of [1, 3, int(rand, 2, 30), 2500]) {
          const lo = int(rand, -40, 40);
          for (const range of [undefined, { start: lo, end: lo + int(rand, 0, 60) }]) {
            const got = await tracking.getMetricHistoryBulkInterval({
              runIds,
              metricKey: key,
              maxResults: max,
              ...(range === undefined ? {} : { startStep: range.start, endStep: range.end }),
            });
            const old = await byTheOldRule(database.handle, runIds, key, max, range);
            expect(got, `round ${round}, key ${key}, max ${max}, range ${JSON.stringify(range)}`).toEqual(
              old,
            );
          }
        }
      }
    }
  });

  it('reads neither the index nor the steps of runs whose summary is a grid', async () => {
    const runIds: string[] = [];
    for (let r = 0; r < 3; r++) {
      const runId = (await tracking.createRun({ experimentId })).info.runId;
      const metrics = Array.from({ length: 200 }, (_, i) => ({
        key: 'g',
        value: i,
        timestamp: 1,
        step: 5 * i + r,
      }));
      await tracking.logBatch(runId, { metrics: metrics.slice(100) }); // the later steps first
      await tracking.logBatch(runId, { metrics: metrics.slice(0, 100) });
      runIds.push(runId);
    }
    const scans = [vi.spyOn(metricStore, 'stepSummary'), vi.spyOn(metricStore, 'distinctSteps')];
    try {
      const got = await tracking.getMetricHistoryBulkInterval({ runIds, metricKey: 'g', maxResults: 50 });
      for (const scan of scans) expect(scan).not.toHaveBeenCalled();
      scans.forEach((s) => s.mockRestore());
      expect(got).toEqual(await byTheOldRule(database.handle, runIds, 'g', 50));
      expect(got.length).toBeGreaterThan(50);
    } finally {
      scans.forEach((s) => s.mockRestore());
    }
  });

  it('falls back to the index for a run without a summary row', async () => {
    const runId = (await tracking.createRun({ experimentId })).info.runId;
    await tracking.logBatch(runId, {
      metrics: [0, 2, 4, 6, 8, 10, 11].map((step) => ({ key: 'f', value: step, timestamp: 1, step })),
    });
    const other = (await tracking.createRun({ experimentId })).info.runId;
    await tracking.logBatch(other, {
      metrics: [0, 3, 6, 9].map((step) => ({ key: 'f', value: step, timestamp: 1, step })),
    });
    await database.handle.db.deleteFrom('metric_step_summaries').where('key', '=', 'f').execute();
    for (const max of [2, 4, 100]) {
      expect(
        await tracking.getMetricHistoryBulkInterval({
          runIds: [runId, other],
          metricKey: 'f',
          maxResults: max,
        }),
      ).toEqual(await byTheOldRule(database.handle, [runId, other], 'f', max));
    }
  });

  it('keeps the summary exact under concurrent log-batches of the same run and key', async () => {
    const runId = (await tracking.createRun({ experimentId })).info.runId;
    // 13 batches at once, overlapping: steps 0..139 in windows of 20 every 10 steps, each at two keys
    const batches = Array.from({ length: 13 }, (_, b) =>
      Array.from({ length: 20 }, (_, i) => b * 10 + i).flatMap((step) => [
        { key: 'c', value: step, timestamp: b, step },
        { key: 'd', value: step, timestamp: b, step: step * 3 },
      ]),
    );
    await Promise.all(batches.map((metrics) => tracking.logBatch(runId, { metrics })));
    expect(await summaryRow(database.handle, runId, 'c')).toEqual({
      count: 140,
      first: 0,
      last: 139,
      gcd: 1,
    });
    expect(await summaryRow(database.handle, runId, 'd')).toEqual({
      count: 140,
      first: 0,
      last: 417,
      gcd: 3,
    });
  });
});

describe.each(testEngines)('migration 0023 (metric step summaries) on %s', (engine) => {
  it('summarises the histories written before it, and later writes keep them exact', async () => {
    const { handle, dispose } = await openUnmigratedTestDatabase(engine, 'steps0023');
    try {
      expect((await migrateTo(handle, '0021-webhook-format')).at(-1)).toBe('0021-webhook-format');
      const histories: [string, string, number[]][] = [
        ['r1', 'grid', [0, 1, 2, 3, 4, 2, 0]],
        ['r1', 'strided', [-10, 0, 10, 20, 30]],
        ['r1', 'one', [7, 7]],
        ['r2', 'hole', [0, 1, 3, 4]],
        ['r2', 'false-stride', [0, 1, 5, 6]], // count 4 over a span of 6: stride 2 on paper, not a grid
        ['r2', 'irregular', [3, 4, 9, 200]],
      ];
      await sql`insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time,
          last_update_time) values (1, 'e', 'a/1', 'active', 1, 1)`.execute(handle.db);
      for (const id of ['r1', 'r2']) {
        await sql`insert into runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time,
            lifecycle_stage, artifact_uri) values (${id}, 1, ${id}, 'u', 'FINISHED', 10, 11, 'active',
            ${`a/${id}`})`.execute(handle.db);
      }
      for (const [run, key, steps] of histories) {
        for (const step of steps) {
          await sql`insert into metrics (run_uuid, key, value, is_nan, timestamp, step)
            values (${run}, ${key}, ${step}, 0, 1, ${step})`.execute(handle.db);
        }
      }

      expect(await migrateToLatest(handle)).toContain('0023-metric-step-summaries');
      const expected: Record<string, StepSummary> = {
        grid: { count: 5, first: 0, last: 4, gcd: 1 },
        strided: { count: 5, first: -10, last: 30, gcd: 10 },
        one: { count: 1, first: 7, last: 7, gcd: 0 },
        hole: { count: 4, first: 0, last: 4, gcd: null },
        'false-stride': { count: 4, first: 0, last: 6, gcd: null },
        irregular: { count: 4, first: 3, last: 200, gcd: null },
      };
      for (const [run, key] of histories) {
        expect(await summaryRow(handle, run, key), key).toEqual(expected[key]);
      }

      // writes after the migration: the hole filled (still read step by step: its gcd is unknown), the grid
      // extended, and every answer as the old rule gives it
      const tracking = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
      await tracking.logBatch('r2', { metrics: [{ key: 'hole', value: 2, timestamp: 2, step: 2 }] });
      await tracking.logBatch('r1', {
        metrics: [5, 6, 4].map((step) => ({ key: 'grid', value: step, timestamp: 2, step })),
      });
      expect(await summaryRow(handle, 'r2', 'hole')).toEqual({ count: 5, first: 0, last: 4, gcd: null });
      expect(await summaryRow(handle, 'r1', 'grid')).toEqual({ count: 7, first: 0, last: 6, gcd: 1 });
      for (const key of Object.keys(expected)) {
        for (const max of [1, 2, 3, 10]) {
          expect(
            await tracking.getMetricHistoryBulkInterval({
              runIds: ['r1', 'r2'],
              metricKey: key,
              maxResults: max,
            }),
          ).toEqual(await byTheOldRule(handle, ['r1', 'r2'], key, max));
        }
      }
    } finally {
      await dispose();
    }
  });
});
