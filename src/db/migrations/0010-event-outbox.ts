import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * The platform event outbox (see src/events). `registry_events` becomes `event_outbox`: renamed in place, so
 * every event keeps its id, `webhook_deliveries.event_id` keeps pointing at it (both engines carry the foreign
 * key over to the new name) and new ids continue after the old ones. `model_name` and `version` become the
 * generic `subject` and `subject_version`; `subject_kind` is `registered_model` for the old rows; `xact_id`
 * (the writing transaction on PostgreSQL, see src/events/outbox-dialect.ts) is 0 for them, which sorts them
 * before every later event.
 *
 * `event_consumers` holds each consumer's position. The webhook consumer starts after the last existing event:
 * those events already had their deliveries queued by the code before this migration, in their own transaction.
 */
export function eventOutboxMigration(handle: Pick<DatabaseHandle, 'engine'>): Migration {
  return {
    async up(db: AnyDb) {
      if (handle.engine === 'postgres') {
        const { rows } = await sql<{
          version: number;
        }>`select cast(current_setting('server_version_num') as integer) as version`.execute(db);
        const version = Number(rows[0]?.version ?? 0);
        if (version < 130000) {
          throw new Error(
            `Bosun needs PostgreSQL 13 or later (this server is ${version}): the event outbox uses pg_current_xact_id()`,
          );
        }
      }
      await db.schema.alterTable('registry_events').renameTo('event_outbox').execute();
      if (handle.engine === 'postgres') {
        // Names only: the id column's default refers to its sequence by oid, not by name.
        await sql`alter sequence registry_events_id_seq rename to event_outbox_id_seq`.execute(db);
        await sql`alter table event_outbox rename constraint registry_events_pkey to event_outbox_pkey`.execute(
          db,
        );
      }
      await db.schema.alterTable('event_outbox').renameColumn('model_name', 'subject').execute();
      await db.schema.alterTable('event_outbox').renameColumn('version', 'subject_version').execute();
      // One column per ALTER: SQLite takes a single change per statement.
      await db.schema
        .alterTable('event_outbox')
        .addColumn('subject_kind', 'text', (c) => c.notNull().defaultTo('registered_model'))
        .execute();
      await db.schema
        .alterTable('event_outbox')
        .addColumn('xact_id', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.dropIndex('registry_events_model').execute();
      await db.schema.dropIndex('registry_events_created').execute();
      await db.schema
        .createIndex('event_outbox_subject')
        .on('event_outbox')
        .columns(['subject_kind', 'subject', 'id'])
        .execute();
      await db.schema.createIndex('event_outbox_created').on('event_outbox').column('created_at').execute();
      await db.schema
        .createIndex('event_outbox_position')
        .on('event_outbox')
        .columns(['xact_id', 'id'])
        .execute();
      await db.schema.createIndex('event_outbox_type').on('event_outbox').columns(['type', 'id']).execute();

      await db.schema
        .createTable('event_consumers')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('position_xact', 'bigint', (c) => c.notNull())
        .addColumn('position_id', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // 'webhooks' is webhookConsumerName (src/registry/webhooks/webhook-fan-out.ts).
      await sql`insert into event_consumers (name, position_xact, position_id, updated_at)
                select 'webhooks', 0, coalesce(max(id), 0), ${Date.now()} from event_outbox`.execute(db);
    },
  };
}
