import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/index.js';
import { runCli } from './program.js';

let dir: string;
let uri: string;

async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([...argv, '--backend-store-uri', uri], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    env,
  });
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-permissions-cli-'));
  uri = `sqlite:///${dir}/bosun.db`;
  for (const [username, admin] of [
    ['Alice', false],
    ['bob', false],
    ['root', true],
  ] as const) {
    const created = await cli(['users', 'create', '--username', username, ...(admin ? ['--admin'] : [])], {
      BOSUN_USER_PASSWORD: 'Wharf-and-keel-9',
    });
    expect(created.code).toBe(0);
  }
  // The migrations create experiment 0 (Default); add one more experiment and a registered model.
  const handle = openDatabase(uri);
  try {
    await handle.db
      .insertInto('experiments')
      .values({
        experiment_id: 12,
        name: 'churn',
        artifact_location: `${dir}/artifacts/12`,
        lifecycle_stage: 'active',
        creation_time: 1,
        last_update_time: 1,
      })
      .execute();
    await handle.db
      .insertInto('registered_models')
      .values({ name: 'fraud', description: null, creation_time: 1, last_updated_time: 1, last_version: 0 })
      .execute();
  } finally {
    await handle.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bosun permissions', () => {
  it('grants, replaces, lists and revokes permissions', async () => {
    const grant = await cli([
      'permissions',
      'grant',
      '--user',
      'alice',
      '--experiment',
      '12',
      '--permission',
      'edit',
    ]);
    expect(grant).toMatchObject({ code: 0, err: '' });
    expect(grant.out).toBe("Granted EDIT on experiment 12 to 'Alice'.\n");

    const replace = await cli([
      'permissions',
      'grant',
      '--user',
      'Alice',
      '--experiment',
      '12',
      '--permission',
      'MANAGE',
    ]);
    expect(replace.out).toBe("Granted MANAGE on experiment 12 to 'Alice' (was EDIT).\n");

    expect(
      (
        await cli([
          'permissions',
          'grant',
          '--user',
          'alice',
          '--model',
          'fraud',
          '--permission',
          'NO_PERMISSIONS',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await cli(['permissions', 'grant', '--user', 'bob', '--experiment', '0', '--permission', 'READ']))
        .code,
    ).toBe(0);
    expect(
      (await cli(['permissions', 'grant', '--user', 'bob', '--experiment', '12', '--permission', 'READ']))
        .code,
    ).toBe(0);

    const mine = await cli(['permissions', 'list', '--user', 'alice']);
    expect(mine.code).toBe(0);
    expect(mine.out.split('\n')).toEqual([
      'KIND              RESOURCE  PERMISSION',
      '----------------  --------  --------------',
      'experiment        12        MANAGE',
      'registered-model  fraud     NO_PERMISSIONS',
      '',
    ]);
    expect(mine.err).toMatch(/default permission/);

    const json = await cli(['permissions', 'list', '--experiment', '12', '--json']);
    expect(JSON.parse(json.out)).toEqual({
      grants: [
        { kind: 'experiment', resource: '12', userId: 1, username: 'Alice', permission: 'MANAGE' },
        { kind: 'experiment', resource: '12', userId: 2, username: 'bob', permission: 'READ' },
      ],
    });
    const onModel = await cli(['permissions', 'list', '--model', 'fraud']);
    expect(onModel.out).toContain('Alice  NO_PERMISSIONS');

    const revoke = await cli(['permissions', 'revoke', '--user', 'bob', '--experiment', '12']);
    expect(revoke).toMatchObject({ code: 0, out: "Revoked the permission of 'bob' on experiment 12.\n" });
    const after = await cli(['permissions', 'list', '--experiment', '12', '--json']);
    expect(
      (JSON.parse(after.out) as { grants: { username: string }[] }).grants.map((g) => g.username),
    ).toEqual(['Alice']);
    const empty = await cli(['permissions', 'list', '--user', 'root', '--json']);
    expect(JSON.parse(empty.out)).toEqual({ grants: [] });
    const rootTable = await cli(['permissions', 'list', '--user', 'root']);
    expect(rootTable.err).toMatch(/administrator/);

    // Changes are in the audit log, with the user and level but nothing secret.
    const audit = await cli(['audit-log', 'list', '--json']);
    const actions = (JSON.parse(audit.out) as { entries: { action: string; outcome: string }[] }).entries.map(
      (e) => `${e.action}:${e.outcome}`,
    );
    expect(actions.filter((a) => a.startsWith('permissions.'))).toHaveLength(6);
    expect(actions).toContain('permissions.revoke:success');
  });

  it('refuses bad input with a clean message and exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['grant', '--user', 'alice', '--experiment', '12', '--permission', 'WRITE'],
        /INVALID_PARAMETER_VALUE: .*NO_PERMISSIONS, READ, EDIT, MANAGE/,
      ],
      [
        ['grant', '--user', 'carol', '--experiment', '12', '--permission', 'READ'],
        /RESOURCE_DOES_NOT_EXIST: User 'carol' does not exist/,
      ],
      [
        ['grant', '--user', 'alice', '--experiment', '999', '--permission', 'READ'],
        /RESOURCE_DOES_NOT_EXIST: Experiment 999 does not exist/,
      ],
      [
        ['grant', '--user', 'alice', '--model', 'nope', '--permission', 'READ'],
        /RESOURCE_DOES_NOT_EXIST: Registered model 'nope'/,
      ],
      [
        ['grant', '--user', 'alice', '--experiment', 'abc', '--permission', 'READ'],
        /INVALID_PARAMETER_VALUE: Invalid --experiment/,
      ],
      [
        ['grant', '--user', 'alice', '--experiment', '12', '--model', 'fraud', '--permission', 'READ'],
        /exactly one of --experiment ID or --model NAME/,
      ],
      [
        ['grant', '--user', 'alice', '--permission', 'READ'],
        /exactly one of --experiment ID or --model NAME/,
      ],
      [
        ['revoke', '--user', 'bob', '--model', 'fraud'],
        /RESOURCE_DOES_NOT_EXIST: User 'bob' has no permission on registered model 'fraud'/,
      ],
      [['list'], /exactly one of --user NAME, --experiment ID or --model NAME/],
      [['list', '--user', 'alice', '--model', 'fraud'], /exactly one of --user NAME/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(['permissions', ...argv]);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.err).toMatch(message);
      expect(result.err.split('\n').filter((l) => l !== '')).toHaveLength(1);
      expect(result.out).toBe('');
    }
    const missing = await cli(['permissions', 'grant', '--user', 'alice', '--experiment', '12']);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/--permission/);
    // Nothing changed.
    const grants = await cli(['permissions', 'list', '--user', 'alice', '--json']);
    expect((JSON.parse(grants.out) as { grants: unknown[] }).grants).toHaveLength(2);
  });
});
