import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { EventConsumer } from '../consumer-runner.js';
import type { ConsumerStart } from '../event-consumers.js';
import { EventTypes } from '../event-catalogue.js';
import type { OutboxEvent } from '../event-types.js';

/** A catalogue of the events domain's own tests (no domain's real events). */
export type TestEvents = {
  'thing.created': { subject: 'thing'; payload: { n: number } };
  'thing.deleted': { subject: 'thing'; payload: { n: number } };
  'gadget.moved': { subject: 'gadget'; payload: { to: string } };
};

export const testEventTypes = new EventTypes<TestEvents>({
  'thing.created': 'thing',
  'thing.deleted': 'thing',
  'gadget.moved': 'gadget',
});

/** A consumer that remembers, once each round has committed, the ids of the events it handled. */
export interface CollectingConsumer extends EventConsumer {
  /** Ids of the events of committed rounds, in the order they were handed over. */
  readonly handled: number[];
  /** Batches (ids) of committed rounds. */
  readonly batches: number[][];
  /** How many of the next rounds throw after writing (their writes must roll back). */
  failRounds: number;
}

/**
 * A `CollectingConsumer` named `name`. Each round also writes a marker row (an `event_consumers` row named
 * `<name>-marker-<first id>`) in its transaction, so that a test can see a failed round's writes roll back.
 */
export function collectingConsumer(
  name: string,
  options: { start?: ConsumerStart; types?: readonly string[] } = {},
): CollectingConsumer {
  const consumer: CollectingConsumer = {
    name,
    start: options.start ?? 'beginning',
    ...(options.types ? { types: options.types } : {}),
    handled: [],
    batches: [],
    failRounds: 0,
    async handle(trx: Kysely<Database>, events: readonly OutboxEvent[], round) {
      const ids = events.map((e) => e.id);
      await trx
        .insertInto('event_consumers')
        .values({ name: `${name}-marker-${ids[0]}`, position_xact: 0, position_id: 0, updated_at: 0 })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      if (consumer.failRounds > 0) {
        consumer.failRounds--;
        throw new Error(`${name} failed on purpose`);
      }
      await round.afterCommit(() => {
        consumer.handled.push(...ids);
        consumer.batches.push(ids);
      });
    },
  };
  return consumer;
}
