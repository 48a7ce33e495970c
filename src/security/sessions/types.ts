import type { User } from '../users/index.js';

/** How long sessions last. Times in milliseconds. */
export interface SessionPolicy {
  /** From sign-in to the absolute end of a session, however active (the cookie's Max-Age). */
  lifetimeMs: number;
  /** A session unused for this long is over. */
  idleMs: number;
  /** `last_seen_at` (and with it the idle expiry) is written at most this often, not on every request. */
  touchResolutionMs: number;
}

/** A session as listings show it: never its token or the token's hash. */
export interface Session {
  id: number;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end. */
  expiresAt: number;
  /** The end if it stays unused (moves forward as it is used, never past `expiresAt`). */
  idleExpiresAt: number;
  revokedAt?: number;
  userAgent?: string;
  clientAddress?: string;
}

/** A new session: `token` goes into the cookie and is never shown or stored again (only its hash is kept). */
export interface StartedSession {
  token: string;
  session: Session;
}

/** Why a session token signs nobody in (for the audit trail; the client sees one generic answer). */
export type SessionRefusal =
  | 'malformed_session'
  | 'unknown_session'
  | 'revoked_session'
  | 'expired_session'
  | 'idle_session'
  | 'password_changed'
  | 'user_disabled';

/** What a presented session token is worth. */
export type SessionCheck =
  { status: 'valid'; user: User; session: Session } | { status: 'refused'; reason: SessionRefusal };

/** Where a sign-in came from, recorded with the session. */
export interface SessionOrigin {
  userAgent?: string | undefined;
  clientAddress?: string | undefined;
}
