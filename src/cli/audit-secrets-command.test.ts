import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../db/index.js';
import { AuditLog } from '../security/audit/index.js';
import { MasterKey } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { runCli } from './program.js';

let dir: string;
let uri: string;
let keyFile: string;

function capture(env: NodeJS.ProcessEnv = {}): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env }, out, err };
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const c = capture(env);
  const code = await runCli(args, c.io);
  return { code, out: c.out.join(''), err: c.err.join('') };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-cli-sec-'));
  uri = `sqlite:///${join(dir, 'bosun.db')}`;
  keyFile = join(dir, 'master.key');
  writeFileSync(keyFile, MasterKey.generate('cli-key-1').export());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bosun audit-log', () => {
  it('verifies an intact chain, then reports an edited record with exit 1', async () => {
    const handle = openDatabase(uri);
    try {
      await migrateToLatest(handle);
      const log = new AuditLog();
      for (const action of ['POST /a', 'POST /b', 'POST /c']) {
        await log.append(handle.db, {
          actor: 'ana',
          action,
          resource: { type: 'route' },
          outcome: 'success',
        });
      }
    } finally {
      await handle.close();
    }
    const ok = await cli(['audit-log', 'verify', '--backend-store-uri', uri]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Audit log OK: 3 record(s)');

    const listed = await cli(['audit-log', 'list', '--backend-store-uri', uri, '--actor', 'ana']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/POST \/c[\s\S]*POST \/b[\s\S]*POST \/a/);

    const tamper = openDatabase(uri);
    try {
      await sql`update audit_log set actor = 'mallory' where seq = 2`.execute(tamper.db);
    } finally {
      await tamper.close();
    }
    const broken = await cli(['audit-log', 'verify'], { BOSUN_BACKEND_STORE_URI: uri });
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('Audit log BROKEN at seq 2: record edited');
  });

  it('asks for the database when none is given', async () => {
    const res = await cli(['audit-log', 'verify']);
    expect(res.code).toBe(1);
    expect(res.err).toContain('--backend-store-uri');
  });
});

describe('bosun secrets', () => {
  it('puts, gets, lists, deletes and rotates the key, auditing writes without values', async () => {
    const valueFile = join(dir, 'value.txt');
    writeFileSync(valueFile, 'pa55-w0rd-cli-value');
    const common = ['--backend-store-uri', uri, '--master-key-file', keyFile];
    const put = await cli(['secrets', 'put', 'team/db', '--value-file', valueFile, ...common]);
    expect(put).toMatchObject({ code: 0, out: 'team/db: version 1 written\n' });
    const put2 = await cli([
      'secrets',
      'put',
      'team/api',
      '--value-file',
      valueFile,
      '--cas',
      '0',
      ...common,
    ]);
    expect(put2.code).toBe(0);

    const got = await cli(['secrets', 'get', 'team/db', ...common]);
    expect(got).toMatchObject({ code: 0, out: 'pa55-w0rd-cli-value' });
    const v1 = await cli(['secrets', 'get', 'team/db', '--secret-version', '1', ...common]);
    expect(v1.out).toBe('pa55-w0rd-cli-value');
    const listed = await cli(['secrets', 'list', 'team', ...common]);
    expect(listed.out).toBe('team/api\nteam/db\n');

    const newKeyFile = join(dir, 'new.key');
    writeFileSync(newKeyFile, MasterKey.generate('cli-key-2').export());
    const rotated = await cli(['secrets', 'rotate-key', '--new-key-file', newKeyFile, ...common]);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain('from cli-key-1 to cli-key-2: 2 secret(s) re-wrapped');
    const oldKey = await cli(['secrets', 'get', 'team/db', ...common]);
    expect(oldKey.code).toBe(1);
    expect(oldKey.err).toContain('wrong master key');
    const newCommon = ['--backend-store-uri', uri, '--master-key-file', newKeyFile];
    expect((await cli(['secrets', 'get', 'team/db', ...newCommon])).out).toBe('pa55-w0rd-cli-value');

    const del = await cli(['secrets', 'delete', 'team/db', ...newCommon]);
    expect(del.code).toBe(0);
    const afterDelete = await cli(['secrets', 'get', 'team/db', ...newCommon]);
    expect(afterDelete.code).toBe(1);
    expect(afterDelete.err).toContain('deleted');

    const noValue = await cli(['secrets', 'put', 'team/x', ...newCommon]);
    expect(noValue.code).toBe(1);

    const audit = await cli(['audit-log', 'list', '--backend-store-uri', uri, '--json']);
    expect(audit.out).toContain('secrets.put');
    expect(audit.out).toContain('secrets.rotate-key');
    expect(audit.out).toContain('team/db');
    expect(audit.out).not.toContain('pa55-w0rd');
    expect((await cli(['audit-log', 'verify', '--backend-store-uri', uri])).code).toBe(0);
  });

  it('refuses to work without a master key', async () => {
    const res = await cli(['secrets', 'list', '--backend-store-uri', uri]);
    expect(res.code).toBe(1);
    expect(res.err).toContain('secrets are disabled');
  });
});
