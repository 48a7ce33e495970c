import type { DatabaseHandle } from '../../db/index.js';
import {
  type Clock,
  InvalidParameterError,
  NotFoundError,
  clipText,
  systemClock,
} from '../../shared/index.js';
import type { User } from '../users/index.js';
import {
  generateSessionToken,
  hashSessionToken,
  isWellFormedSessionToken,
  passwordStamp,
} from './session-token.js';
import { type SessionDb, type SessionRow, type SessionWithUserRow, sessionStore } from './session-store.js';
import type { Session, SessionCheck, SessionOrigin, SessionPolicy, StartedSession } from './types.js';

const hour = 60 * 60 * 1000;

/** Twelve hours at most, two hours unused; use is recorded to the minute. */
export const defaultSessionPolicy: SessionPolicy = {
  lifetimeMs: 12 * hour,
  idleMs: 2 * hour,
  touchResolutionMs: 60 * 1000,
};

export interface SessionServiceOptions {
  handle: DatabaseHandle;
  clock?: Clock;
  policy?: Partial<SessionPolicy>;
}

function sessionFromRow(row: SessionRow): Session {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    idleExpiresAt: Number(row.idle_expires_at),
    ...(row.revoked_at !== null ? { revokedAt: Number(row.revoked_at) } : {}),
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : {}),
    ...(row.client_address !== null ? { clientAddress: row.client_address } : {}),
  };
}

function userFromRow(row: SessionWithUserRow): User {
  return {
    id: Number(row.user_id),
    username: row.username,
    isAdmin: Number(row.is_admin) === 1,
    createdAt: Number(row.user_created_at),
    updatedAt: Number(row.user_updated_at),
    ...(row.last_login_at !== null ? { lastLoginAt: Number(row.last_login_at) } : {}),
    disabled: Number(row.disabled) === 1,
  };
}

/**
 * Browser sign-in sessions, kept in the database so that every server on it accepts them. A session is a
 * random token (the cookie) of which only the SHA-256 is stored; it ends at its absolute expiry, after
 * `idleMs` unused, when revoked (sign-out, the user or an administrator), when its user's password changes
 * (each session carries a digest of the password hash it began with) or when its user is deleted.
 * Checking credentials is `UserService`'s job: `start` is called once the password was verified.
 *
 * Example: `const { token } = await sessions.start(await users.authenticatePassword(name, pw));
 *           const check = await sessions.check(token); if (check.status === 'valid') use(check.user);`
 */
export class SessionService {
  private readonly db: SessionDb;
  private readonly clock: Clock;
  readonly policy: SessionPolicy;

  constructor(options: SessionServiceOptions) {
    this.db = options.handle.db;
    this.clock = options.clock ?? systemClock;
    this.policy = { ...defaultSessionPolicy, ...options.policy };
    const { lifetimeMs, idleMs, touchResolutionMs } = this.policy;
    if (!(lifetimeMs > 0) || !(idleMs > 0) || !(touchResolutionMs >= 0) || touchResolutionMs >= idleMs) {
      throw new InvalidParameterError(
        'Session policy needs lifetimeMs > 0, idleMs > 0 and 0 <= touchResolutionMs < idleMs.',
      );
    }
  }

  /** Starts a session for a user whose password was just verified. The token is returned once. */
  async start(user: Pick<User, 'id'>, origin: SessionOrigin = {}): Promise<StartedSession> {
    const now = this.clock.nowMs();
    const passwordHash = await sessionStore.passwordHashOf(this.db, user.id);
    if (passwordHash === undefined) throw new NotFoundError(`User ${user.id} does not exist.`);
    await sessionStore.pruneEnded(this.db, user.id, now);
    const token = generateSessionToken();
    const expiresAt = now + this.policy.lifetimeMs;
    const row = await sessionStore.insert(this.db, {
      user_id: user.id,
      token_hash: hashSessionToken(token),
      password_stamp: passwordStamp(passwordHash),
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      idle_expires_at: Math.min(now + this.policy.idleMs, expiresAt),
      user_agent: origin.userAgent ? clipText(origin.userAgent, 256) : null,
      client_address: origin.clientAddress ? clipText(origin.clientAddress, 64) : null,
    });
    return { token, session: sessionFromRow(row) };
  }

  /**
   * What a presented token is worth: the user (as stored now: a changed admin flag counts at once) and the
   * session, or why not. Records use (to the minute), which moves the idle expiry forward.
   */
  async check(token: string): Promise<SessionCheck> {
    if (!isWellFormedSessionToken(token)) return { status: 'refused', reason: 'malformed_session' };
    const row = await sessionStore.findByHash(this.db, hashSessionToken(token));
    if (!row) return { status: 'refused', reason: 'unknown_session' };
    if (row.revoked_at !== null) return { status: 'refused', reason: 'revoked_session' };
    const now = this.clock.nowMs();
    const session = sessionFromRow(row);
    if (now >= session.expiresAt) return { status: 'refused', reason: 'expired_session' };
    if (now >= session.idleExpiresAt) return { status: 'refused', reason: 'idle_session' };
    if (row.password_stamp !== passwordStamp(row.password_hash)) {
      return { status: 'refused', reason: 'password_changed' };
    }
    if (Number(row.disabled) === 1) return { status: 'refused', reason: 'user_disabled' };
    if (now - session.lastSeenAt >= this.policy.touchResolutionMs) {
      const idleExpiresAt = Math.min(now + this.policy.idleMs, session.expiresAt);
      await sessionStore.touch(this.db, session.id, now, idleExpiresAt);
      return {
        status: 'valid',
        user: userFromRow(row),
        session: { ...session, lastSeenAt: now, idleExpiresAt },
      };
    }
    return { status: 'valid', user: userFromRow(row), session };
  }

  /** Sign-out: revokes the session of this token. Undefined when the token names no session. */
  async end(token: string): Promise<Session | undefined> {
    if (!isWellFormedSessionToken(token)) return undefined;
    const row = await sessionStore.findByHash(this.db, hashSessionToken(token));
    if (!row) return undefined;
    const revokedAt = this.clock.nowMs();
    if (row.revoked_at === null) await sessionStore.revoke(this.db, { id: Number(row.id) }, revokedAt);
    return sessionFromRow({ ...row, revoked_at: row.revoked_at ?? revokedAt });
  }

  /** A user's open sessions (not ended in any way), newest first, without tokens. */
  async list(userId: number): Promise<Session[]> {
    const rows = await sessionStore.listOpen(this.db, userId, this.clock.nowMs());
    return rows.filter((row) => row.password_stamp === passwordStamp(row.password_hash)).map(sessionFromRow);
  }

  /** Revokes one of a user's sessions. Revoking twice is harmless; a session of another user is not found. */
  async revoke(userId: number, sessionId: number): Promise<Session> {
    const row = await sessionStore.findOfUser(this.db, userId, sessionId);
    if (!row) throw new NotFoundError(`Session ${sessionId} does not exist.`);
    if (row.revoked_at !== null) return sessionFromRow(row);
    const revokedAt = this.clock.nowMs();
    await sessionStore.revoke(this.db, { id: Number(row.id) }, revokedAt);
    return sessionFromRow({ ...row, revoked_at: revokedAt });
  }

  /** Revokes every session of a user (signs them out everywhere); returns how many were open. */
  async revokeAll(userId: number): Promise<number> {
    return sessionStore.revoke(this.db, { userId }, this.clock.nowMs());
  }
}
