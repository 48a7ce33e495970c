import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/index.js';
import { openTestDatabase, postgresTests, type TestDatabase } from '../db/test-support/test-databases.js';
import { EventConsumerRunner } from './consumer-runner.js';
import { EventConsumers } from './event-consumers.js';
import { EventOutbox } from './event-outbox.js';
import type { NewEvent } from './event-catalogue.js';
import { catchUp } from './test-support/catch-up.js';
import { collectingConsumer, testEventTypes, type TestEvents } from './test-support/test-events.js';

const thing = (n: number): NewEvent<keyof TestEvents> => ({
  type: 'thing.created',
  subject: `t${n}`,
  payload: { n },
});

/**
 * PostgreSQL hands out event ids when rows are inserted, not when their transactions commit. These tests
 * commit transactions out of id order and check that the consumer neither skips nor repeats an event.
 */
describe.runIf(postgresTests)('event consumers on PostgreSQL, with commits out of id order', () => {
  let database: TestDatabase;
  let outbox: EventOutbox<TestEvents>;
  let positions: EventConsumers;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    outbox = new EventOutbox({ handle: database.handle, types: testEventTypes });
    positions = new EventConsumers(database.handle.db);
  });
  afterAll(async () => database.dispose());

  it('does not skip the event of a transaction that took the lower id and commits last', async () => {
    const { db } = database.handle;
    const consumer = collectingConsumer('lower-id-last');
    const runner = new EventConsumerRunner({ handle: database.handle, consumers: [consumer] });
    await catchUp(runner, db, [consumer.name]);
    const before = await positions.position(db, consumer.name);

    const first = await db.startTransaction().execute();
    const second = await db.startTransaction().execute();
    try {
      const e1 = await outbox.append(first, thing(1));
      const e2 = await outbox.append(second, thing(2));
      await second.commit().execute();
      expect(e1.id).toBeLessThan(e2.id);
      // A reader going by id sees only e2 now; once past e2.id it would never come back for e1.
      const visible = await db.selectFrom('event_outbox').select('id').where('id', '>=', e1.id).execute();
      expect(visible.map((r) => r.id)).toEqual([e2.id]);

      // The consumer waits for the first transaction instead: it hands nothing over and stays where it was.
      expect(await runner.drain()).toBe(0);
      expect(consumer.handled).toEqual([]);
      expect(await positions.position(db, consumer.name)).toEqual(before);

      await first.commit().execute();
      await catchUp(runner, db, [consumer.name]);
      expect(consumer.handled).toEqual([e1.id, e2.id]);
    } finally {
      await first
        .rollback()
        .execute()
        .catch(() => undefined);
      await second
        .rollback()
        .execute()
        .catch(() => undefined);
    }
  });

  it('hands over first the events of the transaction that began writing first, whatever their ids', async () => {
    const { db } = database.handle;
    const consumer = collectingConsumer('writer-order', { start: 'end' });
    const runner = new EventConsumerRunner({ handle: database.handle, consumers: [consumer] });
    await catchUp(runner, db, [consumer.name]);

    const early = await db.startTransaction().execute();
    try {
      // `early` takes its transaction id now, with a write of its own, and appends its event only later.
      await early
        .insertInto('event_consumers')
        .values({ name: 'writer-order-marker', position_xact: 0, position_id: 0, updated_at: 0 })
        .execute();
      const late = await db.transaction().execute((trx) => outbox.append(trx, thing(3)));
      expect(await runner.drain()).toBe(0);
      const last = await outbox.append(early, thing(4));
      await early.commit().execute();
      expect(late.id).toBeLessThan(last.id);
      expect(late.position.xact).toBeGreaterThan(last.position.xact);

      await catchUp(runner, db, [consumer.name]);
      expect(consumer.handled).toEqual([last.id, late.id]);
    } finally {
      await early
        .rollback()
        .execute()
        .catch(() => undefined);
    }
  });

  it('hands each event over once to one consumer run by three processes while producers commit out of order', async () => {
    const { db } = database.handle;
    const others = [0, 1, 2].map(() => openDatabase(database.uri));
    const consumers = others.map(() => collectingConsumer('shared', { start: 'end' }));
    const runners = others.map(
      (handle, i) => new EventConsumerRunner({ handle, consumers: [consumers[i]!], batchSize: 7 }),
    );
    try {
      await catchUp(runners[0]!, db, ['shared']);
      let producing = true;
      const appended: number[] = [];
      const producer = async (worker: number) => {
        for (let t = 0; t < 25; t++) {
          const ids = await db.transaction().execute(async (trx) => {
            const out: number[] = [];
            for (let i = 0; i <= (worker + t) % 3; i++) {
              out.push((await outbox.append(trx, thing(worker * 1000 + t * 10 + i))).id);
              // Let other transactions take ids and commit meanwhile.
              await new Promise((resolve) => setTimeout(resolve, (worker * 7 + t * 3 + i) % 4));
            }
            return out;
          });
          appended.push(...ids);
        }
      };
      const consuming = runners.map(async (runner) => {
        let handled = 0;
        while (producing) handled += await runner.runOnce();
        return handled;
      });
      await Promise.all([0, 1, 2, 3, 4, 5].map(producer));
      producing = false;
      const handledWhileProducing = await Promise.all(consuming);
      for (const runner of runners) await catchUp(runner, db, ['shared']);

      const all = consumers.flatMap((c) => c.handled);
      expect(all).toHaveLength(appended.length);
      expect(new Set(all)).toEqual(new Set(appended));
      // Several processes did take part while events were being produced.
      expect(handledWhileProducing.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      for (const handle of others) await handle.close();
    }
  });
});
