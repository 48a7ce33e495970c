import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { Database } from '../../db/index.js';
import type { UserTables } from '../../db/schema-users.js';
import { BosunError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { AuthenticationError } from './errors.js';
import { ensureUsersTables, openUsersTestDatabase } from './test-support/users-database.js';
import { UserService } from './user-service.js';

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return { code: error.code, message: error.message, error };
    throw error;
  }
  return { code: 'no error', message: '', error: undefined };
}

const minute = 60 * 1000;
const testScrypt = { N: 2 ** 11, r: 8, p: 1 };

describe.each(testEngines)('user service on %s', (engine) => {
  let database: TestDatabase;
  let users: UserService;
  let now: number;
  const clock: Clock = { nowMs: () => now };
  let raw: Kysely<Database & Pick<UserTables, keyof UserTables>>;

  beforeAll(async () => {
    database = await openUsersTestDatabase(engine);
    await ensureUsersTables(database.handle); // a second call is a no-op
    raw = database.handle.db.withTables<Pick<UserTables, keyof UserTables>>();
  });

  afterAll(async () => {
    await database?.dispose();
  });

  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1);
    await raw.deleteFrom('api_tokens').execute();
    await raw.deleteFrom('users').execute();
    // Cheaper scrypt than production (2^11 instead of 2^15): these tests are about accounts, not hash cost.
    // The production parameters are checked where they matter: the upgrade test below and password-hashing.test.ts.
    users = new UserService({ handle: database.handle, clock, scrypt: testScrypt });
  });

  it('bootstraps the first admin once, and only then', async () => {
    expect(await users.hasAdmin()).toBe(false);
    const weak = await failure(users.bootstrapAdmin('admin', 'password1234'));
    expect(weak.code).toBe('INVALID_PARAMETER_VALUE');
    expect(await users.hasAdmin()).toBe(false);

    const admin = await users.bootstrapAdmin('admin', 'Harbor-Master-77');
    expect(admin).toMatchObject({ username: 'admin', isAdmin: true });
    const again = await failure(users.bootstrapAdmin('admin2', 'Harbor-Master-78'));
    expect(again.code).toBe('INVALID_STATE');
    expect((await users.listUsers()).map((u) => u.username)).toEqual(['admin']);
  });

  it('runs concurrent bootstraps so that exactly one wins', async () => {
    const results = await Promise.allSettled([
      users.bootstrapAdmin('first', 'Harbor-Master-77'),
      users.bootstrapAdmin('second', 'Harbor-Master-78'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await users.listUsers()).filter((u) => u.isAdmin)).toHaveLength(1);
  });

  it('ensures the first admin idempotently, never changing an existing user', async () => {
    const first = await users.ensureFirstAdmin('admin', 'Harbor-Master-77');
    expect(first).toMatchObject({ status: 'created', admin: { username: 'admin', isAdmin: true } });
    expect(await users.ensureFirstAdmin('admin', 'Harbor-Master-77')).toMatchObject({
      status: 'exists',
      admin: { username: 'admin' },
    });
    expect(await users.ensureFirstAdmin('ADMIN', 'Harbor-Master-77')).toMatchObject({ status: 'exists' });
    // Another password, even one the policy refuses, is reported and never stored.
    for (const other of ['Harbor-Master-78', 'password1234']) {
      expect(await users.ensureFirstAdmin('admin', other)).toMatchObject({ status: 'password-differs' });
    }
    expect(await users.authenticatePassword('admin', 'Harbor-Master-77')).toMatchObject({
      username: 'admin',
    });
    await users.createUser({ username: 'dana', password: 'Wharf-and-keel-9' });
    expect(await users.ensureFirstAdmin('dana', 'Wharf-and-keel-9')).toEqual({ status: 'other-admin' });
    expect(await users.ensureFirstAdmin('nobody', 'Harbor-Master-77')).toEqual({ status: 'other-admin' });
    expect((await users.listUsers()).map((u) => [u.username, u.isAdmin])).toEqual([
      ['admin', true],
      ['dana', false],
    ]);
  });

  it('ensures the first admin from concurrent callers: one creates it, none fails', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => users.ensureFirstAdmin('admin', 'Harbor-Master-77')),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(['created', 'exists', 'exists', 'exists']);
    expect((await users.listUsers()).map((u) => u.username)).toEqual(['admin']);
  });

  it('creates users with unique, case-insensitive names and never lists hashes', async () => {
    const alice = await users.createUser({ username: 'Alice', password: 'Wharf-and-keel-9' });
    expect(alice).toMatchObject({ username: 'Alice', isAdmin: false, createdAt: now });
    expect((await failure(users.createUser({ username: 'alice', password: 'Wharf-and-keel-9' }))).code).toBe(
      'RESOURCE_ALREADY_EXISTS',
    );
    expect(
      (await failure(users.createUser({ username: 'bad name', password: 'Wharf-and-keel-9' }))).code,
    ).toBe('INVALID_PARAMETER_VALUE');
    expect(await users.getUser('ALICE')).toEqual(alice);

    const listed = await users.listUsers();
    expect(listed).toEqual([alice]);
    expect(JSON.stringify(listed)).not.toMatch(/scrypt|hash|password/i);
    const stored = await raw.selectFrom('users').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain('Wharf-and-keel-9');
  });

  it('refuses weak passwords for new users', async () => {
    for (const password of ['', 'a', 'Short-1', 'password1234', 'abcdefghijklmn', 'Carol.Sailor1']) {
      const result = await failure(users.createUser({ username: 'Carol.Sailor1', password }));
      expect(result.code, password).toBe('INVALID_PARAMETER_VALUE');
    }
    expect(await users.listUsers()).toEqual([]);
  });

  it('gives the same error for an unknown user and a wrong password, and records the last sign-in', async () => {
    await users.createUser({ username: 'bob', password: 'Rudder-and-sail-3' });
    const unknown = await failure(users.authenticatePassword('nobody', 'Rudder-and-sail-3'));
    const wrong = await failure(users.authenticatePassword('bob', 'Rudder-and-sail-4'));
    expect(unknown.code).toBe('UNAUTHENTICATED');
    expect(wrong.code).toBe('UNAUTHENTICATED');
    expect(unknown.message).toBe(wrong.message);
    expect((unknown.error as AuthenticationError).reason).toBe('unknown_user');
    expect((wrong.error as AuthenticationError).reason).toBe('wrong_password');

    now += minute;
    const bob = await users.authenticatePassword('BOB', 'Rudder-and-sail-3', '127.0.0.1');
    expect(bob).toMatchObject({ username: 'bob', lastLoginAt: now });
  });

  it('locks a user out after 5 failures, even with the right password, until the window passes', async () => {
    await users.createUser({ username: 'dave', password: 'Tide-and-wake-55' });
    for (let i = 0; i < 5; i += 1) {
      expect((await failure(users.authenticatePassword('dave', `wrong-Password-${i}`))).code).toBe(
        'UNAUTHENTICATED',
      );
    }
    const locked = await failure(users.authenticatePassword('dave', 'Tide-and-wake-55'));
    expect(locked.code).toBe('UNAUTHENTICATED');
    expect((locked.error as AuthenticationError).reason).toBe('locked_out');

    now += 14 * minute;
    expect((await failure(users.authenticatePassword('dave', 'Tide-and-wake-55'))).code).toBe(
      'UNAUTHENTICATED',
    );

    now += 2 * minute;
    expect(await users.authenticatePassword('dave', 'Tide-and-wake-55')).toMatchObject({ username: 'dave' });
  });

  it('remembers a verified password only while the stored hash, the account and the unlocked state last', async () => {
    await users.createUser({ username: 'hana', password: 'Tide-and-wake-55' });
    await users.authenticatePassword('hana', 'Tide-and-wake-55');
    const signedIn = await raw
      .selectFrom('users')
      .select('last_login_at')
      .where('username', '=', 'hana')
      .executeTakeFirstOrThrow();
    // A remembered password signs in again without a new write.
    now += minute;
    expect(await users.authenticatePassword('hana', 'Tide-and-wake-55')).toMatchObject({ username: 'hana' });
    const again = await raw
      .selectFrom('users')
      .select('last_login_at')
      .where('username', '=', 'hana')
      .executeTakeFirstOrThrow();
    expect(Number(again.last_login_at)).toBe(Number(signedIn.last_login_at));
    // A lockout refuses it, even remembered.
    for (let i = 0; i < 5; i += 1) await failure(users.authenticatePassword('hana', `wrong-Password-${i}`));
    expect(
      ((await failure(users.authenticatePassword('hana', 'Tide-and-wake-55'))).error as AuthenticationError)
        .reason,
    ).toBe('locked_out');
    // A password change ends it at once.
    await users.changePassword('hana', 'New-anchor-line-8');
    expect(
      ((await failure(users.authenticatePassword('hana', 'Tide-and-wake-55'))).error as AuthenticationError)
        .reason,
    ).toBe('wrong_password');
    expect(await users.authenticatePassword('hana', 'New-anchor-line-8')).toMatchObject({ username: 'hana' });
    // So does deleting the account (and a new account of the same name with the same password is a new check).
    await users.deleteUser('hana');
    expect(
      ((await failure(users.authenticatePassword('hana', 'New-anchor-line-8'))).error as AuthenticationError)
        .reason,
    ).toBe('unknown_user');
    // Past the remembered time the hash is checked (and the sign-in recorded) again.
    await users.createUser({ username: 'ivo', password: 'Tide-and-wake-55' });
    await users.authenticatePassword('ivo', 'Tide-and-wake-55');
    now += 6 * minute;
    await users.authenticatePassword('ivo', 'Tide-and-wake-55');
    const ivo = await raw
      .selectFrom('users')
      .select('last_login_at')
      .where('username', '=', 'ivo')
      .executeTakeFirstOrThrow();
    expect(Number(ivo.last_login_at)).toBe(now);
  });

  it('resets the failure count on success', async () => {
    await users.createUser({ username: 'erin', password: 'Tide-and-wake-55' });
    for (let i = 0; i < 4; i += 1) await failure(users.authenticatePassword('erin', 'wrong-Password-1'));
    await users.authenticatePassword('erin', 'Tide-and-wake-55');
    for (let i = 0; i < 4; i += 1) await failure(users.authenticatePassword('erin', 'wrong-Password-1'));
    expect(await users.authenticatePassword('erin', 'Tide-and-wake-55')).toMatchObject({ username: 'erin' });
  });

  it('honours a configured lockout policy', async () => {
    const strict = new UserService({
      handle: database.handle,
      clock,
      scrypt: testScrypt,
      lockout: { maxFailures: 2, lockoutMs: minute },
    });
    await strict.createUser({ username: 'fay', password: 'Tide-and-wake-55' });
    await failure(strict.authenticatePassword('fay', 'wrong-Password-1'));
    await failure(strict.authenticatePassword('fay', 'wrong-Password-1'));
    const locked = await failure(strict.authenticatePassword('fay', 'Tide-and-wake-55'));
    expect((locked.error as AuthenticationError).reason).toBe('locked_out');
    now += minute;
    expect(await strict.authenticatePassword('fay', 'Tide-and-wake-55')).toMatchObject({ username: 'fay' });
  });

  it('upgrades a hash made with older parameters at the next sign-in', async () => {
    const legacy = new UserService({ handle: database.handle, clock, scrypt: { N: 2 ** 10, r: 8, p: 1 } });
    await legacy.createUser({ username: 'old.timer', password: 'Tide-and-wake-55' });
    const before = await raw.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(before.password_hash.startsWith('scrypt$1024$')).toBe(true);
    const current = new UserService({ handle: database.handle, clock });
    await current.authenticatePassword('old.timer', 'Tide-and-wake-55');
    const after = await raw.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(after.password_hash.startsWith(`scrypt$${2 ** 15}$8$1$`)).toBe(true);
    expect(await users.authenticatePassword('old.timer', 'Tide-and-wake-55')).toMatchObject({
      username: 'old.timer',
    });
  });

  it('changes passwords under the policy and clears a lockout', async () => {
    await users.createUser({ username: 'gus', password: 'Tide-and-wake-55' });
    expect((await failure(users.changePassword('gus', 'short'))).code).toBe('INVALID_PARAMETER_VALUE');
    for (let i = 0; i < 5; i += 1) await failure(users.authenticatePassword('gus', 'wrong-Password-1'));
    await users.changePassword('gus', 'New-anchor-line-8');
    expect((await failure(users.authenticatePassword('gus', 'Tide-and-wake-55'))).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await users.authenticatePassword('gus', 'New-anchor-line-8')).toMatchObject({ username: 'gus' });
    expect((await failure(users.changePassword('nobody', 'New-anchor-line-8'))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('deletes users with their tokens, but never the last admin', async () => {
    await users.bootstrapAdmin('root', 'Harbor-Master-77');
    const hal = await users.createUser({ username: 'hal', password: 'Tide-and-wake-55' });
    const { token } = await users.createToken(hal.id, { name: 'ci' });
    await users.deleteUser('hal');
    expect((await failure(users.getUser('hal'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await failure(users.authenticateToken(token))).code).toBe('UNAUTHENTICATED');
    expect(await raw.selectFrom('api_tokens').selectAll().execute()).toEqual([]);

    expect((await failure(users.deleteUser('root'))).code).toBe('INVALID_STATE');
    expect((await failure(users.setAdmin('root', false))).code).toBe('INVALID_STATE');
    await users.createUser({ username: 'ida', password: 'Tide-and-wake-55', isAdmin: true });
    await users.setAdmin('root', false);
    expect((await users.getUser('root')).isAdmin).toBe(false);
  });

  it('shows a token once and stores only its hash and prefix', async () => {
    const jo = await users.createUser({ username: 'jo', password: 'Tide-and-wake-55' });
    const created = await users.createToken(jo.id, { name: 'laptop' });
    expect(created.token).toMatch(/^bsn_[A-Za-z0-9_-]{43}$/);
    expect(created.info).toMatchObject({ userId: jo.id, name: 'laptop', prefix: created.token.slice(0, 12) });

    const rows = await raw.selectFrom('api_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(created.token);
    expect(dump).not.toContain(created.token.slice(4));
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));

    const listed = await users.listTokens(jo.id);
    expect(listed).toEqual([created.info]);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    now += minute;
    const auth = await users.authenticateToken(created.token);
    expect(auth.user).toMatchObject({ id: jo.id, username: 'jo' });
    expect(auth.token).toMatchObject({ id: created.info.id, lastUsedAt: now });
  });

  it('refuses unknown, malformed, expired and revoked tokens with the same error', async () => {
    const kim = await users.createUser({ username: 'kim', password: 'Tide-and-wake-55' });
    const expiring = await users.createToken(kim.id, { name: 'short-lived', expiresAt: now + minute });
    const revoked = await users.createToken(kim.id, { name: 'old' });
    expect((await users.authenticateToken(expiring.token)).user.username).toBe('kim');

    await users.revokeToken(kim.id, revoked.info.id);
    now += minute;
    const reasons: string[] = [];
    const messages = new Set<string>();
    for (const token of [
      expiring.token,
      revoked.token,
      `bsn_${'A'.repeat(43)}`,
      'bsn_short',
      '',
      revoked.token.toUpperCase(),
    ]) {
      const result = await failure(users.authenticateToken(token));
      expect(result.code).toBe('UNAUTHENTICATED');
      messages.add(result.message);
      reasons.push((result.error as AuthenticationError).reason);
    }
    expect(messages.size).toBe(1);
    expect(reasons.slice(0, 4)).toEqual([
      'expired_token',
      'revoked_token',
      'unknown_token',
      'malformed_token',
    ]);
    expect((await users.listTokens(kim.id)).find((t) => t.id === revoked.info.id)?.revokedAt).toBeDefined();
  });

  it('validates token input and scopes revocation to the owner', async () => {
    const lee = await users.createUser({ username: 'lee', password: 'Tide-and-wake-55' });
    const max = await users.createUser({ username: 'max', password: 'Tide-and-wake-55' });
    expect((await failure(users.createToken(lee.id, { name: '' }))).code).toBe('INVALID_PARAMETER_VALUE');
    expect((await failure(users.createToken(lee.id, { name: 'x', expiresAt: now - 1 }))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect((await failure(users.createToken(999999, { name: 'x' }))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    const own = await users.createToken(lee.id, { name: 'x' });
    expect((await failure(users.revokeToken(max.id, own.info.id))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await users.authenticateToken(own.token)).user.id).toBe(lee.id);
  });
});
