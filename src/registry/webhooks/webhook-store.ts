import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/index.js';
import { eventQueries } from '../../events/index.js';

type Db = Kysely<Database>;

/** The columns of a subscription that its domain type is made from (never its secret). */
export interface SubscriptionRow {
  id: number;
  model_name: string | null;
  url: string;
  event_types: string;
  active: number;
  created_at: number;
  format: string;
}

/** A delivery row with the type of the event it delivers. */
export type DeliveryRow = Selectable<Database['webhook_deliveries']> & { event_type: string };
export type AttemptRow = Selectable<Database['webhook_delivery_attempts']>;

/** Rolls back a deletion that found no subscription (the deletes before it touch nothing worth keeping). */
class NoSuchSubscription extends Error {}

const subscriptionColumns = [
  'id',
  'model_name',
  'url',
  'event_types',
  'active',
  'created_at',
  'format',
] as const;

/**
 * SQL for webhook subscriptions and their delivery log, as the webhook service reads and changes them. Callers
 * validate and turn rows into domain types; this file only reads and writes rows.
 *
 * Example: `const rows = await webhookStore.listSubscriptions(db, { modelName: 'rf' });`
 */
export const webhookStore = {
  /** Inserts an inactive subscription without a secret reference; answers its row. */
  async insertInactive(
    db: Db,
    row: { modelName: string | null; url: string; eventTypes: string; format: string; now: number },
  ): Promise<SubscriptionRow> {
    return db
      .insertInto('webhook_subscriptions')
      .values({
        model_name: row.modelName,
        url: row.url,
        event_types: row.eventTypes,
        format: row.format,
        secret_ref: null,
        legacy_secret: null,
        active: 0,
        created_at: row.now,
      })
      .returning([...subscriptionColumns])
      .executeTakeFirstOrThrow();
  },

  /** Records where the subscription's secret is kept and switches it on. */
  async activate(db: Db, id: number, secretRef: string): Promise<void> {
    await db
      .updateTable('webhook_subscriptions')
      .set({ secret_ref: secretRef, active: 1 })
      .where('id', '=', id)
      .execute();
  },

  /** Deletes the subscription row alone (undoing a creation that failed half-way). */
  async deleteSubscriptionRow(db: Db, id: number): Promise<void> {
    await db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
  },

  /** Subscriptions still holding a plain-text secret, oldest first. */
  async withLegacySecret(db: Db): Promise<{ id: number; legacy_secret: string | null }[]> {
    return db
      .selectFrom('webhook_subscriptions')
      .select(['id', 'legacy_secret'])
      .where('legacy_secret', 'is not', null)
      .orderBy('id')
      .execute();
  },

  /** Replaces a plain-text secret by its reference; answers 1 when this call did it, 0 when another one had. */
  async sealLegacySecret(db: Db, id: number, secretRef: string): Promise<number> {
    const result = await db
      .updateTable('webhook_subscriptions')
      .set({ secret_ref: secretRef, legacy_secret: null })
      .where('id', '=', id)
      .where('legacy_secret', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  async countLegacySecrets(db: Db): Promise<number> {
    const row = await db
      .selectFrom('webhook_subscriptions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('legacy_secret', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** Every subscription, or those of one model, oldest first. */
  async listSubscriptions(db: Db, filter: { modelName?: string }): Promise<SubscriptionRow[]> {
    let q = db.selectFrom('webhook_subscriptions').select([...subscriptionColumns]);
    if (filter.modelName !== undefined) q = q.where('model_name', '=', filter.modelName);
    return q.orderBy('id').execute();
  },

  async findSubscription(db: Db, id: number): Promise<SubscriptionRow | undefined> {
    return db
      .selectFrom('webhook_subscriptions')
      .select([...subscriptionColumns])
      .where('id', '=', id)
      .executeTakeFirst();
  },

  /**
   * Deletes a subscription with its deliveries and their attempts, in one transaction. Answers undefined (and
   * rolls the transaction back) when there was no such subscription, else its secret reference (null when it
   * has none).
   */
  async deleteSubscription(db: Db, id: number): Promise<{ secretRef: string | null } | undefined> {
    const deleted = db.transaction().execute(async (trx) => {
      const sub = await trx
        .selectFrom('webhook_subscriptions')
        .select('secret_ref')
        .where('id', '=', id)
        .executeTakeFirst();
      const deliveries = trx.selectFrom('webhook_deliveries').select('id').where('subscription_id', '=', id);
      await trx.deleteFrom('webhook_delivery_attempts').where('delivery_id', 'in', deliveries).execute();
      await trx.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
      const result = await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NoSuchSubscription();
      return { secretRef: sub?.secret_ref ?? null };
    });
    return deleted.catch((error: unknown) => {
      if (error instanceof NoSuchSubscription) return undefined;
      throw error;
    });
  },

  /** One page of a subscription's deliveries, newest first (`limit` rows from `offset`). */
  async listDeliveries(
    db: Db,
    subscriptionId: number,
    page: { limit: number; offset: number },
  ): Promise<DeliveryRow[]> {
    const deliveries = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const types = await eventQueries.eventTypes(
      db,
      deliveries.map((d) => d.event_id),
    );
    // Every delivery's event exists (a foreign key): the lookup drops none.
    return deliveries.flatMap((d) => {
      const eventType = types.get(Number(d.event_id));
      return eventType === undefined ? [] : [{ ...d, event_type: eventType }];
    });
  },

  /** The attempts of some deliveries, by delivery, then attempt number. `deliveryIds` must not be empty. */
  async attemptsOf(db: Db, deliveryIds: readonly number[]): Promise<AttemptRow[]> {
    return db
      .selectFrom('webhook_delivery_attempts')
      .selectAll()
      .where('delivery_id', 'in', [...deliveryIds])
      .orderBy('delivery_id')
      .orderBy('attempt')
      .orderBy('id')
      .execute();
  },
};
