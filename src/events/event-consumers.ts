import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { type Clock, InvalidParameterError, NotFoundError, systemClock } from '../shared/index.js';
import { beginningPosition, type ConsumerState, type EventPosition } from './event-types.js';
import { consumerStore } from './consumer-store.js';
import { lastReadablePosition, positionOfEvent } from './outbox-reads.js';

/** Where a consumer seen for the first time starts: with every event on record, or after the last one. */
export type ConsumerStart = 'beginning' | 'end';

/**
 * Where to move a consumer for a replay: before every event; after the last readable one (skip everything
 * pending); just before event `eventId` (that event and every event after it in consumer order are handled
 * again); or to an exact position.
 */
export type ReplayFrom =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'event'; eventId: number }
  | { kind: 'position'; position: EventPosition };

const namePattern = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** A consumer name: lower-case letters, digits, `.`, `_` and `-`, at most 100 characters. */
export function checkConsumerName(name: string): string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw new InvalidParameterError(
      `Invalid consumer name '${String(name)}': use lower-case letters, digits, '.', '_' and '-' (at most 100)`,
    );
  }
  return name;
}

/**
 * The `event_consumers` table: one row per consumer holding the position of the last event it handled. A
 * consumer round claims its row in its transaction (`claim`), handles the next events and moves the position
 * (`advance`) in that same transaction, so an event is handled exactly once per consumer even with several
 * processes and crashes.
 * Example: `await consumers.reset('webhooks', { kind: 'event', eventId: 1234 })` (replay from event 1234).
 */
export class EventConsumers {
  private readonly clock: Clock;

  constructor(
    private readonly db: Kysely<Database>,
    clock: Clock = systemClock,
  ) {
    this.clock = clock;
  }

  /** Creates the consumer's row unless it exists (a row that exists keeps its position). */
  async ensure(name: string, start: ConsumerStart): Promise<void> {
    checkConsumerName(name);
    if (await consumerStore.exists(this.db, name)) return;
    const position = start === 'end' ? await lastReadablePosition(this.db) : beginningPosition;
    await consumerStore.insertIfAbsent(this.db, name, position, this.clock.nowMs());
  }

  /** The consumer's position as last committed, without claiming anything; undefined if it has no row. */
  position(db: Kysely<Database>, name: string): Promise<EventPosition | undefined> {
    return consumerStore.position(db, name);
  }

  /**
   * Claims the consumer's row for the transaction `trx` and returns its position; undefined when another
   * process holds it (PostgreSQL; that process is handling the next events, this one skips the round) or when
   * it does not exist.
   */
  claim(trx: Kysely<Database>, name: string): Promise<EventPosition | undefined> {
    return consumerStore.claim(trx, name);
  }

  /** Moves the claimed row to `position`, in the transaction that handled the events up to it. */
  async advance(trx: Kysely<Database>, name: string, position: EventPosition): Promise<void> {
    await consumerStore.setPosition(trx, name, position, this.clock.nowMs());
  }

  /**
   * Moves a consumer for a replay (or to skip events) and returns its new position. Waits for a round in
   * progress to commit, then overrides where it got to. Events already handled are handled again: a replayed
   * webhook event is queued and sent again (receivers drop duplicates by event id).
   */
  async reset(name: string, from: ReplayFrom): Promise<EventPosition> {
    checkConsumerName(name);
    const position = await this.positionFor(from);
    if (!(await consumerStore.setPosition(this.db, name, position, this.clock.nowMs()))) {
      throw new NotFoundError(`Event consumer '${name}' not found`);
    }
    return position;
  }

  /** Every consumer with its position and the number of events after it, by name. */
  list(): Promise<ConsumerState[]> {
    return consumerStore.listWithPending(this.db);
  }

  private async positionFor(from: ReplayFrom): Promise<EventPosition> {
    switch (from.kind) {
      case 'beginning':
        return beginningPosition;
      case 'end':
        return lastReadablePosition(this.db);
      case 'event': {
        if (!Number.isSafeInteger(from.eventId) || from.eventId < 1) {
          throw new InvalidParameterError(`Invalid event id ${from.eventId}: expected a positive integer`);
        }
        const position = await positionOfEvent(this.db, from.eventId);
        if (!position) throw new NotFoundError(`Event ${from.eventId} not found`);
        return { xact: position.xact, id: position.id - 1 };
      }
      case 'position': {
        const { xact, id } = from.position;
        if (!Number.isSafeInteger(xact) || xact < 0 || !Number.isSafeInteger(id) || id < 0) {
          throw new InvalidParameterError(`Invalid position ${xact}:${id}`);
        }
        return { xact, id };
      }
    }
  }
}
