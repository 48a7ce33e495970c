/** Users and API tokens. Times are epoch milliseconds; `is_admin` is 0/1. */
import type { Generated } from 'kysely';

/**
 * A user who signs in with a password. `username` keeps the spelling it was created with; `username_key` is its
 * lowercase form and unique, so names are unique case-insensitively. `password_hash` is a self-describing scrypt
 * string (`scrypt$<N>$<r>$<p>$<salt>$<hash>`, base64url) so the parameters can be raised later.
 */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  username_key: string;
  password_hash: string;
  is_admin: number;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  /** Consecutive failed password checks since the last success or lockout. */
  failed_attempts: number;
  /** Password sign-in is refused until this time (null: not locked). */
  locked_until: number | null;
  /** 1: the user cannot sign in by any means (migration 0017-user-disabled). */
  disabled: Generated<number>;
}

/**
 * An API token. Only the SHA-256 of the token (hex) is stored, plus a short non-secret prefix of it so a user
 * can tell their tokens apart.
 */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface UserTables {
  users: UsersTable;
  api_tokens: ApiTokensTable;
}
