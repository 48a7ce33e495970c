import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from '../../db/index.js';

export type SessionDb = Kysely<Database>;
export type SessionRow = Selectable<SessionsTable>;

/** A session row with the columns of its user that a check needs (the password hash only to compare stamps). */
export interface SessionWithUserRow extends SessionRow {
  username: string;
  is_admin: number;
  user_created_at: number;
  user_updated_at: number;
  last_login_at: number | null;
  password_hash: string;
  disabled: number;
}

/**
 * SQL for browser sessions. The service decides (expiry, stamps, who may revoke what); this file only reads
 * and writes rows. Example: `const row = await sessionStore.findByHash(db, hashSessionToken(token));`
 */
export const sessionStore = {
  async insert(db: SessionDb, row: Omit<SessionRow, 'id' | 'revoked_at'>): Promise<SessionRow> {
    return db
      .insertInto('sessions')
      .values({ ...row, revoked_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** The session with this token hash, joined with its user; undefined when unknown or the user is gone. */
  async findByHash(db: SessionDb, tokenHash: string): Promise<SessionWithUserRow | undefined> {
    return db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select([
        'users.username',
        'users.is_admin',
        'users.created_at as user_created_at',
        'users.updated_at as user_updated_at',
        'users.last_login_at',
        'users.password_hash',
        'users.disabled',
      ])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
  },

  /** The password hash of a user (to stamp a new session with); undefined when the user is gone. */
  async passwordHashOf(db: SessionDb, userId: number): Promise<string | undefined> {
    const row = await db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirst();
    return row?.password_hash;
  },

  /** Records use: moves `last_seen_at` and the idle expiry forward (a revoked session stays revoked). */
  async touch(db: SessionDb, id: number, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt, idle_expires_at: idleExpiresAt })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  },

  /** A user's sessions that are still open at `now` (not revoked, not expired, not idle), newest first. */
  async listOpen(db: SessionDb, userId: number, now: number): Promise<SessionWithUserRow[]> {
    return db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select([
        'users.username',
        'users.is_admin',
        'users.created_at as user_created_at',
        'users.updated_at as user_updated_at',
        'users.last_login_at',
        'users.password_hash',
        'users.disabled',
      ])
      .where('sessions.user_id', '=', userId)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', now)
      .where('sessions.idle_expires_at', '>', now)
      .orderBy('sessions.id', 'desc')
      .execute();
  },

  async findOfUser(db: SessionDb, userId: number, id: number): Promise<SessionRow | undefined> {
    return db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  },

  /** Revokes sessions (by id, or every open one of a user); returns how many it ended. */
  async revoke(
    db: SessionDb,
    where: { id: number } | { userId: number },
    revokedAt: number,
  ): Promise<number> {
    let query = db.updateTable('sessions').set({ revoked_at: revokedAt }).where('revoked_at', 'is', null);
    query = 'id' in where ? query.where('id', '=', where.id) : query.where('user_id', '=', where.userId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  /** Deletes a user's sessions that ended before `now` (expired, idle or revoked): they sign nobody in. */
  async pruneEnded(db: SessionDb, userId: number, now: number): Promise<void> {
    await db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where((eb) =>
        eb.or([
          eb('revoked_at', 'is not', null),
          eb('expires_at', '<=', now),
          eb('idle_expires_at', '<=', now),
        ]),
      )
      .execute();
  },
};
