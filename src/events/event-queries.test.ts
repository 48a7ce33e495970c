import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import type { Clock } from '../shared/clock.js';
import { EventOutbox } from './event-outbox.js';
import { eventQueries } from './event-queries.js';
import { beginningPosition } from './event-types.js';
import { testEventTypes, type TestEvents } from './test-support/test-events.js';

// The named queries other domains read the outbox through (the registry's webhooks).
describe.each(testEngines)('event queries on %s', (engine) => {
  let database: TestDatabase;
  let outbox: EventOutbox<TestEvents>;
  const time = 1_700_000_000_000;
  const clock: Clock = { nowMs: () => time };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    outbox = new EventOutbox({ handle: database.handle, types: testEventTypes, clock });
  });
  afterAll(async () => database.dispose());

  it('answers the events of one type after a position, in consumer order, payload text as recorded', async () => {
    const db = database.handle.db;
    const first = await db
      .transaction()
      .execute(async (trx) => [
        await outbox.append(trx, { type: 'thing.created', subject: 'a', payload: { n: 1 } }),
        await outbox.append(trx, { type: 'gadget.moved', subject: 'g', payload: { to: 'x' } }),
      ]);
    const second = await db.transaction().execute((trx) =>
      outbox.append(trx, {
        type: 'thing.created',
        subject: 'b',
        subjectVersion: '3',
        actor: 'ann',
        payload: { n: 2 },
      }),
    );
    const all = await eventQueries.eventsOfTypeAfter(db, 'thing.created', beginningPosition);
    expect(all.map((e) => e.subject)).toEqual(['a', 'b']);
    expect(all[1]).toEqual({
      id: second.id,
      position: second.position,
      type: 'thing.created',
      subject: 'b',
      subjectVersion: '3',
      actor: 'ann',
      payload: '{"n":2}',
      createdAt: time,
    });
    expect(all[0]).toMatchObject({ subjectVersion: null, actor: null });
    const after = await eventQueries.eventsOfTypeAfter(db, 'thing.created', first[0]!.position);
    expect(after.map((e) => e.id)).toEqual([second.id]);
    expect(await eventQueries.eventsOfTypeAfter(db, 'thing.created', second.position)).toEqual([]);
    expect(await eventQueries.eventsOfTypeAfter(db, 'thing.unknown', beginningPosition)).toEqual([]);
  });

  it('answers events and event types by id, leaving out ids with no event, across many ids', async () => {
    const db = database.handle.db;
    const appended = await db.transaction().execute(async (trx) => {
      const events = [];
      for (let n = 0; n < 1_100; n++) {
        events.push(
          await outbox.append(trx, {
            type: n % 2 ? 'thing.deleted' : 'gadget.moved',
            subject: `s${n}`,
            payload: n % 2 ? { n } : { to: String(n) },
          }),
        );
      }
      return events;
    });
    const ids = appended.map((e) => e.id);
    const missing = Math.max(...ids) + 1_000;
    const events = await eventQueries.recordedEvents(db, [...ids, ids[0]!, missing]);
    expect(events.size).toBe(1_100);
    expect(events.has(missing)).toBe(false);
    const last = appended[appended.length - 1]!;
    expect(events.get(last.id)).toMatchObject({
      subject: 's1099',
      type: 'thing.deleted',
      payload: '{"n":1099}',
    });
    expect(events.get(ids[0]!)).toMatchObject({ subject: 's0', type: 'gadget.moved', payload: '{"to":"0"}' });

    const types = await eventQueries.eventTypes(db, [...ids, missing]);
    expect(types.size).toBe(1_100);
    expect(types.get(ids[0]!)).toBe('gadget.moved');
    expect(types.get(ids[1]!)).toBe('thing.deleted');
    expect(types.has(missing)).toBe(false);
    expect(await eventQueries.eventTypes(db, [])).toEqual(new Map());
    expect(await eventQueries.recordedEvents(db, [])).toEqual(new Map());
  });
});
