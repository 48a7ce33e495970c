import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * The body format of a webhook subscription: `format` on `webhook_subscriptions` ('bosun', the signed event
 * as before and the default for existing rows; 'slack', an incoming-webhook message; 'pagerduty', a PagerDuty
 * Events API v2 event).
 */
export function webhookFormatMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('webhook_subscriptions')
        .addColumn('format', 'text', (c) => c.notNull().defaultTo('bosun'))
        .execute();
    },
  };
}
