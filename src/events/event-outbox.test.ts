import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import type { Clock } from '../shared/clock.js';
import { BosunError } from '../shared/errors.js';
import { EventOutbox } from './event-outbox.js';
import type { OutboxEvent } from './event-types.js';
import { testEventTypes, type TestEvents } from './test-support/test-events.js';

class Rollback extends Error {}

describe.each(testEngines)('event outbox on %s', (engine) => {
  let database: TestDatabase;
  let outbox: EventOutbox<TestEvents>;
  let time = 1_700_000_000_000;
  const clock: Clock = { nowMs: () => time };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    outbox = new EventOutbox({ handle: database.handle, types: testEventTypes, clock });
  });
  afterAll(async () => database.dispose());

  const count = async () =>
    (await database.handle.db.selectFrom('event_outbox').select('id').execute()).length;

  it('appends in the producer transaction, with the subject kind of its type and its transaction id', async () => {
    const [a, b] = await database.handle.db.transaction().execute(async (trx) => [
      await outbox.append(trx, {
        type: 'thing.created',
        subject: 't1',
        subjectVersion: '2',
        actor: 'ann',
        payload: { n: 1 },
      }),
      await outbox.append(trx, { type: 'gadget.moved', subject: 'g1', payload: { to: 'shelf' } }),
    ]);
    expect(a).toMatchObject({
      type: 'thing.created',
      subjectKind: 'thing',
      subject: 't1',
      subjectVersion: '2',
      actor: 'ann',
      payload: { n: 1 },
      createdAt: time,
    });
    expect(b).toMatchObject({ subjectKind: 'gadget', subject: 'g1' });
    expect(b).not.toHaveProperty('subjectVersion');
    expect(b?.id).toBeGreaterThan(a?.id ?? Infinity);
    // One transaction, one transaction id: 0 on SQLite (ids are in commit order there), the real one on
    // PostgreSQL.
    expect(a?.position.xact).toBe(b?.position.xact);
    if (engine === 'sqlite') expect(a?.position).toEqual({ xact: 0, id: a?.id });
    else expect(a?.position.xact).toBeGreaterThan(0);
  });

  it('leaves nothing when the transaction rolls back, and refuses to append outside one', async () => {
    const before = await count();
    await expect(
      database.handle.db.transaction().execute(async (trx) => {
        await outbox.append(trx, { type: 'thing.deleted', subject: 'ghost', payload: { n: 0 } });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    await expect(
      outbox.append(database.handle.db, { type: 'thing.deleted', subject: 'loose', payload: { n: 0 } }),
    ).rejects.toThrow(/inside the transaction/);
    expect(await count()).toBe(before);
  });

  it('refuses an event type outside its catalogue with a typed error', async () => {
    const attempt = database.handle.db.transaction().execute((trx) =>
      // @ts-expect-error -- not in the catalogue: refused by the compiler, and at run time
      outbox.append(trx, { type: 'thing.exploded', subject: 'x', payload: {} }),
    );
    await expect(attempt).rejects.toBeInstanceOf(BosunError);
    await expect(attempt).rejects.toThrow("Unknown event type 'thing.exploded'");
  });

  it('runs inline reactions in the producer transaction: a failing one rolls the change back', async () => {
    const reacted: OutboxEvent[] = [];
    const local = new EventOutbox({ handle: database.handle, types: testEventTypes, clock });
    local.react('gadget.moved', async (trx, event) => {
      expect(trx.isTransaction).toBe(true);
      if (event.payload.to === 'nowhere') throw new Error('cannot move there');
      reacted.push(event);
    });
    const moved = await database.handle.db
      .transaction()
      .execute((trx) => local.append(trx, { type: 'gadget.moved', subject: 'g2', payload: { to: 'desk' } }));
    await database.handle.db
      .transaction()
      .execute((trx) => local.append(trx, { type: 'thing.created', subject: 't2', payload: { n: 2 } }));
    expect(reacted.map((e) => e.id)).toEqual([moved.id]);
    const before = await count();
    await expect(
      database.handle.db
        .transaction()
        .execute((trx) =>
          local.append(trx, { type: 'gadget.moved', subject: 'g2', payload: { to: 'nowhere' } }),
        ),
    ).rejects.toThrow('cannot move there');
    expect(await count()).toBe(before);
  });

  it('tells its listeners once per committed transaction that appended, never for a rollback', async () => {
    const local = new EventOutbox({ handle: database.handle, types: testEventTypes, clock });
    let told = 0;
    const stop = local.onCommitted(() => told++);
    await database.handle.db.transaction().execute(async (trx) => {
      await local.append(trx, { type: 'thing.created', subject: 't3', payload: { n: 3 } });
      await local.append(trx, { type: 'thing.deleted', subject: 't3', payload: { n: 3 } });
      expect(told).toBe(0);
    });
    expect(told).toBe(1);
    await expect(
      database.handle.db.transaction().execute(async (trx) => {
        await local.append(trx, { type: 'thing.created', subject: 't4', payload: { n: 4 } });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(told).toBe(1);
    stop();
    await database.handle.db
      .transaction()
      .execute((trx) => local.append(trx, { type: 'thing.created', subject: 't5', payload: { n: 5 } }));
    expect(told).toBe(1);
  });

  it('lists by subject kind, subject, version, type and time, in id order, a page at a time', async () => {
    time += 10_000;
    const since = time;
    for (const n of [1, 2, 3]) {
      await database.handle.db.transaction().execute((trx) =>
        outbox.append(trx, {
          type: 'thing.created',
          subject: 'listed',
          subjectVersion: String(n),
          payload: { n },
        }),
      );
    }
    await database.handle.db
      .transaction()
      .execute((trx) =>
        outbox.append(trx, { type: 'gadget.moved', subject: 'listed', payload: { to: 'box' } }),
      );

    const things = await outbox.list({ subjectKind: 'thing', subject: 'listed', maxResults: 2 });
    expect(things.events.map((e) => e.subjectVersion)).toEqual(['1', '2']);
    const rest = await outbox.list({
      subjectKind: 'thing',
      subject: 'listed',
      maxResults: 2,
      ...(things.nextPageToken !== undefined ? { pageToken: things.nextPageToken } : {}),
    });
    expect(rest.events.map((e) => e.subjectVersion)).toEqual(['3']);
    expect(rest.nextPageToken).toBeUndefined();
    expect((await outbox.list({ subject: 'listed', since })).events).toHaveLength(4);
    expect((await outbox.list({ subjectKind: 'gadget', subject: 'listed' })).events).toHaveLength(1);
    expect(
      (await outbox.list({ subject: 'listed', subjectVersion: '2' })).events.map((e) => e.payload),
    ).toEqual([{ n: 2 }]);
    const newest = await outbox.list({ subject: 'listed', order: 'desc', maxResults: 1 });
    expect(newest.events[0]?.type).toBe('gadget.moved');
    await expect(outbox.list({ maxResults: 1001 })).rejects.toThrow(/max_results/);
  });
});
