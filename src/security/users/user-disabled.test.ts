import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { BosunError } from '../../shared/errors.js';
import { SessionService } from '../sessions/index.js';
import { AuthenticationError } from './errors.js';
import { UserService } from './user-service.js';

const testScrypt = { N: 2 ** 11, r: 8, p: 1 };

describe.each(testEngines)('UserService.setDisabled on %s', (engine) => {
  let database: TestDatabase;
  let users: UserService;
  let sessions: SessionService;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    users = new UserService({ handle: database.handle, scrypt: testScrypt });
    sessions = new SessionService({ handle: database.handle });
    await users.createUser({ username: 'root', password: 'Root-Strong-Pass-1', isAdmin: true });
    await users.createUser({ username: 'root2', password: 'Root-Strong-Pass-2', isAdmin: true });
    await users.createUser({ username: 'bob', password: 'Bob-Strong-Pass-8' });
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it('refuses sign-in and ends the open session check, and says why only after the right password', async () => {
    const bob = await users.authenticatePassword('bob', 'Bob-Strong-Pass-8');
    const { token: sessionToken } = await sessions.start(bob);
    const { token } = await users.createToken(bob.id, { name: 'ci' });
    expect((await users.setDisabled('bob', true)).disabled).toBe(true);
    expect((await users.getUser('bob')).disabled).toBe(true);

    // The password was verified a moment ago (cached): the cache does not let a disabled user in.
    const refused = await users.authenticatePassword('bob', 'Bob-Strong-Pass-8').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect((refused as AuthenticationError).reason).toBe('disabled_user');
    expect((refused as AuthenticationError).message).toMatch(/^This account is disabled/);
    const wrong = await users.authenticatePassword('bob', 'Not-His-Pass-0').catch((e: unknown) => e);
    expect((wrong as AuthenticationError).message).toBe('Invalid credentials.');
    const byToken = await users.authenticateToken(token).catch((e: unknown) => e);
    expect((byToken as AuthenticationError).reason).toBe('disabled_user');
    // A session begun before is refused even when nobody revoked it.
    expect(await sessions.check(sessionToken)).toEqual({ status: 'refused', reason: 'user_disabled' });

    await users.setDisabled('bob', false);
    expect((await users.authenticatePassword('bob', 'Bob-Strong-Pass-8')).disabled).toBe(false);
    expect((await sessions.check(sessionToken)).status).toBe('valid');
  });

  it('refuses to disable the last enabled administrator', async () => {
    await users.setDisabled('root2', true);
    const last = await users.setDisabled('root', true).catch((e: unknown) => e);
    expect(last).toBeInstanceOf(BosunError);
    expect((last as BosunError).code).toBe('INVALID_STATE');
    expect((last as BosunError).message).toBe('Refusing to disable the last enabled administrator.');
    expect((await users.getUser('root')).disabled).toBe(false);
    await users.setDisabled('root2', false);
    expect((await users.setDisabled('root', true)).disabled).toBe(true);
    await users.setDisabled('root', false);
  });
});
