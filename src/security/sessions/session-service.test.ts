import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { Clock } from '../../shared/clock.js';
import { BosunError } from '../../shared/errors.js';
import { UserService } from '../users/index.js';
import type { User } from '../users/index.js';
import { hashSessionToken } from './session-token.js';
import { SessionService } from './session-service.js';

const minute = 60 * 1000;
const hour = 60 * minute;
const testScrypt = { N: 2 ** 11, r: 8, p: 1 };
const password = 'Alice-Strong-Pass-7';

describe.each(testEngines)('session service on %s', (engine) => {
  let database: TestDatabase;
  let users: UserService;
  let sessions: SessionService;
  let now: number;
  const clock: Clock = { nowMs: () => now };
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    users = new UserService({ handle: database.handle, scrypt: testScrypt });
    sessions = new SessionService({
      handle: database.handle,
      clock,
      policy: { lifetimeMs: 8 * hour, idleMs: hour, touchResolutionMs: minute },
    });
  });
  afterAll(async () => {
    await database?.dispose();
  });
  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1);
    await database.handle.db.deleteFrom('sessions').execute();
    await database.handle.db.deleteFrom('api_tokens').execute();
    await database.handle.db.deleteFrom('users').execute();
    alice = await users.createUser({ username: 'alice', password });
    bob = await users.createUser({ username: 'bob', password: 'Bob-Strong-Pass-8' });
  });

  it('stores only the hash of the token, and a started session signs its user in', async () => {
    const started = await sessions.start(alice, { userAgent: 'Firefox', clientAddress: '10.0.0.1' });
    expect(started.token).toMatch(/^bss_[A-Za-z0-9_-]{43}$/);
    const rows = await database.handle.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toBe(hashSessionToken(started.token));
    expect(JSON.stringify(rows)).not.toContain(started.token.slice(4));
    expect(started.session).toMatchObject({
      userId: alice.id,
      createdAt: now,
      expiresAt: now + 8 * hour,
      idleExpiresAt: now + hour,
      userAgent: 'Firefox',
      clientAddress: '10.0.0.1',
    });
    const check = await sessions.check(started.token);
    expect(check.status === 'valid' ? check.user.username : check.reason).toBe('alice');
  });

  it('refuses malformed and unknown tokens', async () => {
    await sessions.start(alice);
    expect(await sessions.check('nope')).toEqual({ status: 'refused', reason: 'malformed_session' });
    expect(await sessions.check(`bss_${'A'.repeat(43)}`)).toEqual({
      status: 'refused',
      reason: 'unknown_session',
    });
  });

  it('ends at the absolute expiry however active the session is', async () => {
    const { token } = await sessions.start(alice);
    for (let t = 0; t < 8 * hour - 30 * minute; t += 30 * minute) {
      now += 30 * minute;
      expect((await sessions.check(token)).status).toBe('valid');
    }
    now = Date.UTC(2026, 0, 1) + 8 * hour - 1;
    expect((await sessions.check(token)).status).toBe('valid');
    now += 1;
    expect(await sessions.check(token)).toEqual({ status: 'refused', reason: 'expired_session' });
  });

  it('ends after the idle time unused, and use moves the idle expiry forward', async () => {
    const start = now;
    const { token } = await sessions.start(alice);
    now = start + 50 * minute;
    const used = await sessions.check(token);
    expect(used.status === 'valid' ? used.session.idleExpiresAt : 0).toBe(start + 110 * minute);
    now = start + 109 * minute;
    expect((await sessions.check(token)).status).toBe('valid');
    now = start + 109 * minute + hour;
    expect(await sessions.check(token)).toEqual({ status: 'refused', reason: 'idle_session' });
  });

  it('records use at most once a minute', async () => {
    const start = now;
    const { token } = await sessions.start(alice);
    now = start + 30 * 1000;
    const early = await sessions.check(token);
    expect(early.status === 'valid' ? early.session.lastSeenAt : 0).toBe(start);
    now = start + minute;
    await sessions.check(token);
    const row = await database.handle.db.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
    expect(Number(row.last_seen_at)).toBe(start + minute);
    expect(Number(row.idle_expires_at)).toBe(start + minute + hour);
  });

  it('sign-out (end) revokes the session on the server', async () => {
    const { token } = await sessions.start(alice);
    const ended = await sessions.end(token);
    expect(ended?.revokedAt).toBe(now);
    expect(await sessions.check(token)).toEqual({ status: 'refused', reason: 'revoked_session' });
    expect(await sessions.end('bss_unknown')).toBeUndefined();
  });

  it('a password change (reset or own) ends every session made before it', async () => {
    const first = await sessions.start(alice);
    const second = await sessions.start(alice);
    await users.changePassword('alice', 'Alice-New-Pass-99');
    expect(await sessions.check(first.token)).toEqual({ status: 'refused', reason: 'password_changed' });
    expect(await sessions.check(second.token)).toEqual({ status: 'refused', reason: 'password_changed' });
    expect(await sessions.list(alice.id)).toEqual([]);
    const after = await sessions.start(alice);
    expect((await sessions.check(after.token)).status).toBe('valid');
  });

  it('a deleted user signs in no more (their sessions go with them)', async () => {
    const { token } = await sessions.start(bob);
    await users.deleteUser('bob');
    expect(await sessions.check(token)).toEqual({ status: 'refused', reason: 'unknown_session' });
    const rows = await database.handle.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('an admin flag change counts at once', async () => {
    const { token } = await sessions.start(bob);
    await users.setAdmin('bob', true);
    const check = await sessions.check(token);
    expect(check.status === 'valid' ? check.user.isAdmin : undefined).toBe(true);
  });

  it('lists open sessions newest first, revokes one or all, and never another user’s', async () => {
    const a1 = await sessions.start(alice);
    now += minute;
    const a2 = await sessions.start(alice);
    const b1 = await sessions.start(bob);
    expect((await sessions.list(alice.id)).map((s) => s.id)).toEqual([a2.session.id, a1.session.id]);
    await expect(sessions.revoke(alice.id, b1.session.id)).rejects.toThrow(BosunError);
    const revoked = await sessions.revoke(alice.id, a1.session.id);
    expect(revoked.revokedAt).toBe(now);
    expect((await sessions.revoke(alice.id, a1.session.id)).revokedAt).toBe(now);
    expect((await sessions.list(alice.id)).map((s) => s.id)).toEqual([a2.session.id]);
    expect(await sessions.revokeAll(alice.id)).toBe(1);
    expect(await sessions.list(alice.id)).toEqual([]);
    expect((await sessions.check(a2.token)).status).toBe('refused');
    expect((await sessions.check(b1.token)).status).toBe('valid');
  });

  it('a new sign-in deletes the user’s ended sessions', async () => {
    const old = await sessions.start(alice);
    await sessions.end(old.token);
    await sessions.start(alice);
    const rows = await database.handle.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', alice.id)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses a policy whose idle time is not above the touch resolution', () => {
    expect(
      () =>
        new SessionService({
          handle: database.handle,
          policy: { idleMs: minute, touchResolutionMs: minute },
        }),
    ).toThrow(BosunError);
  });
});
