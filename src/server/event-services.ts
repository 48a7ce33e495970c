import type { DatabaseHandle } from '../db/index.js';
import {
  EventConsumerRunner,
  EventOutbox,
  platformEventTypes,
  type PlatformEvents,
} from '../events/index.js';
import { OutboxRegistryEventSink } from '../registry/events/index.js';
import { webhookFanOut } from '../registry/webhooks/index.js';
import type { Clock } from '../shared/clock.js';

export interface EventServicesOptions {
  handle: DatabaseHandle;
  clock?: Clock;
  /** Pause between consumer rounds when no local commit woke them (default 1 s). */
  pollIntervalMs?: number;
  /** Told once a round that queued webhook deliveries has committed (to wake the dispatcher). */
  onDeliveriesQueued?: () => void;
  /** Told about consumer rounds that failed; the consumers keep going. */
  onError?: (err: unknown, consumer: string) => void;
}

export interface EventServices {
  outbox: EventOutbox<PlatformEvents>;
  /** The registry's events in the outbox: what the registry records through, and the event log API. */
  registryEvents: OutboxRegistryEventSink;
  /** The consumers (webhook fan-out), woken after each local commit that appended events. */
  consumers: EventConsumerRunner;
}

/**
 * Builds the platform's events: the outbox (every domain's event types), the registry's view of it, and the
 * consumer loop with the webhook fan-out, woken by local commits. The caller starts `consumers` once the
 * server is up and stops it before closing the database. Kept in one function so that it moves as a whole to
 * the composition root.
 * Example: `const events = createEventServices({ handle, onDeliveriesQueued: () => dispatcher.wake() });
 *           createRegistryService({ handle, events: events.registryEvents, ... }); events.consumers.start();`
 */
export function createEventServices(options: EventServicesOptions): EventServices {
  const { handle } = options;
  const outbox = new EventOutbox({
    handle,
    types: platformEventTypes,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const fanOut = webhookFanOut(outbox, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onDeliveriesQueued ? { onQueued: options.onDeliveriesQueued } : {}),
  });
  const consumers = new EventConsumerRunner({
    handle,
    consumers: [fanOut],
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  outbox.onCommitted(() => consumers.wake());
  return { outbox, registryEvents: new OutboxRegistryEventSink(outbox), consumers };
}
