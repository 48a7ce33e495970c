/** A user as the rest of Bosun sees it: never with a password hash. Times are epoch milliseconds. */
export interface User {
  id: number;
  username: string;
  isAdmin: boolean;
  createdAt: number;
  updatedAt: number;
  lastLoginAt?: number;
  /** A disabled user cannot sign in by any means; their data, tokens and grants are kept. */
  disabled: boolean;
}

/** An API token as listings show it: never the token nor its hash. */
export interface ApiTokenInfo {
  id: number;
  userId: number;
  name: string;
  /** The token's first characters (`bsn_` and 8 more), enough to recognise it, useless to sign in. */
  prefix: string;
  createdAt: number;
  expiresAt?: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

/** The result of `createToken`: the only time the token itself is ever returned. */
export interface CreatedToken {
  token: string;
  info: ApiTokenInfo;
}

export interface CreateTokenInput {
  name: string;
  /** Epoch milliseconds; must be in the future. Absent: the token does not expire. */
  expiresAt?: number;
}

/** Who a valid token belongs to, and which token it was. */
export interface TokenAuthentication {
  user: User;
  token: ApiTokenInfo;
}

export interface LockoutPolicy {
  /** Consecutive failures that lock a user out. */
  maxFailures: number;
  /** How long a lockout lasts, in milliseconds. */
  lockoutMs: number;
}

/**
 * What `UserService.ensureFirstAdmin` found or did for the administrator named at start (BOSUN_ADMIN_USERNAME
 * and BOSUN_ADMIN_PASSWORD). Only `created` writes anything: an existing user is never changed from there.
 * - `created`: no administrator existed; this one was created.
 * - `exists`: the named user is an administrator and the password is theirs.
 * - `password-differs`: the named user is an administrator with another password (kept as it is).
 * - `other-admin`: administrators exist, and the named user is not one of them (nothing created).
 */
export type FirstAdminOutcome =
  | { status: 'created'; admin: User }
  | { status: 'exists'; admin: User }
  | { status: 'password-differs'; admin: User }
  | { status: 'other-admin' };
