/**
 * The questions other domains ask of the event outbox, as named queries: the registry's webhooks read the events
 * they deliver here instead of reading `event_outbox` themselves. The outbox's table stays the events domain's.
 * Every function takes the database or the caller's transaction, so a read can join the change it belongs to.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { EventPosition } from './event-types.js';

type Db = Kysely<Database>;

/** An event as recorded, with its payload as the stored JSON text (for a caller that forwards it as it is). */
export interface RecordedEvent {
  id: number;
  position: EventPosition;
  type: string;
  subject: string;
  subjectVersion: string | null;
  actor: string | null;
  /** The payload's JSON text, exactly as recorded (never re-encoded). */
  payload: string;
  createdAt: number;
}

/** Ids per `in (...)` list: well under both engines' limits on parameters per statement. */
const idsPerQuery = 500;

const recordedColumns = [
  'id',
  'xact_id',
  'type',
  'subject',
  'subject_version',
  'actor',
  'payload',
  'created_at',
] as const;

/** A row of `recordedColumns` as a RecordedEvent (engines hand bigints back as numbers or strings). */
function recorded(row: {
  id: number;
  xact_id: number;
  type: string;
  subject: string;
  subject_version: string | null;
  actor: string | null;
  payload: string;
  created_at: number;
}): RecordedEvent {
  return {
    id: Number(row.id),
    position: { xact: Number(row.xact_id), id: Number(row.id) },
    type: row.type,
    subject: row.subject,
    subjectVersion: row.subject_version,
    actor: row.actor,
    payload: row.payload,
    createdAt: Number(row.created_at),
  };
}

/** `ids` without repeats, in slices of at most `idsPerQuery`. */
function idSlices(ids: readonly number[]): number[][] {
  const unique = [...new Set(ids.map(Number))];
  const slices: number[][] = [];
  for (let i = 0; i < unique.length; i += idsPerQuery) slices.push(unique.slice(i, i + idsPerQuery));
  return slices;
}

/**
 * The events domain's named queries for other domains.
 *
 * Example: `const events = await eventQueries.recordedEvents(trx, deliveries.map((d) => d.event_id));`
 */
export const eventQueries = {
  /**
   * The events of type `type` committed after `after` (readable by consumers or not), in consumer order.
   * Example: `await eventQueries.eventsOfTypeAfter(trx, 'registered_model.renamed', position)`.
   */
  async eventsOfTypeAfter(db: Db, type: string, after: EventPosition): Promise<RecordedEvent[]> {
    const rows = await db
      .selectFrom('event_outbox')
      .select([...recordedColumns])
      .where('type', '=', type)
      .where((eb) => eb(eb.refTuple('xact_id', 'id'), '>', eb.tuple(after.xact, after.id)))
      .orderBy('xact_id')
      .orderBy('id')
      .execute();
    return rows.map(recorded);
  },

  /** The events with these ids, by id (an id with no event is absent). */
  async recordedEvents(db: Db, ids: readonly number[]): Promise<Map<number, RecordedEvent>> {
    const events = new Map<number, RecordedEvent>();
    for (const slice of idSlices(ids)) {
      const rows = await db
        .selectFrom('event_outbox')
        .select([...recordedColumns])
        .where('id', 'in', slice)
        .execute();
      for (const row of rows) events.set(Number(row.id), recorded(row));
    }
    return events;
  },

  /** The type of each of these events, by id (an id with no event is absent). */
  async eventTypes(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
    const types = new Map<number, string>();
    for (const slice of idSlices(ids)) {
      const rows = await db
        .selectFrom('event_outbox')
        .select(['id', 'type'])
        .where('id', 'in', slice)
        .execute();
      for (const row of rows) types.set(Number(row.id), row.type);
    }
    return types;
  },
};
