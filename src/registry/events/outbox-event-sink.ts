import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import {
  checkMaxResults,
  defaultMaxEvents,
  type EventAppender,
  type EventLog,
  type OutboxEvent,
} from '../../events/index.js';
import { visibilityCondition, type Visibility } from '../../search/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import { isRegistryEventType } from './event-type-list.js';
import type {
  RegistryEvent,
  RegistryEventInput,
  RegistryEventSink,
  RegistryEventType,
} from './event-types.js';
import { registeredModelSubject } from './registry-event-catalogue.js';

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

/** An outbox event of the registry in the registry's terms (model name, version). */
export function registryEventFrom(event: OutboxEvent): RegistryEvent {
  const out: RegistryEvent = {
    id: event.id,
    type: event.type as RegistryEventType,
    modelName: event.subject,
    payload: event.payload,
    createdAt: event.createdAt,
  };
  if (event.subjectVersion !== undefined) out.version = event.subjectVersion;
  if (event.actor !== undefined) out.actor = event.actor;
  return out;
}

/**
 * The registry's events in the platform outbox: `record` appends a registry event in the caller's transaction
 * (the registered model's name as subject, its version as subject version); `listEvents` reads them back
 * (the registry event log API). Webhook deliveries are queued by the webhook consumer once the transaction has
 * committed (src/registry/webhooks/webhook-fan-out.ts).
 * Example: `const events = new OutboxRegistryEventSink(outbox); await db.transaction().execute((trx) =>
 * events.record(trx, { type: 'model_version.created', modelName: 'rf', version: '1', payload: {} }))`.
 */
export class OutboxRegistryEventSink implements RegistryEventSink {
  constructor(private readonly outbox: EventAppender<RegistryEventType> & EventLog) {}

  async record(trx: Kysely<Database>, input: RegistryEventInput): Promise<RegistryEvent> {
    if (!isRegistryEventType(input.type)) {
      throw new InvalidParameterError(`Unknown registry event type '${String(input.type)}'`);
    }
    const event = await this.outbox.append(trx, {
      type: input.type,
      subject: input.modelName,
      ...(input.version !== undefined ? { subjectVersion: input.version } : {}),
      ...(input.actor !== undefined ? { actor: input.actor } : {}),
      payload: input.payload,
    });
    return registryEventFrom(event);
  }

  /** Events matching every given filter, one page at a time. */
  async listEvents(query: ListEventsQuery = {}): Promise<EventPage> {
    const limit = query.maxResults ?? defaultMaxEvents;
    checkMaxResults(limit);
    for (const type of query.types ?? []) {
      if (!isRegistryEventType(type)) {
        throw new InvalidParameterError(`Unknown registry event type '${type}'`);
      }
    }
    const { visibility } = query;
    const page = await this.outbox.list({
      subjectKind: registeredModelSubject,
      ...(query.modelName !== undefined ? { subject: query.modelName } : {}),
      ...(visibility
        ? { subjectCondition: (subject) => visibilityCondition(subject, visibility, (n) => n) }
        : {}),
      ...(query.version !== undefined ? { subjectVersion: query.version } : {}),
      ...(query.types !== undefined ? { types: query.types } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.order !== undefined ? { order: query.order } : {}),
      maxResults: limit,
      ...(query.pageToken !== undefined ? { pageToken: query.pageToken } : {}),
    });
    const result: EventPage = { events: page.events.map(registryEventFrom) };
    if (page.nextPageToken !== undefined) result.nextPageToken = page.nextPageToken;
    return result;
  }
}
