/**
 * Registry events: what changed in the registry, recorded in the change's own transaction, with a paged
 * query API. Recording an event also queues its webhook deliveries (see ../webhooks).
 */
export type {
  RegistryEvent,
  RegistryEventInput,
  RegistryEventSink,
  RegistryEventType,
} from './event-types.js';
export { registryEventTypes, isRegistryEventType } from './event-type-list.js';
export {
  SqlRegistryEventSink,
  defaultMaxEvents,
  maxEventsPerPage,
  type EventPage,
  type ListEventsQuery,
} from './sql-event-sink.js';
