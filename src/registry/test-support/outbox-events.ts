import type { DatabaseHandle } from '../../db/index.js';
import { EventConsumerRunner, EventOutbox } from '../../events/index.js';
import { platformEventTypes, type PlatformEvents } from '../../platform/platform-catalogue.js';
import { catchUp } from '../../events/test-support/catch-up.js';
import type { Clock } from '../../shared/clock.js';
import { OutboxRegistryEventSink } from '../events/outbox-event-sink.js';
import type { RegistryEvent, RegistryEventInput } from '../events/event-types.js';
import { webhookConsumerName, webhookFanOut } from '../webhooks/webhook-fan-out.js';

/** The registry's events on a test database, wired as the server wires them, with the consumer run by hand. */
export interface TestRegistryEvents {
  outbox: EventOutbox<PlatformEvents>;
  sink: OutboxRegistryEventSink;
  /** The webhook consumer alone, never started (see `fanOut`). */
  webhooks: EventConsumerRunner;
  /**
   * Runs the webhook consumer until it has handled every event committed so far; returns how many it handled.
   * On PostgreSQL an event becomes readable once every transaction that was writing when it committed has
   * ended, in any database of the cluster (other test files run alongside), so this may take a few rounds.
   */
  fanOut(): Promise<number>;
  /** Records `event` in a transaction of its own, then runs the webhook consumer (its deliveries are queued). */
  record(event: RegistryEventInput): Promise<RegistryEvent>;
}

export function openRegistryEvents(
  handle: Pick<DatabaseHandle, 'db' | 'afterCommit'>,
  clock?: Clock,
): TestRegistryEvents {
  const outbox = new EventOutbox({ handle, types: platformEventTypes, ...(clock ? { clock } : {}) });
  const sink = new OutboxRegistryEventSink(outbox);
  const webhooks = new EventConsumerRunner({
    handle,
    consumers: [webhookFanOut(outbox, clock ? { clock } : {})],
    ...(clock ? { clock } : {}),
  });
  const fanOut = () => catchUp(webhooks, handle.db, [webhookConsumerName]);
  return {
    outbox,
    sink,
    webhooks,
    fanOut,
    async record(event) {
      const recorded = await handle.db.transaction().execute((trx) => sink.record(trx, event));
      await fanOut();
      return recorded;
    },
  };
}
