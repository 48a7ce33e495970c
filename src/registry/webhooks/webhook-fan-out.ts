import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import {
  isBefore,
  type EventConsumer,
  type EventPosition,
  type EventReaction,
  type OutboxEvent,
} from '../../events/index.js';
import { type Clock, systemClock } from '../../shared/index.js';
import type { RegistryEventType } from '../events/event-types.js';
import { eventModelName, webhookEventTypes } from './webhook-event-types.js';
import { webhookFanOutStore, type ActiveSubscriptionRow } from './webhook-fan-out-store.js';

/** The webhook consumer's row in `event_consumers` (migration 0010 creates it). */
export const webhookConsumerName = 'webhooks';

const renamed: RegistryEventType = 'registered_model.renamed';

/** Which event types a subscription's `event_types` JSON accepts (empty = all). */
export function subscriptionAccepts(eventTypesJson: string, type: string): boolean {
  const types = JSON.parse(eventTypesJson) as unknown;
  return !Array.isArray(types) || types.length === 0 || types.includes(type);
}

/**
 * The inline reaction to `registered_model.renamed` (recorded under the new name, with `oldName` in its
 * payload): the model's subscriptions follow it to the new name in the rename's own transaction, so that every
 * event recorded under the new name after the rename commits finds them.
 */
export const moveSubscriptionsOnRename: EventReaction = async (trx, event) => {
  const oldName = event.payload.oldName;
  if (typeof oldName !== 'string') return;
  await webhookFanOutStore.moveSubscriptions(trx, oldName, event.subject);
};

export interface WebhookFanOutOptions {
  clock?: Clock;
  /** Told once a round that queued deliveries has committed (wakes the dispatcher). */
  onQueued?: () => void;
}

interface Rename {
  position: EventPosition;
  oldName: string;
  newName: string;
}

/**
 * The webhook consumer: queues one delivery per event and matching active subscription (same model, or
 * global; an event type it wants), in the round's transaction, so each event is fanned out exactly once. It
 * also registers `moveSubscriptionsOnRename` on the outbox: the two only work together.
 *
 * A subscription is matched by the name its model had when the event happened: an event recorded under a
 * name that a later rename changed (the rename committed before this round) is matched against the new name,
 * where the rename moved the subscriptions.
 * Example: `const fanOut = webhookFanOut(outbox, { onQueued: () => dispatcher.wake() });
 *           new EventConsumerRunner({ handle, consumers: [fanOut] })`.
 */
export function webhookFanOut(
  outbox: { react(type: RegistryEventType, reaction: EventReaction): void },
  options: WebhookFanOutOptions = {},
): EventConsumer {
  const clock = options.clock ?? systemClock;
  outbox.react(renamed, moveSubscriptionsOnRename);
  return {
    name: webhookConsumerName,
    // Events recorded before the first start of a server with the outbox had their deliveries queued then.
    start: 'end',
    types: webhookEventTypes,
    async handle(trx, events, round) {
      const first = events[0];
      if (!first) return;
      const { subscriptions, renames } = await subscriptionsWithRenames(trx, first.position);
      if (subscriptions.length === 0) return;
      const now = clock.nowMs();
      const rows = events.flatMap((event) => {
        const name = nameNow(event, renames);
        return subscriptions
          .filter(
            (s) =>
              (s.model_name === null || s.model_name === name) &&
              subscriptionAccepts(s.event_types, event.type),
          )
          .map((s) => ({
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
          }));
      });
      await webhookFanOutStore.insertDeliveries(trx, rows);
      if (rows.length > 0 && options.onQueued) await round.afterCommit(options.onQueued);
    },
  };
}

/**
 * The name the event's model has now: its recorded name (a monitor alert's `modelName`), followed through the
 * renames recorded after it.
 */
function nameNow(event: OutboxEvent, renames: readonly Rename[]): string {
  let name = eventModelName(event.type, event.subject, event.payload);
  for (const r of renames) {
    if (isBefore(event.position, r.position) && r.oldName === name) name = r.newName;
  }
  return name;
}

/**
 * The active subscriptions and the renames recorded after `after` (committed ones, readable by consumers or
 * not), as of one moment. Each statement of a PostgreSQL transaction sees the commits made before it began, so
 * a rename (which moves subscriptions in its own transaction) committing between the reads would make them
 * disagree: the renames are read again after the subscriptions, and the reads repeated if a rename came in.
 */
async function subscriptionsWithRenames(
  trx: Kysely<Database>,
  after: EventPosition,
): Promise<{ subscriptions: ActiveSubscriptionRow[]; renames: Rename[] }> {
  for (let attempt = 1; ; attempt++) {
    const renames = await renamesAfter(trx, after);
    const subscriptions = await webhookFanOutStore.activeSubscriptions(trx);
    // Committed renames only ever get more numerous: the same count means the same renames.
    if ((await renamesAfter(trx, after)).length === renames.length) {
      return { subscriptions, renames };
    }
    if (attempt === 5) throw new Error('registered models kept being renamed during webhook fan-out');
  }
}

async function renamesAfter(trx: Kysely<Database>, after: EventPosition): Promise<Rename[]> {
  const rows = await webhookFanOutStore.eventsOfTypeAfter(trx, renamed, after);
  return rows.flatMap((r) => {
    const payload = JSON.parse(r.payload) as Record<string, unknown>;
    return typeof payload.oldName === 'string'
      ? [{ position: r.position, oldName: payload.oldName, newName: r.subject }]
      : [];
  });
}
