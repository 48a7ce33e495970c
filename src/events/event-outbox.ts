import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../db/index.js';
import { type Clock, InvalidParameterError, systemClock } from '../shared/index.js';
import type { EventCatalogue, EventTypeOf, EventTypes, NewEvent } from './event-catalogue.js';
import { eventFromRow } from './event-rows.js';
import type { OutboxEvent } from './event-types.js';
import { outboxDialectOf } from './outbox-dialect.js';
import { listEvents, type OutboxPage, type OutboxQuery } from './outbox-reads.js';

/**
 * Runs inside the producer's transaction, right after an event of its type is appended: for what must change
 * atomically with the event (webhook subscriptions following a renamed model). Throwing rolls the producer's
 * change back. Anything that may happen later belongs in a consumer.
 */
export type EventReaction = (trx: Kysely<Database>, event: OutboxEvent) => Promise<void>;

/** What a producer needs from the outbox: appending events of the types `T` (its domain's). */
export interface EventAppender<T extends string> {
  append(trx: Kysely<Database>, input: NewEvent<T>): Promise<OutboxEvent>;
}

/** Reading the event log (for APIs and activity views). */
export interface EventLog {
  list(query?: OutboxQuery): Promise<OutboxPage>;
}

export interface EventOutboxOptions<C extends EventCatalogue> {
  handle: Pick<DatabaseHandle, 'db' | 'afterCommit'>;
  /** The event types that may be appended (the platform catalogue in production). */
  types: EventTypes<C>;
  clock?: Clock;
}

/**
 * The platform's event outbox and log. A producer appends events in its own transaction, so an event exists
 * exactly when the change it reports does; consumers (consumer-runner.ts) read them afterwards, each at its own
 * position. Inline reactions run in the producer's transaction; listeners registered with `onCommitted` are
 * told after a transaction that appended events commits (to wake consumers without waiting for their poll).
 * Example: `await db.transaction().execute((trx) => outbox.append(trx, { type: 'alias.set', subject: 'rf',
 * subjectVersion: '3', payload: { alias: 'champion' } }))`.
 */
export class EventOutbox<C extends EventCatalogue> implements EventAppender<EventTypeOf<C>>, EventLog {
  private readonly clock: Clock;
  private readonly reactions = new Map<string, EventReaction[]>();
  private readonly listeners = new Set<() => void>();
  /** Transactions that already asked to be told about their commit. */
  private readonly watched = new WeakSet<Kysely<Database>>();

  constructor(private readonly options: EventOutboxOptions<C>) {
    this.clock = options.clock ?? systemClock;
  }

  /** The event types this outbox accepts. */
  get types(): EventTypes<C> {
    return this.options.types;
  }

  /**
   * Appends an event in the producer's transaction `trx` and runs the inline reactions for its type there.
   * Refuses to run outside a transaction: the event must commit or roll back with its change.
   */
  async append(trx: Kysely<Database>, input: NewEvent<EventTypeOf<C>>): Promise<OutboxEvent<EventTypeOf<C>>> {
    if (!this.options.types.has(input.type)) {
      throw new InvalidParameterError(`Unknown event type '${String(input.type)}'`);
    }
    if (!trx.isTransaction) {
      throw new Error('EventOutbox.append must run inside the transaction of the change it reports');
    }
    const row = await trx
      .insertInto('event_outbox')
      .values({
        type: input.type,
        subject_kind: this.options.types.subjectKindOf(input.type),
        subject: input.subject,
        subject_version: input.subjectVersion ?? null,
        actor: input.actor ?? null,
        payload: JSON.stringify(input.payload),
        created_at: this.clock.nowMs(),
        xact_id: outboxDialectOf(trx).transactionStamp(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const event: OutboxEvent<EventTypeOf<C>> = { ...eventFromRow(row), type: input.type };
    for (const reaction of this.reactions.get(input.type) ?? []) await reaction(trx, event);
    if (this.listeners.size > 0 && !this.watched.has(trx)) {
      this.watched.add(trx);
      await this.options.handle.afterCommit(trx, () => {
        for (const listener of this.listeners) listener();
      });
    }
    return event;
  }

  /** Registers an inline reaction to events of `type` (see `EventReaction`). */
  react(type: EventTypeOf<C>, reaction: EventReaction): void {
    const list = this.reactions.get(type) ?? [];
    list.push(reaction);
    this.reactions.set(type, list);
  }

  /**
   * Tells `listener` after each commit of a transaction (in this process) that appended events. Returns the
   * function that removes it.
   */
  onCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The event log, one page at a time (see `OutboxQuery`). */
  list(query: OutboxQuery = {}): Promise<OutboxPage> {
    return listEvents(this.options.handle.db, query);
  }
}
