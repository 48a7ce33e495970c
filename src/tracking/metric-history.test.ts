import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { sampledSteps, unionOfSteps } from './metric-history-service.js';
import { metricStore } from './metric-store.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';
import type { Metric } from './types.js';

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

const point = (step: number, timestamp = 1, value = 10): Metric => ({ key: 'm', value, timestamp, step });
const steps = (metrics: Metric[]): number[] => metrics.map((m) => m.step);

describe.each(testEngines)('metric histories of several runs (the web UI), on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;
  let experimentId: string;

  const runWith = async (metrics: Metric[]): Promise<string> => {
    const run = await tracking.createRun({ experimentId });
    if (metrics.length > 0) await tracking.logBatch(run.info.runId, { metrics });
    return run.info.runId;
  };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    experimentId = await tracking.createExperiment({ name: `bulk-${engine}` });
  });
  afterAll(async () => database.dispose());

  it('lets other work of the server run while it reads the runs (SQLite reads are synchronous)', async () => {
    const runIds: string[] = [];
    for (let r = 0; r < 3; r++) runIds.push(await runWith(Array.from({ length: 50 }, (_, i) => point(i))));
    // A task queued while the read has started: it runs before the read ends only if the read gives the event
    // loop a turn (a request of another page would wait behind the whole read otherwise).
    let otherTaskRan = false;
    const read = tracking.getSampledHistories({ runIds, metricKey: 'm', maxResults: 10 });
    setImmediate(() => (otherTaskRan = true));
    const histories = await read;
    const ranBeforeTheEnd = otherTaskRan;
    expect(histories.map((h) => h.steps.length)).toEqual([11, 11, 11]);
    expect(ranBeforeTheEnd).toBe(true);
  });

  it('samples steps as MLflow does: every (n/max)th step of the union, the last one, and each run’s first and last', async () => {
    const ten = await runWith(Array.from({ length: 10 }, (_, i) => point(i)));
    const sampled = await tracking.getMetricHistoryBulkInterval({
      runIds: [ten],
      metricKey: 'm',
      maxResults: 5,
    });
    expect(steps(sampled)).toEqual([0, 2, 4, 6, 8, 9]);
    expect(sampled[0]).toEqual({ key: 'm', value: 10, timestamp: 1, step: 0, runId: ten });

    const ranged = await tracking.getMetricHistoryBulkInterval({
      runIds: [ten],
      metricKey: 'm',
      startStep: 0,
      endStep: 4,
      maxResults: 5,
    });
    expect(steps(ranged)).toEqual([0, 1, 2, 3, 4]);

    const twenty = await runWith(Array.from({ length: 20 }, (_, i) => point(i)));
    const both = await tracking.getMetricHistoryBulkInterval({
      runIds: [ten, twenty],
      metricKey: 'm',
      maxResults: 5,
    });
    expect(both.map((m) => [m.runId === ten ? 'ten' : 'twenty', m.step])).toEqual([
      ...[0, 4, 8, 9].map((s) => ['ten', s]),
      ...[0, 4, 8, 9, 12, 16, 19].map((s) => ['twenty', s]),
    ]);

    // Several values at one step all come back, by timestamp.
    await tracking.logBatch(ten, { metrics: Array.from({ length: 10 }, (_, i) => point(i, 2)) });
    const doubled = await tracking.getMetricHistoryBulkInterval({
      runIds: [ten],
      metricKey: 'm',
      maxResults: 5,
    });
    expect(doubled.map((m) => [m.step, m.timestamp])).toEqual(
      [0, 2, 4, 6, 8, 9].flatMap((s) => [
        [s, 1],
        [s, 2],
      ]),
    );
  });

  it('reads the steps of a run only when they do not form a grid, and samples as if it had read them all', async () => {
    const grid = (first: number, count: number, stride: number): number[] =>
      Array.from({ length: count }, (_, i) => first + i * stride);
    const stepLists = [
      grid(0, 300, 1), // 0..299
      grid(100, 250, 1), // 100..349: the same lattice, overlapping
      grid(5, 40, 10), // 5, 15, …, 395: another lattice
      [7], // one step
      [0, 1, 5, 6], // count 4 over a span of 6: stride 2 on paper, but 1 and 5 are off that grid
      [3, 4, 9, 200, 201, 1000], // no stride at all
    ];
    // A grid run logged twice at some steps and not in step order: still a grid of distinct steps.
    const runIds: string[] = [];
    for (const [i, list] of stepLists.entries()) {
      const points = list.map((s) => point(s, 1, i)).reverse();
      if (i === 0) points.push(point(0, 2, 99), point(150, 2, 99));
      runIds.push(await runWith(points));
    }
    const read = vi.spyOn(metricStore, 'distinctSteps');
    try {
      for (const [maxResults, range] of [
        [50, undefined],
        [7, undefined],
        [2500, undefined],
        [20, { startStep: 90, endStep: 360 }],
      ] as const) {
        read.mockClear();
        const sampled = await tracking.getMetricHistoryBulkInterval({
          runIds,
          metricKey: 'm',
          maxResults,
          ...range,
        });
        const wanted = sampledSteps(
          stepLists.map((l) => [...l].sort((a, b) => a - b)),
          maxResults,
          range === undefined ? undefined : { start: range.startStep, end: range.endStep },
        );
        for (const [i, id] of runIds.entries()) {
          const expected = wanted.filter((s) => stepLists[i]!.includes(s));
          const got = [...new Set(steps(sampled.filter((m) => m.runId === id)))];
          expect(got, `run ${i}, max_results ${maxResults}`).toEqual(expected);
        }
        // Only the two runs without a grid had their steps read; the 300 + 250 + 40 steps of the others were not.
        expect(read.mock.calls.map((c) => runIds.indexOf(c[1]))).toEqual([4, 5]);
      }
    } finally {
      read.mockRestore();
    }
  });

  it('uses 2500 as the default and largest max_results, and MLflow’s messages for bad requests', async () => {
    const long = await runWith(Array.from({ length: 1000 }, (_, i) => point(i * 3)));
    const all = await tracking.getMetricHistoryBulkInterval({ runIds: [long], metricKey: 'm' });
    expect(all).toHaveLength(1000);
    expect(
      await tracking.getMetricHistoryBulkInterval({ runIds: [long], metricKey: 'm', maxResults: 2500 }),
    ).toHaveLength(1000);
    const ids = Array.from({ length: 101 }, (_, i) => `id_${i}`);
    expect(await failure(tracking.getMetricHistoryBulkInterval({ runIds: ids, metricKey: 'm' }))).toBe(
      'INVALID_PARAMETER_VALUE: GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.',
    );
    for (const maxResults of [0, -1, 2501, 1.5]) {
      expect(
        await failure(tracking.getMetricHistoryBulkInterval({ runIds: [long], metricKey: 'm', maxResults })),
      ).toBe('INVALID_PARAMETER_VALUE: max_results must be between 1 and 2500.');
    }
    expect(await failure(tracking.getMetricHistoryBulkInterval({ runIds: [], metricKey: 'm' }))).toBe(
      "INVALID_PARAMETER_VALUE: Missing value for required parameter 'run_ids'.",
    );
    expect(await failure(tracking.getMetricHistoryBulkInterval({ runIds: [long], metricKey: '' }))).toBe(
      "INVALID_PARAMETER_VALUE: Missing value for required parameter 'metric_key'.",
    );
    expect(
      await failure(
        tracking.getMetricHistoryBulkInterval({ runIds: [long], metricKey: 'm', startStep: 1, endStep: 0 }),
      ),
    ).toBe(
      'INVALID_PARAMETER_VALUE: end_step must be greater than start_step. Found start_step=1 and end_step=0.',
    );
    expect(
      await failure(tracking.getMetricHistoryBulkInterval({ runIds: [long], metricKey: 'm', startStep: 1 })),
    ).toBe(
      'INVALID_PARAMETER_VALUE: If either start step or end step are specified, both must be specified.',
    );
    expect(
      await failure(tracking.getMetricHistoryBulkInterval({ runIds: ['f'.repeat(32)], metricKey: 'm' })),
    ).toMatch(/^RESOURCE_DOES_NOT_EXIST: /);
  });

  it('returns every value of several runs for get-history-bulk, by run id then timestamp, step and value', async () => {
    const a = await runWith([point(0, 5, 1), point(1, 3, 2), point(1, 3, 1)]);
    const b = await runWith([point(7, 1, 9)]);
    const [first, second] = [a, b].sort();
    const all = await tracking.getMetricHistoryBulk({ runIds: [b, a, 'f'.repeat(32)], metricKey: 'm' });
    expect(all.map((m) => m.runId)).toEqual([first, second].flatMap((id) => (id === a ? [a, a, a] : [b])));
    expect(all.filter((m) => m.runId === a).map((m) => [m.timestamp, m.step, m.value])).toEqual([
      [3, 1, 1],
      [3, 1, 2],
      [5, 0, 1],
    ]);
    expect(
      await tracking.getMetricHistoryBulk({ runIds: [a, b], metricKey: 'm', maxResults: 2 }),
    ).toHaveLength(2);
    expect(await tracking.getMetricHistoryBulk({ runIds: [a], metricKey: 'other' })).toEqual([]);
    expect(await failure(tracking.getMetricHistoryBulk({ runIds: [], metricKey: 'm' }))).toBe(
      'INVALID_PARAMETER_VALUE: GetMetricHistoryBulk request must specify at least one run_id.',
    );
    const ids = Array.from({ length: 101 }, (_, i) => `id_${i}`);
    expect(await failure(tracking.getMetricHistoryBulk({ runIds: ids, metricKey: 'm' }))).toBe(
      'INVALID_PARAMETER_VALUE: GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.',
    );
    expect(await failure(tracking.getMetricHistoryBulk({ runIds: [a], metricKey: '' }))).toBe(
      'INVALID_PARAMETER_VALUE: GetMetricHistoryBulk request must specify a metric_key.',
    );
  });
});

describe('the union of the runs’ steps for sampling', () => {
  it('expands grids per lattice and merges the steps read', () => {
    expect(
      unionOfSteps(
        [
          { first: 0, last: 4, stride: 1 },
          { first: 3, last: 6, stride: 1 },
        ],
        [[10, 15]],
      ),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 10, 15]);
    expect(
      unionOfSteps(
        [
          { first: 4, last: 12, stride: 4 },
          { first: 0, last: 8, stride: 4 },
          { first: -3, last: 3, stride: 3 },
          { first: 20, last: 20, stride: 1 },
        ],
        [],
      ),
    ).toEqual([-3, 0, 3, 4, 8, 12, 20]);
    expect(unionOfSteps([{ first: 0, last: 99_999, stride: 1 }], [])).toHaveLength(100_000);
    expect(unionOfSteps([], [])).toEqual([]);
  });
});
