import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import { decodePageToken, encodePageToken } from '../search/index.js';
import { InvalidParameterError } from '../shared/index.js';
import { eventFromRow } from './event-rows.js';
import { beginningPosition, type EventPosition, type OutboxEvent } from './event-types.js';
import { outboxDialectOf } from './outbox-dialect.js';

/** Filters and paging of the event log. Events come oldest first (by id) unless `order` is 'desc'. */
export interface OutboxQuery {
  subjectKind?: string;
  subject?: string;
  subjectVersion?: string;
  types?: readonly string[];
  /** Only events created at or after this time (epoch milliseconds). */
  since?: number;
  /** A further condition on the `subject` column (e.g. only models the caller may read). */
  subjectCondition?: (subject: RawBuilder<unknown>) => RawBuilder<SqlBool>;
  order?: 'asc' | 'desc';
  maxResults?: number;
  pageToken?: string;
}

export interface OutboxPage {
  events: OutboxEvent[];
  nextPageToken?: string;
}

export const defaultMaxEvents = 100;
export const maxEventsPerPage = 1000;

/** Throws the API's error for a page size out of range. */
export function checkMaxResults(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > maxEventsPerPage) {
    throw new InvalidParameterError(
      `Invalid value ${limit} for parameter 'max_results': expected 1 to ${maxEventsPerPage}`,
    );
  }
}

/**
 * The event log, one page at a time, by id (the order of the HTTP event log since registry events began).
 * Reads every committed event, including those consumers cannot read yet (see outbox-dialect.ts).
 */
export async function listEvents(db: Kysely<Database>, query: OutboxQuery): Promise<OutboxPage> {
  const limit = query.maxResults ?? defaultMaxEvents;
  checkMaxResults(limit);
  if (query.since !== undefined && !Number.isSafeInteger(query.since)) {
    throw new InvalidParameterError(`Invalid value ${query.since} for parameter 'since'`);
  }
  const offset = decodePageToken(query.pageToken);
  let q = db.selectFrom('event_outbox').selectAll();
  if (query.subjectKind !== undefined) q = q.where('subject_kind', '=', query.subjectKind);
  if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
  if (query.subjectCondition) q = q.where(query.subjectCondition(sql.ref('subject')));
  if (query.subjectVersion !== undefined) q = q.where('subject_version', '=', query.subjectVersion);
  if (query.types !== undefined && query.types.length > 0) q = q.where('type', 'in', [...query.types]);
  if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
  const rows = await q
    .orderBy('id', query.order === 'desc' ? 'desc' : 'asc')
    .limit(limit + 1)
    .offset(offset)
    .execute();
  const page: OutboxPage = { events: rows.slice(0, limit).map(eventFromRow) };
  if (rows.length > limit) page.nextPageToken = encodePageToken(offset + limit);
  return page;
}

/**
 * The next events after `after` and up to `upTo` (a position that was readable, see
 * `lastReadablePosition`), in consumer order, at most `limit`; with `types`, only events of those types.
 */
export async function readEventsAfter(
  db: Kysely<Database>,
  after: EventPosition,
  options: { upTo: EventPosition; limit: number; types?: readonly string[] | undefined },
): Promise<OutboxEvent[]> {
  const { upTo } = options;
  let q = db
    .selectFrom('event_outbox')
    .selectAll()
    .where((eb) => eb(eb.refTuple('xact_id', 'id'), '>', eb.tuple(after.xact, after.id)))
    .where((eb) => eb(eb.refTuple('xact_id', 'id'), '<=', eb.tuple(upTo.xact, upTo.id)));
  if (options.types !== undefined) q = q.where('type', 'in', [...options.types]);
  const rows = await q.orderBy('xact_id').orderBy('id').limit(options.limit).execute();
  return rows.map(eventFromRow);
}

/**
 * The position of the last event consumers may read now (its transaction and every earlier one have ended):
 * where a consumer starting "from now" begins, and how far a round may read. Every event at or before it is
 * final (committed and visible, or rolled back) for every later statement too.
 */
export async function lastReadablePosition(db: Kysely<Database>): Promise<EventPosition> {
  const dialect = outboxDialectOf(db);
  const row = await db
    .selectFrom('event_outbox')
    .select(['xact_id', 'id'])
    .where((eb) => dialect.readable(eb.ref('xact_id')))
    .orderBy('xact_id', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { xact: Number(row.xact_id), id: Number(row.id) } : beginningPosition;
}

/**
 * The position of the last event committed so far, readable by consumers or not yet: when it is after the
 * last readable one, events are waiting for older transactions to end.
 */
export async function lastCommittedPosition(db: Kysely<Database>): Promise<EventPosition> {
  const row = await db
    .selectFrom('event_outbox')
    .select(['xact_id', 'id'])
    .orderBy('xact_id', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { xact: Number(row.xact_id), id: Number(row.id) } : beginningPosition;
}

/** The position of event `id`, if it exists. */
export async function positionOfEvent(db: Kysely<Database>, id: number): Promise<EventPosition | undefined> {
  const row = await db
    .selectFrom('event_outbox')
    .select(['xact_id', 'id'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { xact: Number(row.xact_id), id: Number(row.id) } : undefined;
}
