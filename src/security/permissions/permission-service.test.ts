import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines, openTestDatabase, type TestDatabase } from '../../db/test-support/test-databases.js';
import { BosunError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { UserService, type User } from '../users/index.js';
import { allows, isPermission, parsePermission } from './levels.js';
import { SqlPermissionService } from './permission-service.js';
import { permissionLevels, type Permission } from '../../shared/index.js';
import type { Action } from './types.js';

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

function thrown(work: () => unknown): { code: string; message: string } {
  try {
    work();
  } catch (error) {
    if (error instanceof BosunError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

const actions: readonly Action[] = ['read', 'update', 'delete', 'manage'];

/** Expected capabilities, written out rather than derived, as MLflow's auth app defines them. */
const matrix: Record<Permission, Record<Action, boolean>> = {
  NO_PERMISSIONS: { read: false, update: false, delete: false, manage: false },
  READ: { read: true, update: false, delete: false, manage: false },
  EDIT: { read: true, update: true, delete: false, manage: false },
  MANAGE: { read: true, update: true, delete: true, manage: true },
};

describe('permission levels', () => {
  it.each(permissionLevels.flatMap((p) => actions.map((a) => [p, a] as const)))(
    'allows(%s, %s) follows the MLflow matrix',
    (permission, action) => {
      expect(allows(permission, action)).toBe(matrix[permission][action]);
    },
  );

  it('parses levels in any case and refuses anything else naming the allowed values', () => {
    expect(parsePermission('READ')).toBe('READ');
    expect(parsePermission(' manage ')).toBe('MANAGE');
    expect(parsePermission('no_permissions')).toBe('NO_PERMISSIONS');
    for (const bad of ['WRITE', 'ADMIN', '', 3, undefined, null]) {
      const error = thrown(() => parsePermission(bad));
      expect(error.code).toBe('INVALID_PARAMETER_VALUE');
      expect(error.message).toContain('NO_PERMISSIONS, READ, EDIT, MANAGE');
    }
    expect(thrown(() => parsePermission('WRITE', 'permission')).message).toMatch(/'WRITE'.*'permission'/);
    expect(isPermission('EDIT')).toBe(true);
    expect(isPermission('edit')).toBe(false);
  });
});

describe.each(testEngines)('permission service on %s', (engine) => {
  let database: TestDatabase;
  let now: number;
  const clock: Clock = { nowMs: () => now };
  let alice: User;
  let bob: User;
  let root: User;

  function service(defaultPermission: Permission = 'READ'): SqlPermissionService {
    return new SqlPermissionService({ handle: database.handle, defaultPermission, clock });
  }

  /** Inserts a user directly (no password hashing: these tests are about grants). */
  async function addUser(username: string, isAdmin = false): Promise<User> {
    const row = await database.handle.db
      .insertInto('users')
      .values({
        username,
        username_key: username.toLowerCase(),
        password_hash: 'scrypt$unused',
        is_admin: isAdmin ? 1 : 0,
        created_at: now,
        updated_at: now,
        last_login_at: null,
        failed_attempts: 0,
        locked_until: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), username, isAdmin, createdAt: now, updatedAt: now, disabled: false };
  }

  beforeAll(async () => {
    database = await openTestDatabase(engine);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1);
    await database.handle.db.deleteFrom('resource_permissions').execute();
    await database.handle.db.deleteFrom('users').execute();
    alice = await addUser('Alice');
    bob = await addUser('bob');
    root = await addUser('root', true);
  });

  it('checks each level against each action through a grant', async () => {
    const permissions = service('NO_PERMISSIONS');
    for (const [i, level] of permissionLevels.entries()) {
      await permissions.createGrant('experiment', String(i), 'alice', level);
    }
    for (const [i, level] of permissionLevels.entries()) {
      expect(await permissions.effectivePermission(alice, 'experiment', String(i))).toBe(level);
      for (const action of actions) {
        expect(await permissions.can(alice, action, 'experiment', String(i))).toBe(matrix[level][action]);
      }
    }
  });

  it('lets administrators do everything, even over an explicit NO_PERMISSIONS grant', async () => {
    const permissions = service('NO_PERMISSIONS');
    await permissions.createGrant('registered-model', 'fraud', 'root', 'NO_PERMISSIONS');
    expect(await permissions.effectivePermission(root, 'registered-model', 'fraud')).toBe('MANAGE');
    for (const action of actions) {
      expect(await permissions.can(root, action, 'registered-model', 'fraud')).toBe(true);
      expect(await permissions.can(root, action, 'experiment', '7')).toBe(true);
    }
    expect(await permissions.readable(root, 'registered-model')).toEqual({ kind: 'all' });
    expect(await permissions.readable(root, 'experiment')).toEqual({ kind: 'all' });
  });

  it.each([
    ['READ', { read: true, update: false, delete: false, manage: false }],
    ['NO_PERMISSIONS', { read: false, update: false, delete: false, manage: false }],
    ['EDIT', { read: true, update: true, delete: false, manage: false }],
  ] as const)('applies the default permission %s where there is no grant', async (level, expected) => {
    const permissions = service(level);
    expect(permissions.defaultPermission).toBe(level);
    expect(await permissions.effectivePermission(bob, 'experiment', '1')).toBe(level);
    for (const action of actions) {
      expect(await permissions.can(bob, action, 'experiment', '1')).toBe(expected[action]);
      expect(await permissions.can(bob, action, 'registered-model', 'm')).toBe(expected[action]);
    }
    // A grant wins over the default in both directions.
    await permissions.createGrant('experiment', '1', 'bob', 'MANAGE');
    await permissions.createGrant('experiment', '2', 'bob', 'NO_PERMISSIONS');
    expect(await permissions.can(bob, 'delete', 'experiment', '1')).toBe(true);
    expect(await permissions.can(bob, 'read', 'experiment', '2')).toBe(false);
    // Grants are per user and per kind.
    expect(await permissions.effectivePermission(alice, 'experiment', '1')).toBe(level);
    expect(await permissions.effectivePermission(bob, 'registered-model', '1')).toBe(level);
  });

  it('refuses a bad default permission', () => {
    expect(thrown(() => service('SUPER' as Permission)).code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('creates, reads, updates and deletes grants with typed errors', async () => {
    const permissions = service();
    now += 1000;
    const created = await permissions.createGrant('experiment', '5', 'ALICE', 'READ');
    expect(created).toEqual({
      kind: 'experiment',
      resource: '5',
      userId: alice.id,
      username: 'Alice',
      permission: 'READ',
    });
    expect(await permissions.getGrant('experiment', '5', 'alice')).toEqual(created);
    const row = await database.handle.db
      .selectFrom('resource_permissions')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect([Number(row.created_at), Number(row.updated_at)]).toEqual([now, now]);

    const duplicate = await failure(permissions.createGrant('experiment', '5', 'alice', 'EDIT'));
    expect(duplicate.code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(duplicate.message).toContain("'Alice'");
    expect((await permissions.getGrant('experiment', '5', 'alice')).permission).toBe('READ');

    now += 1000;
    expect(await permissions.updateGrant('experiment', '5', 'alice', 'EDIT')).toMatchObject({
      permission: 'EDIT',
      username: 'Alice',
    });
    expect((await permissions.getGrant('experiment', '5', 'alice')).permission).toBe('EDIT');
    const updated = await database.handle.db
      .selectFrom('resource_permissions')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(Number(updated.updated_at)).toBe(now);
    expect(Number(updated.created_at)).toBe(now - 1000);

    await permissions.deleteGrant('experiment', '5', 'alice');
    expect((await failure(permissions.getGrant('experiment', '5', 'alice'))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await failure(permissions.deleteGrant('experiment', '5', 'alice'))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await failure(permissions.updateGrant('experiment', '5', 'alice', 'READ'))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('refuses unknown users, bad permissions and bad resources', async () => {
    const permissions = service();
    const unknown = await failure(permissions.createGrant('experiment', '1', 'carol', 'READ'));
    expect(unknown).toEqual({ code: 'RESOURCE_DOES_NOT_EXIST', message: "User 'carol' does not exist." });
    expect((await failure(permissions.getGrant('experiment', '1', 'carol'))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await failure(permissions.putGrant('experiment', '1', 999_999, 'MANAGE'))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );

    const bad = await failure(permissions.createGrant('experiment', '1', 'alice', 'WRITE' as Permission));
    expect(bad.code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.message).toContain('NO_PERMISSIONS, READ, EDIT, MANAGE');
    await permissions.createGrant('experiment', '1', 'alice', 'READ');
    expect(
      (await failure(permissions.updateGrant('experiment', '1', 'alice', 'OWNER' as Permission))).code,
    ).toBe('INVALID_PARAMETER_VALUE');
    expect((await failure(permissions.putGrant('experiment', '1', alice.id, 'x' as Permission))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect((await permissions.getGrant('experiment', '1', 'alice')).permission).toBe('READ');

    expect((await failure(permissions.createGrant('experiment', 'abc', 'alice', 'READ'))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect((await failure(permissions.createGrant('registered-model', '  ', 'alice', 'READ'))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(
      (await failure(permissions.createGrant('dataset' as 'experiment', '1', 'alice', 'READ'))).code,
    ).toBe('INVALID_PARAMETER_VALUE');
    expect((await failure(permissions.createGrant('experiment', '1', '', 'READ'))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('puts grants (create or replace) and lists them per user and per resource', async () => {
    const permissions = service();
    await permissions.putGrant('registered-model', 'churn', alice.id, 'MANAGE');
    await permissions.putGrant('registered-model', 'churn', alice.id, 'READ');
    await permissions.putGrant('experiment', '10', alice.id, 'EDIT');
    await permissions.putGrant('experiment', '9', alice.id, 'MANAGE');
    await permissions.putGrant('registered-model', 'churn', bob.id, 'EDIT');
    await permissions.putGrant('registered-model', 'churn', root.id, 'NO_PERMISSIONS');

    expect(
      (await permissions.listUserGrants(alice.id)).map((g) => [g.kind, g.resource, g.permission]),
    ).toEqual([
      ['experiment', '9', 'MANAGE'],
      ['experiment', '10', 'EDIT'],
      ['registered-model', 'churn', 'READ'],
    ]);
    expect(await permissions.listResourceGrants('registered-model', 'churn')).toEqual([
      {
        kind: 'registered-model',
        resource: 'churn',
        userId: alice.id,
        username: 'Alice',
        permission: 'READ',
      },
      { kind: 'registered-model', resource: 'churn', userId: bob.id, username: 'bob', permission: 'EDIT' },
      {
        kind: 'registered-model',
        resource: 'churn',
        userId: root.id,
        username: 'root',
        permission: 'NO_PERMISSIONS',
      },
    ]);
    expect(await permissions.listResourceGrants('experiment', 'churn')).toEqual([]);
    expect(await permissions.listUserGrants(bob.id)).toHaveLength(1);
  });

  it('describes readable resources as all, all-except or only', async () => {
    const reading = service('READ');
    expect(await reading.readable(alice, 'experiment')).toEqual({ kind: 'all' });
    await reading.createGrant('experiment', '3', 'alice', 'NO_PERMISSIONS');
    await reading.createGrant('experiment', '1', 'alice', 'NO_PERMISSIONS');
    await reading.createGrant('experiment', '2', 'alice', 'EDIT');
    await reading.createGrant('experiment', '4', 'bob', 'NO_PERMISSIONS');
    await reading.createGrant('registered-model', 'm', 'alice', 'NO_PERMISSIONS');
    const except = await reading.readable(alice, 'experiment');
    expect(except.kind).toBe('except');
    expect(except.kind !== 'all' ? [...except.resources].sort() : []).toEqual(['1', '3']);
    expect(await reading.readable(alice, 'registered-model')).toEqual({ kind: 'except', resources: ['m'] });
    expect(await reading.readable(bob, 'registered-model')).toEqual({ kind: 'all' });

    const editing = service('EDIT');
    expect((await editing.readable(bob, 'experiment')).kind).toBe('except');

    const strict = service('NO_PERMISSIONS');
    const only = await strict.readable(alice, 'experiment');
    expect(only).toEqual({ kind: 'only', resources: ['2'] });
    expect(await strict.readable(bob, 'experiment')).toEqual({ kind: 'only', resources: [] });
    await strict.createGrant('experiment', '4', 'alice', 'READ');
    await strict.createGrant('experiment', '5', 'alice', 'MANAGE');
    const more = await strict.readable(alice, 'experiment');
    expect(more.kind !== 'all' ? [...more.resources].sort() : []).toEqual(['2', '4', '5']);
  });

  it('moves grants on rename and drops them when a resource is deleted', async () => {
    const permissions = service();
    await permissions.createGrant('registered-model', 'old', 'alice', 'MANAGE');
    await permissions.createGrant('registered-model', 'old', 'bob', 'READ');
    await permissions.createGrant('registered-model', 'new', 'bob', 'MANAGE'); // stale: no model has this name
    await permissions.createGrant('experiment', '3', 'bob', 'EDIT');

    await permissions.renameResource('registered-model', 'old', 'new');
    expect(await permissions.listResourceGrants('registered-model', 'old')).toEqual([]);
    expect(
      (await permissions.listResourceGrants('registered-model', 'new')).map((g) => [
        g.username,
        g.permission,
      ]),
    ).toEqual([
      ['Alice', 'MANAGE'],
      ['bob', 'READ'],
    ]);
    expect(await permissions.effectivePermission(alice, 'registered-model', 'new')).toBe('MANAGE');
    expect(await permissions.effectivePermission(alice, 'registered-model', 'old')).toBe('READ');

    await permissions.renameResource('registered-model', 'new', 'new'); // no-op
    expect(await permissions.listResourceGrants('registered-model', 'new')).toHaveLength(2);

    await permissions.deleteResourceGrants('registered-model', 'new');
    expect(await permissions.listResourceGrants('registered-model', 'new')).toEqual([]);
    // Another kind is untouched.
    expect(await permissions.listResourceGrants('experiment', '3')).toHaveLength(1);
    // A model created again under the name starts without the old grants.
    expect(await permissions.effectivePermission(bob, 'registered-model', 'new')).toBe('READ');
  });

  it("deletes a user's grants with the user", async () => {
    const permissions = service();
    await permissions.createGrant('experiment', '1', 'bob', 'MANAGE');
    await permissions.createGrant('registered-model', 'm', 'bob', 'EDIT');
    await permissions.createGrant('experiment', '1', 'alice', 'READ');
    await new UserService({ handle: database.handle }).deleteUser('bob');
    expect(await permissions.listUserGrants(bob.id)).toEqual([]);
    const remaining = await database.handle.db
      .selectFrom('resource_permissions')
      .select(['resource', 'user_id'])
      .execute();
    expect(remaining.map((r) => [r.resource, Number(r.user_id)])).toEqual([['1', alice.id]]);
  });
});
