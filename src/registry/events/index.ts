/**
 * Registry events: what changed in the registry, recorded in the change's own transaction in the platform
 * event outbox (src/events), with a paged query API. The catalogue declares every registry event type with
 * its payload. Webhook deliveries are queued by the webhook consumer (see ../webhooks).
 */
export type {
  RegistryEvent,
  RegistryEventInput,
  RegistryEventSink,
  RegistryEventType,
  TypedRegistryEventInput,
} from './event-types.js';
export { registryEventTypes, isRegistryEventType } from './event-type-list.js';
export {
  registeredModelSubject,
  registryEventSubjects,
  type RegistryEvents,
} from './registry-event-catalogue.js';
export {
  OutboxRegistryEventSink,
  registryEventFrom,
  type EventPage,
  type ListEventsQuery,
} from './outbox-event-sink.js';
export { defaultMaxEvents, maxEventsPerPage } from '../../events/index.js';
