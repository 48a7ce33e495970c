import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { PipelineStore } from './pipeline-store.js';
import { canTransition, isTerminal, STEP_STATES } from './step-state.js';

describe('step state machine', () => {
  it('lets terminal states go nowhere but back to pending (resume), and succeeded/cached nowhere', () => {
    for (const state of STEP_STATES) {
      if (!isTerminal(state)) continue;
      for (const to of STEP_STATES) {
        const allowed = canTransition(state, to);
        if (state === 'succeeded' || state === 'cached') expect(allowed).toBe(false);
        else expect(allowed).toBe(to === 'pending');
      }
    }
    expect(canTransition('pending', 'running')).toBe(true);
    expect(canTransition('pending', 'succeeded')).toBe(false);
    expect(canTransition('running', 'skipped')).toBe(false);
    expect(canTransition('running', 'pending')).toBe(true);
  });
});

describe.each(testEngines)('PipelineStore on %s', (engine) => {
  let database: TestDatabase;
  let store: PipelineStore;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
    store = new PipelineStore(database.handle);
  });
  afterAll(async () => database.dispose());

  const define = (digest: string, codeDir?: string) =>
    store.define({
      name: 'p',
      spec: { name: 'p', digest },
      digest,
      codeDir,
      experimentId: '1',
      createdBy: 'alice',
      now: 1,
    });

  /** A run of pipeline 'p' with no params, leased to 'A' until `leaseExpiresAt`, created at 1. */
  const createRunOfA = async (runId: string, leaseExpiresAt: number) => {
    const { definition } = await define('d2');
    const run = {
      runId,
      definitionId: definition.definitionId,
      pipelineName: 'p',
      experimentId: '1',
      params: {},
      codeDir: '/',
      createdBy: 'a',
    };
    return store.createRun(run, 'A', leaseExpiresAt, 1);
  };

  it('versions definitions; the same document keeps its version', async () => {
    const a = await define('d1');
    expect(a).toMatchObject({ created: true, definition: { version: 1, name: 'p' } });
    expect(await define('d1')).toMatchObject({ created: false, definition: { version: 1 } });
    expect(await define('d2')).toMatchObject({ created: true, definition: { version: 2 } });
    expect((await store.getDefinition('p')).version).toBe(2);
    expect((await store.getDefinition('p', 1)).spec).toEqual({ name: 'p', digest: 'd1' });
    await expect(store.getDefinition('p', 9)).rejects.toThrow(/no version 9/);
    await expect(store.getDefinition('nope')).rejects.toThrow(/not defined/);
    expect((await store.listDefinitions()).map((d) => [d.name, d.version])).toEqual([['p', 2]]);
  });

  it('claims a step once, enforces the state machine and lease ownership', async () => {
    const { definition } = await define('d2');
    await store.createRun(
      {
        runId: `run-${engine}`,
        definitionId: definition.definitionId,
        pipelineName: 'p',
        experimentId: '1',
        params: { n: 1 },
        codeDir: '/tmp',
        createdBy: 'alice',
      },
      'A',
      1000,
      10,
    );
    await store.addSteps([{ runId: `run-${engine}`, step: 's', itemIndex: -1, phase: 'main' }], 10);
    await store.addSteps([{ runId: `run-${engine}`, step: 's', itemIndex: -1, phase: 'main' }], 11);
    const [step] = await store.listSteps(`run-${engine}`);
    expect(step).toMatchObject({ state: 'pending', attempt: 0 });
    const id = step!.stepRunId;

    const claims = await Promise.all([
      store.claimStep(id, 'A', 1000, 20, { attempt: 1 }),
      store.claimStep(id, 'B', 1000, 20, { attempt: 1 }),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = claims[0] ? 'A' : 'B';
    const loser = winner === 'A' ? 'B' : 'A';

    expect(await store.transition(id, 'running', 'succeeded', {}, 30, loser)).toBeUndefined();
    await expect(store.transition(id, 'running', 'skipped', {}, 30, winner)).rejects.toThrow(/cannot go/);
    expect(await store.heartbeat(`run-${engine}`, 'A', 5000)).toEqual({ held: true, cancelRequested: false });
    expect((await store.getStep(id)).leaseExpiresAt).toBe(winner === 'A' ? 5000 : 1000);

    // A retry waits for its not_before.
    expect(
      await store.transition(
        id,
        'running',
        'pending',
        { failureAttempts: 1, notBefore: 100, clearLease: true },
        40,
        winner,
      ),
    ).toMatchObject({
      stepRunId: id,
      state: 'pending',
      failureAttempts: 1,
      notBefore: 100,
      leaseOwner: undefined,
    });
    expect(await store.claimStep(id, 'A', 1000, 99, {})).toBeUndefined();
    // The claim returns the row as claimed: no second read needed.
    expect(await store.claimStep(id, 'A', 1000, 100, { attempt: 2 })).toMatchObject({
      stepRunId: id,
      state: 'running',
      attempt: 2,
      leaseOwner: 'A',
      leaseExpiresAt: 1000,
      updatedAt: 100,
    });
    expect(await store.expiredSteps(`run-${engine}`, 999)).toHaveLength(0);
    expect((await store.expiredSteps(`run-${engine}`, 5001)).map((s) => s.stepRunId)).toEqual([id]);

    expect(
      await store.transition(
        id,
        'running',
        'succeeded',
        { outputs: { x: { kind: 'value', value: 3 } }, cacheKey: 'k1', endedAt: 50, clearLease: true },
        50,
        'A',
      ),
    ).toMatchObject({ state: 'succeeded', outputs: { x: { kind: 'value', value: 3 } }, endedAt: 50 });
    expect(await store.findCached('k1', undefined)).toMatchObject({
      stepRunId: id,
      outputs: { x: { kind: 'value', value: 3 } },
    });
    expect(await store.findCached('k1', 51)).toBeUndefined();
    expect(await store.latestKeyed('p', 's', -1)).toMatchObject({ stepRunId: id });
  });

  it("adds an attempt's usage in the update that ends it: times summed, peak the highest, cost when priced", async () => {
    const runId = `run-usage-${engine}`;
    await createRunOfA(runId, 1000);
    await store.addSteps(
      [
        { runId, step: 'priced', itemIndex: -1, phase: 'main' },
        { runId, step: 'free', itemIndex: -1, phase: 'main' },
      ],
      1,
    );
    const [free, priced] = await store.listSteps(runId);
    const price = { resourceClass: 'small', usdPerHour: 2, onSpot: false };
    const HOUR = 3_600_000;
    expect(await store.claimStep(priced!.stepRunId, 'A', 1000, 2, { attempt: 1 })).toBeDefined();
    const retried = await store.transition(
      priced!.stepRunId,
      'running',
      'pending',
      {
        failureAttempts: 1,
        clearLease: true,
        attemptUsage: { usage: { wallMs: HOUR / 2, cpuMs: 10.4, peakRssBytes: 500 }, price },
      },
      3,
      'A',
    );
    expect(retried?.usage).toEqual({
      wallMs: HOUR / 2,
      cpuMs: 10,
      peakRssBytes: 500,
      resourceClass: 'small',
      costUsd: 1,
    });
    expect(await store.claimStep(priced!.stepRunId, 'A', 1000, 4, { attempt: 2 })).toBeDefined();
    const ended = await store.transition(
      priced!.stepRunId,
      'running',
      'succeeded',
      { clearLease: true, attemptUsage: { usage: { wallMs: HOUR / 4, peakRssBytes: 200 }, price } },
      5,
      'A',
    );
    expect(ended?.usage).toEqual({
      wallMs: (3 * HOUR) / 4,
      cpuMs: 10,
      peakRssBytes: 500,
      resourceClass: 'small',
      costUsd: 1.5,
    });
    expect((await store.getStep(priced!.stepRunId)).usage).toEqual(ended?.usage);

    // No class: the cost stays unknown (null), not 0; unmeasured CPU and peak stay unknown too.
    expect(await store.claimStep(free!.stepRunId, 'A', 1000, 2, { attempt: 1 })).toBeDefined();
    const freeEnded = await store.transition(
      free!.stepRunId,
      'running',
      'failed',
      { clearLease: true, attemptUsage: { usage: { wallMs: 90_000 }, price: undefined } },
      3,
      'A',
    );
    expect(freeEnded?.usage).toEqual({ wallMs: 90_000 });
  });

  it('hands an orphaned run to a new owner, cancels and reopens runs', async () => {
    const runId = `run2-${engine}`;
    await createRunOfA(runId, 100);
    expect(await store.claimRun(runId, 'B', 500, 50)).toBe(false);
    expect((await store.orphanedRuns(50)).map((r) => r.runId)).not.toContain(runId);
    expect((await store.orphanedRuns(101)).map((r) => r.runId)).toContain(runId);
    expect(await store.claimRun(runId, 'B', 500, 101)).toBe(true);
    expect(await store.heartbeat(runId, 'A', 900)).toMatchObject({ held: false });

    await store.requestCancel(runId);
    expect(await store.heartbeat(runId, 'B', 900)).toEqual({ held: true, cancelRequested: true });
    await store.addSteps(
      [
        { runId, step: 'a', itemIndex: -1, phase: 'main' },
        { runId, step: 'b', itemIndex: 0, item: 1.5, phase: 'main' },
      ],
      1,
    );
    const [a, b] = await store.listSteps(runId);
    expect(b!.item).toBe(1.5);
    await store.transition(a!.stepRunId, 'pending', 'cancelled', { reason: 'cancelled' }, 2);
    await store.transition(b!.stepRunId, 'pending', 'skipped', { reason: 'condition: false' }, 2);
    expect(await store.finishRun(runId, 'A', 'cancelled', undefined, 3)).toBe(false);
    expect(await store.finishRun(runId, 'B', 'cancelled', 'cancelled by alice', 3)).toBe(true);
    await expect(store.requestCancel(runId)).rejects.toThrow(/already ended/);

    await store.reopenRun(runId, 'C', 1000, 4);
    const reopened = await store.getRun(runId);
    expect(reopened).toMatchObject({
      status: 'running',
      resumes: 1,
      leaseOwner: 'C',
      cancelRequested: false,
    });
    const steps = await store.listSteps(runId);
    expect(steps.map((s) => s.state)).toEqual(['pending', 'skipped']);
    await expect(store.reopenRun(runId, 'C', 1000, 4)).rejects.toThrow(/only a failed or cancelled/);
  });
});
