import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { loadRuns } from './run-loader.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';
import type { Run } from './types.js';

/**
 * A plugin that counts the statements executed through the Kysely instance it is added to (on results: a
 * plugin also transforms each subquery it builds, once per statement executed it sees one result).
 */
function queryCounter(): { plugin: KyselyPlugin; count: () => number; reset: () => void } {
  let n = 0;
  return {
    plugin: {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        n += 1;
        return args.result;
      },
    },
    count: () => n,
    reset: () => {
      n = 0;
    },
  };
}

describe.each(testEngines)('loading whole runs on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;
  let counted: TrackingService;
  let countedDb: TestDatabase['handle']['db'];
  const counter = queryCounter();
  let experimentId: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    countedDb = database.handle.db.withPlugin(counter.plugin);
    const handle = { ...database.handle, db: countedDb };
    counted = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    experimentId = await tracking.createExperiment({ name: 'run-loader' });
  });
  afterAll(async () => database?.dispose());

  it('gives every part of each run, in the order asked, in one query', async () => {
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((runName, i) => tracking.createRun({ experimentId, runName, startTime: 1000 + i })),
    );
    if (!a || !b || !c) throw new Error('runs not created');
    const id = a.info.runId;
    await tracking.logBatch(id, {
      params: [
        { key: 'gamma', value: '3' },
        { key: 'alpha', value: '1' },
        { key: 'beta', value: 'x'.repeat(6000) },
      ],
      tags: [
        { key: 'team', value: 'ml "quoted" \\ \n ünïcode' },
        { key: 'owner', value: '' },
      ],
      metrics: [
        { key: 'sum', value: 0.1 + 0.2, timestamp: 2 ** 41, step: 2 ** 40 },
        { key: 'loss', value: NaN, timestamp: 5, step: -3 },
        { key: 'top', value: Infinity, timestamp: 6, step: 0 },
        { key: 'bottom', value: -Infinity, timestamp: 7, step: 0 },
        { key: 'tiny', value: 5e-324, timestamp: 8, step: 1 },
        { key: 'max', value: 1.7976931348623155e308, timestamp: 9, step: 2 },
      ],
    });
    await tracking.logInputs(id, {
      datasets: [
        {
          dataset: { name: 'train', digest: 'd2', sourceType: 'local', source: '{"uri": "b"}' },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
        {
          dataset: {
            name: 'eval',
            digest: 'd9',
            sourceType: 'http',
            source: '{}',
            schema: '{"mlflow_colspec": []}',
            profile: '{"num_rows": 3}',
          },
          tags: [],
        },
        {
          dataset: { name: 'train', digest: 'd1', sourceType: 'local', source: '{"uri": "a"}' },
          tags: [],
        },
      ],
      models: [{ modelId: 'm-2' }, { modelId: 'm-1' }],
    });
    await tracking.logOutputs(id, [
      { modelId: 'm-9', step: 3 },
      { modelId: 'm-3', step: 1 },
    ]);

    counter.reset();
    const runs = await counted.getRun(id);
    expect(counter.count()).toBeLessThanOrEqual(2); // the run's existence, then the run
    const expected: Run = {
      info: a.info,
      data: {
        metrics: [
          { key: 'bottom', value: -Infinity, timestamp: 7, step: 0 },
          { key: 'loss', value: NaN, timestamp: 5, step: -3 },
          { key: 'max', value: 1.7976931348623155e308, timestamp: 9, step: 2 },
          { key: 'sum', value: 0.30000000000000004, timestamp: 2 ** 41, step: 2 ** 40 },
          { key: 'tiny', value: 5e-324, timestamp: 8, step: 1 },
          { key: 'top', value: Infinity, timestamp: 6, step: 0 },
        ],
        params: [
          { key: 'alpha', value: '1' },
          { key: 'beta', value: 'x'.repeat(6000) },
          { key: 'gamma', value: '3' },
        ],
        tags: [
          { key: 'mlflow.runName', value: 'a' },
          { key: 'owner', value: '' },
          { key: 'team', value: 'ml "quoted" \\ \n ünïcode' },
        ],
      },
      inputs: {
        datasetInputs: [
          {
            dataset: {
              name: 'eval',
              digest: 'd9',
              sourceType: 'http',
              source: '{}',
              schema: '{"mlflow_colspec": []}',
              profile: '{"num_rows": 3}',
            },
            tags: [],
          },
          {
            dataset: { name: 'train', digest: 'd1', sourceType: 'local', source: '{"uri": "a"}' },
            tags: [],
          },
          {
            dataset: { name: 'train', digest: 'd2', sourceType: 'local', source: '{"uri": "b"}' },
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
          },
        ],
        modelInputs: [{ modelId: 'm-2' }, { modelId: 'm-1' }],
      },
      outputs: {
        modelOutputs: [
          { modelId: 'm-3', step: 1 },
          { modelId: 'm-9', step: 3 },
        ],
      },
    };
    expect(runs).toEqual(expected);
    expect(Object.is(runs.data.metrics[0]?.value, -Infinity)).toBe(true);

    // several runs, one of them unknown, come back in the order asked, each with only its own parts
    counter.reset();
    const loaded = await loadRuns(countedDb, [
      c.info.runId,
      '0123456789abcdef0123456789abcdef',
      a.info.runId,
      b.info.runId,
    ]);
    expect(counter.count()).toBe(1);
    expect(loaded.map((r) => r.info.runName)).toEqual(['c', 'a', 'b']);
    expect(loaded[1]).toEqual(expected);
    expect(loaded[0]).toEqual({
      info: c.info,
      data: { metrics: [], params: [], tags: [{ key: 'mlflow.runName', value: 'c' }] },
      inputs: { datasetInputs: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    });
    expect(await loadRuns(database.handle.db, [])).toEqual([]);
  });

  it("answers a page of a metric-ordered search in the walk's own statement, runs loaded", async () => {
    const exp = await tracking.createExperiment({ name: 'run-loader-page' });
    for (let i = 0; i < 12; i++) {
      const run = await tracking.createRun({ experimentId: exp, startTime: 5000 + i });
      await tracking.logBatch(run.info.runId, {
        metrics: [
          { key: 'acc', value: (i * 7) % 12, timestamp: 1, step: 0 },
          { key: 'f1', value: i / 10, timestamp: 1, step: 0 },
        ],
        params: [{ key: 'fold', value: String(i % 2) }],
        tags: [{ key: 'k', value: `v${i}` }],
      });
    }
    const query = {
      experimentIds: [exp],
      filter: "params.fold = '1' and metrics.f1 >= 0",
      orderBy: ['metrics.acc DESC'],
      maxResults: 3,
    };
    counter.reset();
    const page = await counted.searchRuns(query);
    // one statement walks the index and loads the page's runs; SQLite finds the walk's bound first
    expect(counter.count()).toBe(engine === 'postgres' ? 1 : 2);
    expect(page.items.map((r) => r.data.metrics.find((m) => m.key === 'acc')?.value)).toEqual([11, 9, 7]);
    for (const run of page.items) expect(run).toEqual(await tracking.getRun(run.info.runId));
    expect(page.nextPageToken).toBeDefined();

    // every plan loads its page in its own statement: the next page (from a key), two experiments merged,
    // and the general plan (ordered by a param), each page equal to the runs read one by one
    const other = await tracking.createExperiment({ name: 'run-loader-other' });
    const lone = await tracking.createRun({ experimentId: other, startTime: 1 });
    await tracking.logBatch(lone.info.runId, {
      metrics: [
        { key: 'acc', value: 100, timestamp: 1, step: 0 },
        { key: 'f1', value: 1, timestamp: 1, step: 0 },
      ],
      params: [{ key: 'fold', value: '1' }],
    });
    const pages = [
      await counted.searchRuns({ ...query, pageToken: page.nextPageToken }),
      await counted.searchRuns({ ...query, experimentIds: [exp, other] }),
      await counted.searchRuns({ ...query, orderBy: ['params.fold ASC', 'metrics.acc DESC'] }),
    ];
    for (const p of pages) {
      expect(p.items).toHaveLength(3);
      for (const run of p.items) expect(run).toEqual(await tracking.getRun(run.info.runId));
    }
    expect(pages[0]?.items.map((r) => r.data.metrics.find((m) => m.key === 'acc')?.value)).toEqual([5, 3, 1]);
    expect(pages[1]?.items.map((r) => r.info.runId)).toEqual([
      lone.info.runId,
      ...page.items.slice(0, 2).map((r) => r.info.runId),
    ]);
    expect(pages[2]?.items.map((r) => r.data.metrics.find((m) => m.key === 'acc')?.value)).toEqual([
      11, 9, 7,
    ]);
  });
});
