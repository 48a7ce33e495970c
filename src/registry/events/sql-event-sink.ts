import type { Visibility } from '../../security/permissions/types.js';
import { visibilityCondition } from '../../search/index.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { decodePageToken, encodePageToken } from '../../search/index.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { InvalidParameterError } from '../../shared/errors.js';
import { isRegistryEventType } from './event-type-list.js';
import type {
  RegistryEvent,
  RegistryEventInput,
  RegistryEventSink,
  RegistryEventType,
} from './event-types.js';

/** Filters and paging of `listEvents`. Events come oldest first (by id) unless `order` is 'desc'. */
export interface ListEventsQuery {
  /** Only events of registered models the caller may read (by the name the event recorded); absent: all. */
  visibility?: Visibility;
  modelName?: string;
  version?: string;
  types?: readonly string[];
  /** Only events created at or after this time (epoch milliseconds). */
  since?: number;
  order?: 'asc' | 'desc';
  maxResults?: number;
  pageToken?: string;
}

export interface EventPage {
  events: RegistryEvent[];
  nextPageToken?: string;
}

export const defaultMaxEvents = 100;
export const maxEventsPerPage = 1000;

type EventRow = {
  id: number;
  type: string;
  model_name: string;
  version: string | null;
  actor: string | null;
  payload: string;
  created_at: number;
};

export function eventFromRow(row: EventRow): RegistryEvent {
  const event: RegistryEvent = {
    id: Number(row.id),
    type: row.type as RegistryEventType,
    modelName: row.model_name,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: Number(row.created_at),
  };
  if (row.version !== null) event.version = row.version;
  if (row.actor !== null) event.actor = row.actor;
  return event;
}

/** Which event types a subscription's `event_types` JSON accepts (empty = all). */
export function subscriptionAccepts(eventTypesJson: string, type: RegistryEventType): boolean {
  const types = JSON.parse(eventTypesJson) as unknown;
  return !Array.isArray(types) || types.length === 0 || types.includes(type);
}

/**
 * Records registry events in SQL and queues a webhook delivery for every active subscription that wants the
 * event, in the caller's transaction. The dispatcher sends the deliveries once they are committed. A
 * `registered_model.renamed` event whose payload has `oldName` moves that model's subscriptions to the new name.
 * Example: `const events = new SqlRegistryEventSink(handle.db); await db.transaction().execute((trx) =>
 * events.record(trx, { type: 'model_version.created', modelName: 'rf', version: '1', payload: {} }))`.
 */
export class SqlRegistryEventSink implements RegistryEventSink {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  async record(trx: Kysely<Database>, input: RegistryEventInput): Promise<RegistryEvent> {
    if (!isRegistryEventType(input.type)) {
      throw new InvalidParameterError(`Unknown registry event type '${String(input.type)}'`);
    }
    const now = this.clock.nowMs();
    const payload = JSON.stringify(input.payload);
    const inserted = await trx
      .insertInto('registry_events')
      .values({
        type: input.type,
        model_name: input.modelName,
        version: input.version ?? null,
        actor: input.actor ?? null,
        payload,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const event = eventFromRow({
      id: inserted.id,
      type: input.type,
      model_name: input.modelName,
      version: input.version ?? null,
      actor: input.actor ?? null,
      payload,
      created_at: now,
    });

    const oldName = input.payload.oldName;
    if (input.type === 'registered_model.renamed' && typeof oldName === 'string') {
      // Subscriptions follow the model to its new name (and so receive this event).
      await trx
        .updateTable('webhook_subscriptions')
        .set({ model_name: input.modelName })
        .where('model_name', '=', oldName)
        .execute();
    }
    const subscriptions = await trx
      .selectFrom('webhook_subscriptions')
      .select(['id', 'event_types'])
      .where('active', '=', 1)
      .where((eb) => eb.or([eb('model_name', 'is', null), eb('model_name', '=', input.modelName)]))
      .execute();
    const wanted = subscriptions.filter((s) => subscriptionAccepts(s.event_types, input.type));
    if (wanted.length > 0) {
      await trx
        .insertInto('webhook_deliveries')
        .values(
          wanted.map((s) => ({
            subscription_id: s.id,
            event_id: event.id,
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            lease_owner: null,
            last_status_code: null,
            last_error: null,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
    return event;
  }

  /** Events matching every given filter, one page at a time. */
  async listEvents(query: ListEventsQuery = {}): Promise<EventPage> {
    const limit = query.maxResults ?? defaultMaxEvents;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxEventsPerPage) {
      throw new InvalidParameterError(
        `Invalid value ${limit} for parameter 'max_results': expected 1 to ${maxEventsPerPage}`,
      );
    }
    for (const type of query.types ?? []) {
      if (!isRegistryEventType(type)) {
        throw new InvalidParameterError(`Unknown registry event type '${type}'`);
      }
    }
    if (query.since !== undefined && !Number.isSafeInteger(query.since)) {
      throw new InvalidParameterError(`Invalid value ${query.since} for parameter 'since'`);
    }
    const offset = decodePageToken(query.pageToken);
    let q = this.db.selectFrom('registry_events').selectAll();
    if (query.modelName !== undefined) q = q.where('model_name', '=', query.modelName);
    if (query.visibility) {
      q = q.where(visibilityCondition(sql.ref('model_name'), query.visibility, (name) => name));
    }
    if (query.version !== undefined) q = q.where('version', '=', query.version);
    if (query.types !== undefined && query.types.length > 0) q = q.where('type', 'in', [...query.types]);
    if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
    const rows = await q
      .orderBy('id', query.order === 'desc' ? 'desc' : 'asc')
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const page: EventPage = { events: rows.slice(0, limit).map(eventFromRow) };
    if (rows.length > limit) page.nextPageToken = encodePageToken(offset + limit);
    return page;
  }
}
