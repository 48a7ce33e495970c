import type { EventPayload } from './event-catalogue.js';

/**
 * Where an event sits in the order consumers read the outbox: (`xact`, `id`), compared as a pair. `xact` is
 * the id of the transaction that wrote the event on PostgreSQL and 0 on SQLite (see outbox-dialect.ts for why
 * that order never skips an event). A consumer's position is the last event it handled; `{ xact: 0, id: 0 }`
 * is before every event.
 */
export interface EventPosition {
  readonly xact: number;
  readonly id: number;
}

/** A consumer's row: its position and how many events are waiting after it. */
export interface ConsumerState {
  name: string;
  position: EventPosition;
  updatedAt: number;
  /** Committed events after the position (including those not readable yet). */
  pending: number;
}

/** Before every event. */
export const beginningPosition: EventPosition = { xact: 0, id: 0 };

/** One event as stored in the outbox. */
export interface OutboxEvent<T extends string = string> {
  id: number;
  type: T;
  subjectKind: string;
  subject: string;
  subjectVersion?: string;
  actor?: string;
  /** As recorded: a JSON object (read back untyped: it may predate a change of its type's payload). */
  payload: EventPayload;
  createdAt: number;
  position: EventPosition;
}

/** Whether `a` comes before `b` in consumer order. */
export function isBefore(a: EventPosition, b: EventPosition): boolean {
  return a.xact < b.xact || (a.xact === b.xact && a.id < b.id);
}
