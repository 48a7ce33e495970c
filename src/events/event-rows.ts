import type { Selectable } from 'kysely';
import type { EventOutboxTable } from '../db/index.js';
import type { EventPayload } from './event-catalogue.js';
import type { OutboxEvent } from './event-types.js';

export type EventRow = Selectable<EventOutboxTable>;

/** An outbox row as an event (engines hand bigints back as numbers or strings: both are read as numbers). */
export function eventFromRow(row: EventRow): OutboxEvent {
  const event: OutboxEvent = {
    id: Number(row.id),
    type: row.type,
    subjectKind: row.subject_kind,
    subject: row.subject,
    payload: JSON.parse(row.payload) as EventPayload,
    createdAt: Number(row.created_at),
    position: { xact: Number(row.xact_id), id: Number(row.id) },
  };
  if (row.subject_version !== null) event.subjectVersion = row.subject_version;
  if (row.actor !== null) event.actor = row.actor;
  return event;
}
