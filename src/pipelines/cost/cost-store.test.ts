import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { PipelineStore } from '../store/pipeline-store.js';
import { CostStore } from './cost-store.js';
import type { AttemptPrice, AttemptUsage } from './attempt-cost.js';

const HOUR = 3_600_000;
const small: AttemptPrice = { resourceClass: 'cpu.small', usdPerHour: 0.36, onSpot: false };
const spot: AttemptPrice = { resourceClass: 'gpu.spot', usdPerHour: 1.2, onSpot: true };

describe.each(testEngines)('pipeline cost store on %s', (engine) => {
  let database: TestDatabase;
  let pipelines: PipelineStore;
  let costs: CostStore;
  let seq = 0;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    pipelines = new PipelineStore(database.handle);
    costs = new CostStore(database.handle);
  });
  afterAll(async () => database.dispose());

  /** A pipeline run created at `createdAt` with the named steps; returns their step run ids by name. */
  async function runWith(
    pipeline: string,
    createdAt: number,
    steps: string[],
  ): Promise<{ runId: string; ids: Record<string, string> }> {
    const { definition } = await pipelines.define({
      name: pipeline,
      spec: { name: pipeline },
      digest: `d-${pipeline}`,
      codeDir: undefined,
      experimentId: '0',
      createdBy: 'ana',
      now: createdAt,
    });
    const runId = `run${++seq}${engine}`;
    await pipelines.createRun(
      {
        runId,
        definitionId: definition.definitionId,
        pipelineName: pipeline,
        experimentId: '0',
        params: {},
        codeDir: '/tmp',
        createdBy: 'ana',
      },
      'owner',
      createdAt + 1000,
      createdAt,
    );
    await pipelines.addSteps(
      steps.map((step) => ({ runId, step, itemIndex: -1, phase: 'main' as const })),
      createdAt,
    );
    const rows = await pipelines.listSteps(runId);
    return { runId, ids: Object.fromEntries(rows.map((r) => [r.step, r.stepRunId])) };
  }

  /**
   * One attempt of a step run, as the run driver records it: claimed, then ended by the update that adds its
   * usage (back to pending for a retry, or succeeded).
   */
  async function attempt(
    stepRunId: string,
    usage: AttemptUsage,
    price: AttemptPrice | undefined,
    to: 'pending' | 'succeeded' = 'succeeded',
  ): Promise<void> {
    const owner = `driver-${engine}`;
    expect(await pipelines.claimStep(stepRunId, owner, Number.MAX_SAFE_INTEGER, 0, {})).toBeDefined();
    const ended = await pipelines.transition(
      stepRunId,
      'running',
      to,
      { clearLease: true, attemptUsage: { usage, price } },
      0,
      owner,
    );
    expect(ended?.state).toBe(to);
  }

  it('prices wall hours at the class price, sums retries, keeps the highest peak, and leaves no class unpriced', async () => {
    const { runId, ids } = await runWith('arith', 1_000, ['train', 'flaky', 'free']);
    await attempt(ids.train!, { wallMs: HOUR / 2, cpuMs: 1000, peakRssBytes: 300 }, small);
    // Two attempts of one step run (a retry): both are paid for.
    await attempt(ids.flaky!, { wallMs: HOUR / 4, cpuMs: 10, peakRssBytes: 500 }, spot, 'pending');
    await attempt(ids.flaky!, { wallMs: HOUR / 4, peakRssBytes: 200 }, spot);
    await attempt(ids.free!, { wallMs: 90_000, cpuMs: 5 }, undefined);

    const steps = Object.fromEntries((await pipelines.listSteps(runId)).map((s) => [s.step, s.usage]));
    expect(steps.train).toEqual({
      wallMs: HOUR / 2,
      cpuMs: 1000,
      peakRssBytes: 300,
      resourceClass: 'cpu.small',
      costUsd: 0.18,
    });
    expect(steps.flaky?.wallMs).toBe(HOUR / 2);
    expect(steps.flaky?.cpuMs).toBe(10);
    expect(steps.flaky?.peakRssBytes).toBe(500);
    expect(steps.flaky?.costUsd).toBeCloseTo(0.6, 10);
    expect(steps.free).toEqual({ wallMs: 90_000, cpuMs: 5 });
    expect(steps.free?.costUsd).toBeUndefined();

    const total = await costs.rollUp({ runIds: [runId] });
    expect(total.costUsd).toBeCloseTo(0.78, 10);
    expect(total).toMatchObject({
      savedUsd: undefined,
      wallMs: HOUR + 90_000,
      cpuMs: 1015,
      peakRssBytes: 500,
      steps: 3,
      unpricedSteps: 1,
      cachedSteps: 0,
      runs: 1,
    });
  });

  it('counts a cache hit as a saving of what the reused step run cost, at no cost', async () => {
    const { runId, ids } = await runWith('saving', 2_000, ['priced', 'unpriced']);
    await costs.recordSaving(ids.priced!, 0.25, 'cpu.small');
    await costs.recordSaving(ids.unpriced!, undefined, undefined);
    const total = await costs.rollUp({ runIds: [runId] });
    expect(total.savedUsd).toBe(0.25);
    expect(total.costUsd).toBe(0);
    expect(total.steps).toBe(0);
    const steps = Object.fromEntries((await pipelines.listSteps(runId)).map((s) => [s.step, s.usage]));
    expect(steps.priced).toEqual({ resourceClass: 'cpu.small', costUsd: 0, savedUsd: 0.25 });
    expect(steps.unpriced).toBeUndefined();
  });

  it('rolls a pipeline up over the runs created in a time range', async () => {
    const first = await runWith('ranged', 10_000, ['a']);
    const second = await runWith('ranged', 20_000, ['a']);
    const third = await runWith('ranged', 30_000, ['a']);
    await attempt(first.ids.a!, { wallMs: HOUR }, small);
    await attempt(second.ids.a!, { wallMs: 2 * HOUR }, small);
    await attempt(third.ids.a!, { wallMs: 3 * HOUR }, small);

    const all = await costs.rollUp({ pipeline: 'ranged' });
    expect(all.runs).toBe(3);
    expect(all.costUsd).toBeCloseTo(0.36 * 6, 10);
    const middle = await costs.rollUp({ pipeline: 'ranged', from: 15_000, to: 30_000 });
    expect(middle.runs).toBe(1);
    expect(middle.costUsd).toBeCloseTo(0.72, 10);
    const none = await costs.rollUp({ pipeline: 'ranged', from: 40_000 });
    expect(none).toMatchObject({ runs: 0, costUsd: undefined, wallMs: 0, steps: 0 });
    expect(await costs.rollUp({ runIds: [] })).toMatchObject({ runs: 0, costUsd: undefined });
  });
});
