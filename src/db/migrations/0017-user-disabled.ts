import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * A "disabled" state for users: `disabled` (0/1, default 0) on `users`. A disabled user keeps their account,
 * tokens, grants and history but cannot sign in by any means (password, API token, session cookie).
 */
export function userDisabledMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('users')
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
