import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { eventQueries, type EventPosition } from '../../events/index.js';

type Db = Kysely<Database>;

/** An active subscription as the fan-out matches events against it. */
export interface ActiveSubscriptionRow {
  id: number;
  model_name: string | null;
  event_types: string;
}

/** A recorded event as the fan-out reads renames: where it stands, its subject and its payload (JSON text). */
export interface RecordedEventRow {
  position: EventPosition;
  subject: string;
  payload: string;
}

/** Rows per INSERT of deliveries (11 parameters each; SQLite allows 32766 per statement). */
const insertChunk = 500;

/**
 * SQL for the webhook consumer: the subscriptions events are matched against, the renames that move them, and
 * the deliveries it queues. Every function runs in the caller's transaction (the consumer's round, or the
 * rename's own); the fan-out decides what matches.
 *
 * Example: `const subscriptions = await webhookFanOutStore.activeSubscriptions(trx);`
 */
export const webhookFanOutStore = {
  /** Every active subscription, per model or global. */
  async activeSubscriptions(db: Db): Promise<ActiveSubscriptionRow[]> {
    const rows = await db
      .selectFrom('webhook_subscriptions')
      .select(['id', 'model_name', 'event_types'])
      .where('active', '=', 1)
      .execute();
    return rows.map((s) => ({ ...s, id: Number(s.id) }));
  },

  /** Moves the subscriptions of model `from` to its new name `to`. */
  async moveSubscriptions(db: Db, from: string, to: string): Promise<void> {
    await db
      .updateTable('webhook_subscriptions')
      .set({ model_name: to })
      .where('model_name', '=', from)
      .execute();
  },

  /**
   * The events of type `type` committed after `after` (readable by consumers or not), in consumer order.
   * Example: `await webhookFanOutStore.eventsOfTypeAfter(trx, 'registered_model.renamed', position)`.
   */
  async eventsOfTypeAfter(db: Db, type: string, after: EventPosition): Promise<RecordedEventRow[]> {
    const events = await eventQueries.eventsOfTypeAfter(db, type, after);
    return events.map((e) => ({ position: e.position, subject: e.subject, payload: e.payload }));
  },

  /** Queues deliveries, a bounded number of rows per statement. */
  async insertDeliveries(db: Db, rows: readonly Insertable<Database['webhook_deliveries']>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += insertChunk) {
      await db
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + insertChunk))
        .execute();
    }
  },
};
