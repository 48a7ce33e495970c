/*
 * The domain parse functions take ids in their one spelling only, so that a caller outside HTTP (the CLI, a
 * worker) cannot name experiment 1 as `01` either: not to the tracking store, the registry, nor the grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { parseVersion, validateModelName } from '../../registry/validation.js';
import { BosunError } from '../../shared/errors.js';
import { parseExperimentId, validateRunId } from '../../tracking/validation.js';
import { UserService } from '../users/index.js';
import { SqlPermissionService } from './permission-service.js';
import { validateResourceId } from './resource-ids.js';
import { testPasswordHashing } from '../../server/test-support/test-start-options.js';

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof BosunError) return error.code;
    throw error;
  }
  return 'accepted';
}

async function codeOfAsync(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (error instanceof BosunError) return error.code;
    throw error;
  }
  return 'accepted';
}

const otherSpellings = [
  '01',
  '00',
  '+1',
  '-1',
  '1.0',
  ' 1',
  '1 ',
  '１',
  '0x1',
  '1e0',
  '',
  '2147483648',
  '99999999999999999999',
];

describe('id parse functions take one spelling', () => {
  it('parseExperimentId: 0 to 2147483647 as canonical text or as that number', () => {
    expect(parseExperimentId('0')).toBe(0);
    expect(parseExperimentId('1')).toBe(1);
    expect(parseExperimentId('2147483647')).toBe(2147483647);
    expect(parseExperimentId(7)).toBe(7);
    for (const bad of [...otherSpellings, 1.5, -1, 2147483648, Number.NaN, null, undefined, ['1']]) {
      expect([bad, codeOf(() => parseExperimentId(bad))]).toEqual([bad, 'INVALID_PARAMETER_VALUE']);
    }
  });

  it('parseVersion: 1 to 2147483647, no blanks or leading zeros (models:/name/01 and alias v01 too)', () => {
    expect(parseVersion('1')).toBe(1);
    expect(parseVersion(3)).toBe(3);
    for (const bad of [...otherSpellings, '0', ' 2 ', 0, 1.5]) {
      expect([bad, codeOf(() => parseVersion(bad))]).toEqual([bad, 'INVALID_PARAMETER_VALUE']);
    }
  });

  it('validateRunId: MLflow run ids are exact text; blanks, non-ASCII and separators are refused', () => {
    expect(validateRunId('0123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(validateRunId('legacy-run_1')).toBe('legacy-run_1');
    for (const bad of [' abc', 'abc ', 'ａｂｃ', 'a/b', '..', '', 'a'.repeat(257), 'abc\u0000', 'abcé']) {
      expect([bad, codeOf(() => validateRunId(bad))]).toEqual([bad, 'INVALID_PARAMETER_VALUE']);
    }
  });

  it('validateResourceId: grants name experiments canonically and models by names a model can have', () => {
    expect(validateResourceId('experiment', '0')).toBe('0');
    expect(validateResourceId('experiment', '42')).toBe('42');
    expect(validateResourceId('registered-model', 'churn model')).toBe('churn model');
    for (const bad of otherSpellings) {
      expect([bad, codeOf(() => validateResourceId('experiment', bad))]).toEqual([
        bad,
        'INVALID_PARAMETER_VALUE',
      ]);
    }
    for (const bad of ['', ' ', 'a/b', 'a:b', '..', 'x'.repeat(501), 'a\u0001b']) {
      // The same names the registry refuses, so a grant never waits on a model that cannot exist.
      expect([bad, codeOf(() => validateModelName(bad))]).toEqual([bad, 'INVALID_PARAMETER_VALUE']);
      expect([bad, codeOf(() => validateResourceId('registered-model', bad))]).toEqual([
        bad,
        'INVALID_PARAMETER_VALUE',
      ]);
    }
    expect(validateResourceId('experiment', '7', 'resource_id')).toBe('7');
    expect(() => validateResourceId('experiment', '07', 'resource_id')).toThrow(/parameter 'resource_id'/);
  });
});

describe.each(testEngines)('grants on %s refuse another spelling of an id', (engine) => {
  let db: TestDatabase;
  let permissions: SqlPermissionService;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    await new UserService({ handle: db.handle, scrypt: testPasswordHashing }).createUser({
      username: 'carol',
      password: 'Carol-Strong-Pass-42',
    });
    permissions = new SqlPermissionService({ handle: db.handle, defaultPermission: 'READ' });
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('creates, puts, reads, changes and deletes grants only under the canonical id', async () => {
    for (const bad of otherSpellings) {
      const codes = [
        await codeOfAsync(() => permissions.createGrant('experiment', bad, 'carol', 'NO_PERMISSIONS')),
        await codeOfAsync(() => permissions.getGrant('experiment', bad, 'carol')),
        await codeOfAsync(() => permissions.updateGrant('experiment', bad, 'carol', 'READ')),
        await codeOfAsync(() => permissions.deleteGrant('experiment', bad, 'carol')),
      ];
      expect([bad, codes]).toEqual([bad, Array(4).fill('INVALID_PARAMETER_VALUE')]);
    }
    expect(await codeOfAsync(() => permissions.putGrant('experiment', '01', 1, 'MANAGE'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOfAsync(() => permissions.createGrant('registered-model', 'a/b', 'carol', 'READ'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    const grant = await permissions.createGrant('experiment', '1', 'carol', 'NO_PERMISSIONS');
    expect(grant.resource).toBe('1');
    const rows = await db.handle.db.selectFrom('resource_permissions').select('resource').execute();
    expect(rows.map((r) => r.resource)).toEqual(['1']);
  });

  it('ignores grants stored under another spelling before this rule (they never matched a check either)', async () => {
    const carol = await new UserService({ handle: db.handle, scrypt: testPasswordHashing }).getUser('carol');
    await db.handle.db.deleteFrom('resource_permissions').execute();
    const legacy = (resource: string, permission: string) =>
      db.handle.db
        .insertInto('resource_permissions')
        .values({
          kind: 'experiment',
          resource,
          user_id: carol.id,
          permission,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
    await legacy('07', 'NO_PERMISSIONS');
    await legacy(' 8', 'NO_PERMISSIONS');
    await legacy('9', 'NO_PERMISSIONS');
    // Default READ: only the canonical NO_PERMISSIONS grant hides; lists and direct reads agree on 7.
    expect(await permissions.readable(carol, 'experiment')).toEqual({ kind: 'except', resources: ['9'] });
    expect(await permissions.can(carol, 'read', 'experiment', '7')).toBe(true);
    expect(await permissions.can(carol, 'read', 'experiment', '9')).toBe(false);

    await db.handle.db.deleteFrom('resource_permissions').execute();
    await legacy('07', 'READ');
    await legacy('9', 'READ');
    const strict = new SqlPermissionService({ handle: db.handle, defaultPermission: 'NO_PERMISSIONS' });
    // Default NO_PERMISSIONS: the grant on '07' shows nothing, as it lets nothing be read.
    expect(await strict.readable(carol, 'experiment')).toEqual({ kind: 'only', resources: ['9'] });
    expect(await strict.can(carol, 'read', 'experiment', '7')).toBe(false);
  });
});
