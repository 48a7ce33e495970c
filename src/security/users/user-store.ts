import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApiTokensTable, Database, Engine, UsersTable, UserTables } from '../../db/index.js';

/** The database as the user queries see it: the platform's tables plus the user tables. */
export type UserDb = Kysely<Database & UserTables>;
export type UserRow = Selectable<UsersTable>;
export type TokenRow = Selectable<ApiTokensTable>;

/**
 * SQL for users and their API tokens. Callers validate, hash, decide and hold the transactions; this file only
 * reads and writes rows.
 *
 * Example: `const row = await userStore.findByUsernameKey(db, usernameKey('Alice'));`
 */
export const userStore = {
  // ---- users ----

  /** Inserts a user; a name taken in any letter case fails with a unique violation. */
  async insert(
    db: UserDb,
    user: { username: string; usernameKey: string; passwordHash: string; isAdmin: boolean; now: number },
  ): Promise<UserRow> {
    return db
      .insertInto('users')
      .values({
        username: user.username,
        username_key: user.usernameKey,
        password_hash: user.passwordHash,
        is_admin: user.isAdmin ? 1 : 0,
        created_at: user.now,
        updated_at: user.now,
        last_login_at: null,
        failed_attempts: 0,
        locked_until: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /**
   * On PostgreSQL, locks the users table against other writers until the transaction ends, so that two
   * concurrent first-administrator bootstraps cannot both see "no admin" (SQLite's writers queue already).
   */
  async serializeAdminBootstrap(trx: UserDb, engine: Engine): Promise<void> {
    if (engine === 'postgres') await sql`lock table users in share row exclusive mode`.execute(trx);
  },

  /** Whether at least one administrator exists. */
  async anyAdmin(db: UserDb): Promise<boolean> {
    const admin = await db.selectFrom('users').select('id').where('is_admin', '=', 1).executeTakeFirst();
    return admin !== undefined;
  },

  /** Whether an administrator other than `exceptId` exists. */
  async otherAdminExists(db: UserDb, exceptId: number): Promise<boolean> {
    const other = await db
      .selectFrom('users')
      .select('id')
      .where('is_admin', '=', 1)
      .where('id', '!=', exceptId)
      .executeTakeFirst();
    return other !== undefined;
  },

  /** Whether an administrator other than `exceptId` exists who is not disabled. */
  async otherEnabledAdminExists(db: UserDb, exceptId: number): Promise<boolean> {
    const other = await db
      .selectFrom('users')
      .select('id')
      .where('is_admin', '=', 1)
      .where('disabled', '=', 0)
      .where('id', '!=', exceptId)
      .executeTakeFirst();
    return other !== undefined;
  },

  async setDisabled(db: UserDb, id: number, disabled: boolean, now: number): Promise<UserRow> {
    return db
      .updateTable('users')
      .set({ disabled: disabled ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async findByUsernameKey(db: UserDb, key: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('username_key', '=', key).executeTakeFirst();
  },

  async findById(db: UserDb, id: number): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Every user, by case-folded username. */
  async listAll(db: UserDb): Promise<UserRow[]> {
    return db.selectFrom('users').selectAll().orderBy('username_key').execute();
  },

  /** Stores a new password hash and clears the failure count and any lockout. */
  async setPassword(db: UserDb, id: number, passwordHash: string, now: number): Promise<void> {
    await db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: now, failed_attempts: 0, locked_until: null })
      .where('id', '=', id)
      .execute();
  },

  async setAdmin(db: UserDb, id: number, isAdmin: boolean, now: number): Promise<UserRow> {
    return db
      .updateTable('users')
      .set({ is_admin: isAdmin ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Deletes a user's tokens, then the user (run it in a transaction). */
  async deleteWithTokens(db: UserDb, id: number): Promise<void> {
    await db.deleteFrom('api_tokens').where('user_id', '=', id).execute();
    await db.deleteFrom('users').where('id', '=', id).execute();
  },

  /** Records a successful sign-in (and an upgraded hash); undefined when the user is gone meanwhile. */
  async recordSignIn(
    db: UserDb,
    id: number,
    signIn: { now: number; rehash: string | undefined },
  ): Promise<UserRow | undefined> {
    return db
      .updateTable('users')
      .set({
        last_login_at: signIn.now,
        failed_attempts: 0,
        locked_until: null,
        ...(signIn.rehash !== undefined ? { password_hash: signIn.rehash } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  /** Adds one failure atomically; answers the new count, undefined when the user is gone. */
  async countFailure(db: UserDb, id: number): Promise<number | undefined> {
    const counted = await db
      .updateTable('users')
      .set({ failed_attempts: sql<number>`failed_attempts + 1` })
      .where('id', '=', id)
      .returning('failed_attempts')
      .executeTakeFirst();
    return counted ? Number(counted.failed_attempts) : undefined;
  },

  /** Locks the user out until `until` and starts a new failure count. */
  async lockOut(db: UserDb, id: number, until: number): Promise<void> {
    await db
      .updateTable('users')
      .set({ failed_attempts: 0, locked_until: until })
      .where('id', '=', id)
      .execute();
  },

  // ---- API tokens ----

  async insertToken(
    db: UserDb,
    token: {
      userId: number;
      name: string;
      tokenHash: string;
      prefix: string;
      now: number;
      expiresAt: number | null;
    },
  ): Promise<TokenRow> {
    return db
      .insertInto('api_tokens')
      .values({
        user_id: token.userId,
        name: token.name,
        token_hash: token.tokenHash,
        prefix: token.prefix,
        created_at: token.now,
        expires_at: token.expiresAt,
        last_used_at: null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async findTokenByHash(db: UserDb, tokenHash: string): Promise<TokenRow | undefined> {
    return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  },

  /** One of a user's tokens; undefined for a token of another user. */
  async findToken(db: UserDb, userId: number, tokenId: number): Promise<TokenRow | undefined> {
    return db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  },

  /** A user's tokens, newest first. */
  async listTokens(db: UserDb, userId: number): Promise<TokenRow[]> {
    return db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .execute();
  },

  async setTokenLastUsed(db: UserDb, id: number, at: number): Promise<void> {
    await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  },

  async revokeToken(db: UserDb, id: number, at: number): Promise<void> {
    await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).execute();
  },
};
