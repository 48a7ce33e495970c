/**
 * The platform's events: a typed catalogue (each domain declares its event types and payloads in its own
 * folder; src/platform/platform-catalogue.ts joins them), an outbox that producers append to in their own transaction, and
 * consumers that each handle every event exactly once at their own position, safely with several server
 * processes. See docs/events.md.
 */
export {
  EventTypes,
  type CatalogueEvent,
  type EventCatalogue,
  type EventPayload,
  type EventSpec,
  type EventTypeOf,
  type NewEvent,
  type SubjectKinds,
} from './event-catalogue.js';
export {
  beginningPosition,
  isBefore,
  type ConsumerState,
  type EventPosition,
  type OutboxEvent,
} from './event-types.js';
export {
  EventOutbox,
  type EventAppender,
  type EventLog,
  type EventOutboxOptions,
  type EventReaction,
} from './event-outbox.js';
export {
  checkMaxResults,
  defaultMaxEvents,
  maxEventsPerPage,
  type OutboxPage,
  type OutboxQuery,
} from './outbox-reads.js';
export { eventQueries, type RecordedEvent } from './event-queries.js';
export { EventConsumers, type ConsumerStart, type ReplayFrom } from './event-consumers.js';
export {
  EventConsumerRunner,
  type ConsumerRound,
  type ConsumerRunnerOptions,
  type EventConsumer,
  type RoundResult,
} from './consumer-runner.js';
