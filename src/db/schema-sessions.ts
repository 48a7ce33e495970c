/** Browser sign-in sessions. Times are epoch milliseconds. */
import type { Generated } from 'kysely';

/**
 * One browser session of a user (the `bosun_session` cookie). Only the SHA-256 of the session token is stored
 * (hex, unique), so a copy of the database signs nobody in. `password_stamp` is a digest of the user's password
 * hash when the session began: a changed password ends every session made before it. A session ends at
 * `expires_at` (absolute), at `idle_expires_at` (moved forward as it is used), or at `revoked_at` (sign-out,
 * an administrator); rows go with their user.
 */
export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  password_stamp: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  idle_expires_at: number;
  revoked_at: number | null;
  /** The browser's User-Agent at sign-in (clipped), for the user's list of sessions. */
  user_agent: string | null;
  /** The client address at sign-in. */
  client_address: string | null;
}

export interface SessionTables {
  sessions: SessionsTable;
}
