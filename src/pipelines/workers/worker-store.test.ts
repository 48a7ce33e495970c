import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { WorkerStore } from './worker-store.js';

const labels = { cpu: 4, memoryBytes: 2 ** 33, gpu: 0, spot: false };

describe.each(testEngines)('WorkerStore on %s', (engine) => {
  let db: TestDatabase;
  let store: WorkerStore;
  let n = 0;
  const worker = async (name: string, heartbeatAt: number) => {
    const workerId = `${name}:${++n}`;
    await store.register({
      workerId,
      name,
      host: 'h',
      pid: 1,
      labels,
      concurrency: 1,
      startedAt: 0,
      heartbeatAt,
    });
    return workerId;
  };
  const attempt = async (now = 1000) => {
    const jobId = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    await store.insertAttempt({ jobId, queue: 'q', stepRunId: `s${n}`, attempt: 1 }, now);
    return jobId;
  };
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    store = new WorkerStore(db.handle);
  });
  afterAll(async () => db.dispose());

  it('a result and a hand-back: whichever comes first wins, the other changes nothing', async () => {
    const w = await worker('a', 1000);
    const first = await attempt();
    expect(await store.claim(first, w, 1001)).toBe(true);
    expect(await store.claim(first, 'other', 1001)).toBe(false);
    expect(await store.markLost(first, 'running', 1002)).toBe(true);
    expect(
      await store.finish(first, { state: 'running', workerId: w }, '{"kind":"failed","reason":"x"}', 1003),
    ).toBe(false);
    expect((await store.getAttempt(first))?.state).toBe('lost');

    const second = await attempt();
    expect(await store.claim(second, w, 1001)).toBe(true);
    expect(await store.finish(second, { state: 'running', workerId: 'other' }, '{}', 1002)).toBe(false);
    expect(
      await store.finish(
        second,
        { state: 'running', workerId: w },
        '{"kind":"preempted","reason":"r"}',
        1002,
      ),
    ).toBe(true);
    expect(await store.markLost(second, 'running', 1003)).toBe(false);
    expect(await store.getAttempt(second)).toMatchObject({
      state: 'done',
      workerId: w,
      workerName: 'a',
      workerHeartbeatAt: 1000,
      result: '{"kind":"preempted","reason":"r"}',
    });
  });

  it('a cancelled queued attempt cannot be claimed', async () => {
    const w = await worker('b', 1000);
    const jobId = await attempt();
    await store.requestCancel(jobId, 'cancelled', 1001);
    expect(await store.claim(jobId, w, 1002)).toBe(false);
    expect((await store.getAttempt(jobId))?.cancel).toBe('cancelled');
  });

  it('forgets ended attempts and long-silent workers with nothing running', async () => {
    const old = await attempt(10);
    await store.finish(old, { state: 'queued' }, '{}', 10);
    const recent = await attempt(5000);
    await store.finish(recent, { state: 'queued' }, '{}', 5000);
    const waiting = await attempt(10);
    await store.forgetAttempts(1000);
    expect(await store.getAttempt(old)).toBeUndefined();
    expect((await store.getAttempt(recent))?.state).toBe('done');
    expect((await store.getAttempt(waiting))?.state).toBe('queued');

    const silentIdle = await worker('silent-idle', 10);
    const silentBusy = await worker('silent-busy', 10);
    await store.claim(waiting, silentBusy, 11);
    await store.forgetWorkers(1000);
    const names = (await store.listWorkers(0)).map((w) => w.workerId);
    expect(names).not.toContain(silentIdle);
    expect(names).toContain(silentBusy);
  });
});
