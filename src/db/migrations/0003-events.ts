import type { Kysely, Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/** Registry events, webhook subscriptions, deliveries and the per-attempt delivery log. */
export function eventsMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('registry_events')
        .addColumn('id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('version', 'text')
        .addColumn('actor', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('registry_events_model')
        .on('registry_events')
        .columns(['model_name', 'id'])
        .execute();
      await db.schema
        .createIndex('registry_events_created')
        .on('registry_events')
        .column('created_at')
        .execute();

      await db.schema
        .createTable('webhook_subscriptions')
        .addColumn('id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('model_name', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_subscriptions_model')
        .on('webhook_subscriptions')
        .columns(['model_name', 'active'])
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('subscription_id', 'integer', (c) =>
          c.notNull().references('webhook_subscriptions.id').onDelete('cascade'),
        )
        .addColumn('event_id', 'integer', (c) => c.notNull().references('registry_events.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_subscription')
        .on('webhook_deliveries')
        .columns(['subscription_id', 'id'])
        .execute();

      await db.schema
        .createTable('webhook_delivery_attempts')
        .addColumn('id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('delivery_id', 'integer', (c) =>
          c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
        )
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_delivery_attempts_delivery')
        .on('webhook_delivery_attempts')
        .columns(['delivery_id', 'attempt'])
        .execute();
    },
  };
}
