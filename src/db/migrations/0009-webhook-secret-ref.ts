import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Webhook signing secrets leave the subscription table for the encrypted secret store. The plain-text `secret`
 * column is replaced by `secret_ref` (the secret-store path holding the key) and `legacy_secret` (the plain
 * text of rows created before this migration, kept readable until a server that has a master key moves it into
 * the store and clears it: `WebhookService.sealLegacySecrets`, run at every start). A migration cannot do the
 * move itself: it runs without the master key.
 */
export function webhookSecretRefMigration(_handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      // One column per ALTER: SQLite takes a single change per statement.
      await db.schema.alterTable('webhook_subscriptions').addColumn('secret_ref', 'text').execute();
      await db.schema.alterTable('webhook_subscriptions').addColumn('legacy_secret', 'text').execute();
      await sql`update webhook_subscriptions set legacy_secret = secret`.execute(db);
      await db.schema.alterTable('webhook_subscriptions').dropColumn('secret').execute();
    },
  };
}
