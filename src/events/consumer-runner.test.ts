import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError, InvalidParameterError, NotFoundError } from '../shared/errors.js';
import { EventConsumerRunner } from './consumer-runner.js';
import { EventConsumers } from './event-consumers.js';
import { EventOutbox } from './event-outbox.js';
import type { NewEvent } from './event-catalogue.js';
import { catchUp, lastCommittedPosition, untilReadable } from './test-support/catch-up.js';
import { collectingConsumer, testEventTypes, type TestEvents } from './test-support/test-events.js';

describe.each(testEngines)('event consumers on %s', (engine) => {
  let database: TestDatabase;
  let outbox: EventOutbox<TestEvents>;
  let positions: EventConsumers;
  const ids: number[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    outbox = new EventOutbox({ handle: database.handle, types: testEventTypes });
    positions = new EventConsumers(database.handle.db);
  });
  afterAll(async () => database.dispose());

  /** Appends the events in one transaction of their own; returns their ids. */
  async function append(...events: NewEvent<keyof TestEvents>[]): Promise<number[]> {
    const appended = await database.handle.db.transaction().execute(async (trx) => {
      const out: number[] = [];
      for (const e of events) out.push((await outbox.append(trx, e)).id);
      return out;
    });
    ids.push(...appended);
    return appended;
  }
  const thing = (n: number): NewEvent<keyof TestEvents> => ({
    type: 'thing.created',
    subject: `t${n}`,
    payload: { n },
  });
  const gadget = (n: number): NewEvent<keyof TestEvents> => ({
    type: 'gadget.moved',
    subject: `g${n}`,
    payload: { to: `place ${n}` },
  });
  const runnerFor = (...consumers: ReturnType<typeof collectingConsumer>[]) =>
    new EventConsumerRunner({ handle: database.handle, consumers, batchSize: 10 });

  it('hands every event to a consumer once, in order, a batch per round', async () => {
    for (let t = 0; t < 5; t++) await append(...[0, 1, 2, 3, 4].map((i) => thing(t * 5 + i)));
    const first = collectingConsumer('first');
    const runner = runnerFor(first);
    expect(await catchUp(runner, database.handle.db, ['first'])).toBe(25);
    expect(first.handled).toEqual(ids);
    expect(first.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(await catchUp(runner, database.handle.db, ['first'])).toBe(0);
    expect(await positions.position(database.handle.db, 'first')).toEqual(
      await lastCommittedPosition(database.handle.db),
    );
  });

  it('rolls a failed round back, writes included, and hands the same batch over again', async () => {
    const failing = collectingConsumer('failing');
    const runner = runnerFor(failing);
    await untilReadable(database.handle.db);
    failing.failRounds = 1;
    await expect(runner.round(failing)).rejects.toThrow('failing failed on purpose');
    expect(await positions.position(database.handle.db, 'failing')).toEqual({ xact: 0, id: 0 });
    const marker = `failing-marker-${ids[0]}`;
    const markers = () =>
      database.handle.db.selectFrom('event_consumers').select('name').where('name', '=', marker).execute();
    expect(await markers()).toEqual([]);
    expect(await runner.round(failing)).toEqual({ handled: 10, more: true, waiting: false });
    expect(failing.batches[0]).toEqual(ids.slice(0, 10));
    expect(await markers()).toEqual([{ name: marker }]);
  });

  it('keeps its position across runners (a restarted server) and starts new consumers where they say', async () => {
    const again = collectingConsumer('first');
    const late = collectingConsumer('late', { start: 'end' });
    const early = collectingConsumer('early', { start: 'beginning' });
    const runner = runnerFor(again, late, early);
    await untilReadable(database.handle.db);
    await catchUp(runner, database.handle.db, ['first', 'late', 'early']);
    expect(again.handled).toEqual([]);
    expect(late.handled).toEqual([]);
    expect(early.handled).toEqual(ids);
    const added = await append(thing(100), thing(101));
    await catchUp(runner, database.handle.db, ['first', 'late', 'early']);
    expect(again.handled).toEqual(added);
    expect(late.handled).toEqual(added);
  });

  it('with types, gets only those and still moves past the others', async () => {
    const gadgets = collectingConsumer('gadgets', { types: ['gadget.moved'] });
    const runner = runnerFor(gadgets);
    const [, moved] = await append(thing(200), gadget(1), thing(201));
    await append(thing(202));
    await catchUp(runner, database.handle.db, ['gadgets']);
    expect(gadgets.handled).toEqual([moved]);
    expect(await positions.position(database.handle.db, 'gadgets')).toEqual(
      await lastCommittedPosition(database.handle.db),
    );
  });

  it('replays from an event or from the beginning, and skips to the end', async () => {
    const replayed = collectingConsumer('replayed');
    const runner = runnerFor(replayed);
    await catchUp(runner, database.handle.db, ['replayed']);
    expect(replayed.handled).toEqual(ids);

    const from = ids[20] ?? 0;
    await positions.reset('replayed', { kind: 'event', eventId: from });
    replayed.handled.length = 0;
    await catchUp(runner, database.handle.db, ['replayed']);
    expect(replayed.handled).toEqual(ids.slice(20));

    await positions.reset('replayed', { kind: 'beginning' });
    replayed.handled.length = 0;
    await catchUp(runner, database.handle.db, ['replayed']);
    expect(replayed.handled).toEqual(ids);

    await positions.reset('replayed', { kind: 'beginning' });
    await untilReadable(database.handle.db);
    expect(await positions.reset('replayed', { kind: 'end' })).toEqual(
      await lastCommittedPosition(database.handle.db),
    );
    replayed.handled.length = 0;
    await catchUp(runner, database.handle.db, ['replayed']);
    expect(replayed.handled).toEqual([]);

    await expect(positions.reset('nobody', { kind: 'beginning' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(positions.reset('replayed', { kind: 'event', eventId: 999_999 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(positions.reset('replayed', { kind: 'event', eventId: 0 })).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    await expect(positions.reset('Bad Name', { kind: 'beginning' })).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
  });

  it('lists every consumer with its position and the events waiting after it', async () => {
    await positions.reset('replayed', { kind: 'event', eventId: ids.at(-2) ?? 0 });
    const listed = (await positions.list()).filter((c) => !c.name.includes('-marker-'));
    // 'webhooks' is created by migration 0010.
    expect(listed.map((c) => c.name)).toEqual([
      'early',
      'failing',
      'first',
      'gadgets',
      'late',
      'replayed',
      'webhooks',
    ]);
    const replayed = listed.find((c) => c.name === 'replayed');
    expect(replayed?.pending).toBe(2);
    expect(listed.find((c) => c.name === 'first')?.pending).toBe(4);
    expect(listed.find((c) => c.name === 'failing')?.pending).toBe(ids.length - 10);
  });

  it('runs at once after a local commit, without waiting for its poll', async () => {
    const woken = collectingConsumer('woken', { start: 'end' });
    const runner = new EventConsumerRunner({
      handle: database.handle,
      consumers: [woken],
      pollIntervalMs: 3_600_000,
    });
    const unsubscribe = outbox.onCommitted(() => runner.wake());
    runner.start();
    try {
      // The first round (at start) creates the consumer's row after the last event.
      await expect
        .poll(() => positions.position(database.handle.db, 'woken'), { timeout: 20_000 })
        .toBeDefined();
      const [id] = await append(thing(300));
      await expect.poll(() => woken.handled, { timeout: 20_000, interval: 10 }).toEqual([id]);
    } finally {
      unsubscribe();
      await runner.stop();
    }
  });

  it('refuses two consumers with one name, and bad names', () => {
    expect(() => runnerFor(collectingConsumer('twice'), collectingConsumer('twice'))).toThrow(
      /Two event consumers/,
    );
    expect(() => runnerFor(collectingConsumer('Not OK'))).toThrow(BosunError);
  });
});
