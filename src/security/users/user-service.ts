import { createHmac, randomBytes } from 'node:crypto';
import { type DatabaseHandle, isUniqueViolation, type UserTables } from '../../db/index.js';
import {
  AlreadyExistsError,
  type Clock,
  InvalidParameterError,
  InvalidStateError,
  NotFoundError,
  systemClock,
} from '../../shared/index.js';
import { generateToken, hashToken, isWellFormedToken, tokenPrefix } from './api-tokens.js';
import { AdminAlreadyExistsError, AuthenticationError } from './errors.js';
import {
  defaultScryptParams,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptParams,
} from './password-hashing.js';
import type {
  ApiTokenInfo,
  CreatedToken,
  CreateTokenInput,
  FirstAdminOutcome,
  LockoutPolicy,
  TokenAuthentication,
  User,
} from './types.js';
import { type TokenRow, type UserDb, type UserRow, userStore } from './user-store.js';
import { usernameKey, validatePassword, validateUsername } from './validation.js';

type Db = UserDb;

export const defaultLockoutPolicy: LockoutPolicy = { maxFailures: 5, lockoutMs: 15 * 60 * 1000 };
const maxTokenNameLength = 100;

export interface UserServiceOptions {
  handle: DatabaseHandle;
  clock?: Clock;
  lockout?: Partial<LockoutPolicy>;
  /** scrypt parameters for new hashes; older hashes are upgraded at the next successful sign-in. */
  scrypt?: ScryptParams;
}

export interface CreateUserInput {
  username: string;
  password: string;
  isAdmin?: boolean;
}

function userFromRow(row: UserRow): User {
  return {
    id: Number(row.id),
    username: row.username,
    isAdmin: Number(row.is_admin) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.last_login_at !== null ? { lastLoginAt: Number(row.last_login_at) } : {}),
    disabled: Number(row.disabled) === 1,
  };
}

function tokenFromRow(row: TokenRow): ApiTokenInfo {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    name: row.name,
    prefix: row.prefix,
    createdAt: Number(row.created_at),
    ...(row.expires_at !== null ? { expiresAt: Number(row.expires_at) } : {}),
    ...(row.last_used_at !== null ? { lastUsedAt: Number(row.last_used_at) } : {}),
    ...(row.revoked_at !== null ? { revokedAt: Number(row.revoked_at) } : {}),
  };
}

function userNotFound(username: string): NotFoundError {
  return new NotFoundError(`User '${username}' does not exist.`);
}

/** How long a verified password skips the hash (checked against the stored hash on every use). */
const verifiedPasswordTtlMs = 5 * 60 * 1000;
const maxVerifiedPasswords = 10_000;
/** A token's `last_used_at` is updated at most this often. */
const tokenUseResolutionMs = 60 * 1000;

/**
 * Users, passwords and API tokens: the domain layer of authentication. Authorization (who may call what) is
 * the caller's job; this service checks credentials and keeps the data safe at rest: scrypt password hashes,
 * SHA-256 token hashes, no default credentials, lockout after repeated failures.
 *
 * Example: `const users = new UserService({ handle });
 *           await users.bootstrapAdmin('admin', process.env.BOSUN_ADMIN_PASSWORD);
 *           const user = await users.authenticatePassword('admin', password);`
 */
export class UserService {
  private readonly handle: DatabaseHandle;
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly lockout: LockoutPolicy;
  private readonly scryptParams: ScryptParams;
  private dummyHash: Promise<string> | undefined;
  /**
   * Recently verified passwords, so that HTTP Basic (the password on every request) does not pay a scrypt hash
   * and a database write per request. Keyed by an HMAC of user id and password under a key that lives only in
   * this process; an entry counts only while the user's stored hash is the one it was verified against, so a
   * password change, a deleted user or a lockout ends it at once.
   */
  private readonly verified = new Map<string, { passwordHash: string; expiresAt: number }>();
  private readonly verifiedKey = randomBytes(32);

  constructor(options: UserServiceOptions) {
    this.handle = options.handle;
    // A mapped copy of UserTables: withTables needs a type with an implicit index signature.
    this.db = options.handle.db.withTables<Pick<UserTables, keyof UserTables>>();
    this.clock = options.clock ?? systemClock;
    this.lockout = { ...defaultLockoutPolicy, ...options.lockout };
    if (!(this.lockout.maxFailures >= 1) || !(this.lockout.lockoutMs >= 0)) {
      throw new InvalidParameterError('Lockout policy needs maxFailures >= 1 and lockoutMs >= 0.');
    }
    this.scryptParams = options.scrypt ?? defaultScryptParams;
  }

  // ---- users ----

  /** Creates a user. Refuses bad usernames, weak passwords and names taken in any letter case. */
  async createUser(input: CreateUserInput): Promise<User> {
    const { username, passwordHash } = await this.prepareCredentials(input.username, input.password);
    return this.insertUser(this.db, username, passwordHash, input.isAdmin === true);
  }

  /**
   * Creates the first administrator. Succeeds only while no administrator exists; there are no default
   * credentials, so this (from the CLI or an environment variable read once) is the only way in.
   */
  async bootstrapAdmin(username: string, password: string): Promise<User> {
    const prepared = await this.prepareCredentials(username, password);
    return this.db.transaction().execute(async (trx) => {
      // Two concurrent bootstraps must not both see "no admin".
      await userStore.serializeAdminBootstrap(trx, this.handle.engine);
      if (await userStore.anyAdmin(trx)) throw new AdminAlreadyExistsError();
      return this.insertUser(trx, prepared.username, prepared.passwordHash, true);
    });
  }

  /**
   * The start-up form of `bootstrapAdmin`, idempotent and safe when several servers start at the same moment:
   * creates the first administrator when none exists, else reports how the named user relates to the
   * administrators there are. It never changes an existing user: a different password is reported, not
   * written. A weak password is refused only when it would be stored.
   * Example: `const outcome = await users.ensureFirstAdmin('admin', env.BOSUN_ADMIN_PASSWORD);`
   */
  async ensureFirstAdmin(username: string, password: string): Promise<FirstAdminOutcome> {
    if (!(await this.hasAdmin())) {
      try {
        return { status: 'created', admin: await this.bootstrapAdmin(username, password) };
      } catch (error) {
        // Another process (a server starting at the same moment) created an administrator first.
        if (!(error instanceof AdminAlreadyExistsError)) throw error;
      }
    }
    const row = await this.findByUsername(this.db, username);
    if (!row || Number(row.is_admin) !== 1) return { status: 'other-admin' };
    const admin = userFromRow(row);
    return (await verifyPassword(password, row.password_hash))
      ? { status: 'exists', admin }
      : { status: 'password-differs', admin };
  }

  /** True when at least one administrator exists (so bootstrap is no longer possible). */
  async hasAdmin(): Promise<boolean> {
    return userStore.anyAdmin(this.db);
  }

  async getUser(username: string): Promise<User> {
    const row = await this.findByUsername(this.db, username);
    if (!row) throw userNotFound(username);
    return userFromRow(row);
  }

  async getUserById(id: number): Promise<User> {
    const row = await userStore.findById(this.db, id);
    if (!row) throw new NotFoundError(`User ${id} does not exist.`);
    return userFromRow(row);
  }

  /** Every user, by username. Never includes password hashes. */
  async listUsers(): Promise<User[]> {
    const rows = await userStore.listAll(this.db);
    return rows.map(userFromRow);
  }

  /** Sets a new password (policy-checked) and clears any lockout. */
  async changePassword(username: string, newPassword: string): Promise<void> {
    const row = await this.findByUsername(this.db, username);
    if (!row) throw userNotFound(username);
    validatePassword(newPassword, row.username);
    const passwordHash = await hashPassword(newPassword, this.scryptParams);
    await userStore.setPassword(this.db, row.id, passwordHash, this.clock.nowMs());
  }

  /** Grants or removes administrator rights. Refuses to remove the last administrator. */
  async setAdmin(username: string, isAdmin: boolean): Promise<User> {
    return this.db.transaction().execute(async (trx) => {
      const row = await this.findByUsername(trx, username);
      if (!row) throw userNotFound(username);
      if (!isAdmin && Number(row.is_admin) === 1) await this.refuseLastAdmin(trx, row.id);
      return userFromRow(await userStore.setAdmin(trx, row.id, isAdmin, this.clock.nowMs()));
    });
  }

  /**
   * Disables or enables a user. A disabled user keeps their account, tokens and grants but cannot sign in by
   * any means (ending their browser sessions is the caller's part: `SessionService.revokeAll`). Refuses to
   * disable the last enabled administrator.
   * Example: `await users.setDisabled('alice', true); await sessions.revokeAll(alice.id);`
   */
  async setDisabled(username: string, disabled: boolean): Promise<User> {
    return this.db.transaction().execute(async (trx) => {
      await userStore.serializeAdminBootstrap(trx, this.handle.engine);
      const row = await this.findByUsername(trx, username);
      if (!row) throw userNotFound(username);
      if (disabled && Number(row.is_admin) === 1 && !(await userStore.otherEnabledAdminExists(trx, row.id))) {
        throw new InvalidStateError('Refusing to disable the last enabled administrator.');
      }
      return userFromRow(await userStore.setDisabled(trx, row.id, disabled, this.clock.nowMs()));
    });
  }

  /** Deletes a user and their tokens. Refuses to delete the last administrator. */
  async deleteUser(username: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await this.findByUsername(trx, username);
      if (!row) throw userNotFound(username);
      if (Number(row.is_admin) === 1) await this.refuseLastAdmin(trx, row.id);
      await userStore.deleteWithTokens(trx, row.id);
    });
  }

  // ---- password sign-in ----

  /**
   * Checks a username and password. Any failure (unknown user, wrong password, locked out) is the same
   * `AuthenticationError` with the same message, and costs one password hash, so neither the answer nor its
   * timing tells whether the user exists. After `maxFailures` consecutive failures the user is locked out for
   * `lockoutMs`, even with the right password; a success resets the count and records the sign-in time.
   * `clientAddress` is accepted for the audit log that will record failures; it is not stored here.
   */
  async authenticatePassword(username: string, password: string, clientAddress?: string): Promise<User> {
    void clientAddress;
    const candidate = typeof password === 'string' ? password : '';
    const row =
      typeof username === 'string' && username.length <= 64
        ? await this.findByUsername(this.db, username)
        : undefined;
    if (!row) {
      await verifyPassword(candidate, await this.getDummyHash());
      throw new AuthenticationError('unknown_user');
    }
    const now = this.clock.nowMs();
    const lockedUntil = row.locked_until === null ? null : Number(row.locked_until);
    const cacheKey = createHmac('sha256', this.verifiedKey)
      .update(`${row.id}\0${candidate}`)
      .digest('base64');
    const cached = this.verified.get(cacheKey);
    if (cached && cached.passwordHash === row.password_hash && cached.expiresAt > now) {
      if (lockedUntil !== null && now < lockedUntil) throw new AuthenticationError('locked_out');
      if (Number(row.disabled) === 1) throw new AuthenticationError('disabled_user');
      return userFromRow(row);
    }
    const matches = await verifyPassword(candidate, row.password_hash);
    if (lockedUntil !== null && now < lockedUntil) throw new AuthenticationError('locked_out');
    if (!matches) {
      await this.recordFailure(row.id, now);
      throw new AuthenticationError('wrong_password');
    }
    // Said only to whoever proved they know the password, so it reveals nothing to a guesser.
    if (Number(row.disabled) === 1) throw new AuthenticationError('disabled_user');
    const rehash = needsRehash(row.password_hash, this.scryptParams)
      ? await hashPassword(candidate, this.scryptParams)
      : undefined;
    const updated = await userStore.recordSignIn(this.db, row.id, { now, rehash });
    const verifiedRow = updated ?? row;
    this.rememberVerified(cacheKey, verifiedRow.password_hash, now);
    return userFromRow(verifiedRow);
  }

  private rememberVerified(key: string, passwordHash: string, now: number): void {
    this.verified.delete(key);
    this.verified.set(key, { passwordHash, expiresAt: now + verifiedPasswordTtlMs });
    // Oldest first: Map keeps insertion order.
    while (this.verified.size > maxVerifiedPasswords) {
      const oldest = this.verified.keys().next().value;
      if (oldest === undefined) break;
      this.verified.delete(oldest);
    }
  }

  // ---- API tokens ----

  /** Creates an API token for a user. The returned `token` is shown once: only its hash is stored. */
  async createToken(userId: number, input: CreateTokenInput): Promise<CreatedToken> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0 || name.length > maxTokenNameLength) {
      throw new InvalidParameterError(`Token name must be 1 to ${maxTokenNameLength} characters.`);
    }
    const now = this.clock.nowMs();
    if (input.expiresAt !== undefined) {
      if (!Number.isSafeInteger(input.expiresAt) || input.expiresAt <= now) {
        throw new InvalidParameterError('Token expiry must be a time in the future (epoch milliseconds).');
      }
    }
    await this.getUserById(userId);
    const token = generateToken();
    const row = await userStore.insertToken(this.db, {
      userId,
      name,
      tokenHash: hashToken(token),
      prefix: tokenPrefix(token),
      now,
      expiresAt: input.expiresAt ?? null,
    });
    return { token, info: tokenFromRow(row) };
  }

  /**
   * Checks an API token: known (looked up by its hash), not revoked, not expired, and its user still exists.
   * Any failure is the same `AuthenticationError`. Records when the token was last used.
   */
  async authenticateToken(token: string): Promise<TokenAuthentication> {
    if (!isWellFormedToken(token)) throw new AuthenticationError('malformed_token');
    const row = await userStore.findTokenByHash(this.db, hashToken(token));
    if (!row) throw new AuthenticationError('unknown_token');
    if (row.revoked_at !== null) throw new AuthenticationError('revoked_token');
    const now = this.clock.nowMs();
    if (row.expires_at !== null && now >= Number(row.expires_at))
      throw new AuthenticationError('expired_token');
    const userRow = await userStore.findById(this.db, row.user_id);
    if (!userRow) throw new AuthenticationError('unknown_token');
    if (Number(userRow.disabled) === 1) throw new AuthenticationError('disabled_user');
    // Recorded to the minute: a write per request would serialise every authenticated call on SQLite.
    const lastUsed = row.last_used_at === null ? null : Number(row.last_used_at);
    if (lastUsed === null || now - lastUsed >= tokenUseResolutionMs) {
      await userStore.setTokenLastUsed(this.db, row.id, now);
      return { user: userFromRow(userRow), token: tokenFromRow({ ...row, last_used_at: now }) };
    }
    return { user: userFromRow(userRow), token: tokenFromRow(row) };
  }

  /** A user's tokens, newest first, without secrets. */
  async listTokens(userId: number): Promise<ApiTokenInfo[]> {
    const rows = await userStore.listTokens(this.db, userId);
    return rows.map(tokenFromRow);
  }

  /** Revokes one of a user's tokens. Revoking twice is harmless; a token of another user is not found. */
  async revokeToken(userId: number, tokenId: number): Promise<ApiTokenInfo> {
    const row = await userStore.findToken(this.db, userId, tokenId);
    if (!row) throw new NotFoundError(`Token ${tokenId} does not exist.`);
    if (row.revoked_at !== null) return tokenFromRow(row);
    const revokedAt = this.clock.nowMs();
    await userStore.revokeToken(this.db, row.id, revokedAt);
    return tokenFromRow({ ...row, revoked_at: revokedAt });
  }

  // ---- internals ----

  private async prepareCredentials(
    username: unknown,
    password: unknown,
  ): Promise<{ username: string; passwordHash: string }> {
    const name = validateUsername(username);
    const valid = validatePassword(password, name);
    return { username: name, passwordHash: await hashPassword(valid, this.scryptParams) };
  }

  private async insertUser(db: Db, username: string, passwordHash: string, isAdmin: boolean): Promise<User> {
    const now = this.clock.nowMs();
    try {
      const row = await userStore.insert(db, {
        username,
        usernameKey: usernameKey(username),
        passwordHash,
        isAdmin,
        now,
      });
      return userFromRow(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AlreadyExistsError(`User '${username}' already exists.`);
      throw error;
    }
  }

  private findByUsername(db: Db, username: string): Promise<UserRow | undefined> {
    return userStore.findByUsernameKey(db, usernameKey(username));
  }

  private async refuseLastAdmin(db: Db, exceptId: number): Promise<void> {
    if (!(await userStore.otherAdminExists(db, exceptId)))
      throw new InvalidStateError('Refusing to remove the last administrator.');
  }

  /** Counts a failure atomically; at the limit, locks the user out and starts a new count. */
  private async recordFailure(userId: number, now: number): Promise<void> {
    const failures = await userStore.countFailure(this.db, userId);
    if (failures !== undefined && failures >= this.lockout.maxFailures) {
      await userStore.lockOut(this.db, userId, now + this.lockout.lockoutMs);
    }
  }

  /** A hash of a random password, checked against for unknown users so they cost the same time. */
  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(generateToken(), this.scryptParams);
    return this.dummyHash;
  }
}
