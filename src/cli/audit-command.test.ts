import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { AuditLog, type AuditRecordInput } from '../security/audit/index.js';
import { captureCli } from './test-support/capture-cli.js';

const cli = (args: string[]) => captureCli(args);

const hostileNames = [
  '\ud800x',
  'x\udfff',
  'a\u0000b',
  '\ufffd',
  '😀\ud83d',
  'e\u0301',
  '👩‍👩‍👧',
  'z'.repeat(5000),
];

function record(i: number): AuditRecordInput {
  const name = hostileNames[i % hostileNames.length] ?? '';
  return {
    actor: i % 3 === 0 ? name : 'ana',
    action: 'POST /api/2.0/mlflow/registered-models/create',
    resource: { type: 'registered_model', id: name },
    outcome: i % 2 === 0 ? 'success' : 'error',
    statusCode: i % 2 === 0 ? 200 : 400,
    requestId: `req-${i}`,
    clientAddress: '127.0.0.1',
    details: { name },
  };
}

describe.each(testEngines)('bosun audit-log verify on %s', (engine) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  async function chainOf(n: number): Promise<TestDatabase> {
    database = await openTestDatabase(engine);
    const log = new AuditLog();
    for (let i = 1; i <= n; i += 1) await log.append(database.handle.db, record(i));
    return database;
  }

  it('verifies an untampered chain of hostile-Unicode records clean', async () => {
    const d = await chainOf(16);
    const ok = await cli(['audit-log', 'verify', '--backend-store-uri', d.uri]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Audit log OK: 16 record(s), chain intact.');
    const json = await cli(['audit-log', 'verify', '--backend-store-uri', d.uri, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, records: 16, head_seq: 16 });
  });

  it('reports both of two records tampered with in the database, and exits 1', async () => {
    const d = await chainOf(16);
    await sql`update audit_log set actor = 'mallory' where seq = 4`.execute(d.handle.db);
    await sql`update audit_log set outcome = 'success', status_code = 200 where seq = 11`.execute(
      d.handle.db,
    );

    const text = await cli(['audit-log', 'verify', '--backend-store-uri', d.uri]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('Audit log BROKEN at seq 4: record edited.');
    expect(text.out).toContain('2 break(s) found in 16 record(s):');
    expect(text.out).toContain('  seq 4: record edited. record 4 does not match its hash');
    expect(text.out).toContain('  seq 11: record edited. record 11 does not match its hash');

    const json = await cli(['audit-log', 'verify', '--backend-store-uri', d.uri, '--json']);
    expect(json.code).toBe(1);
    const wire = JSON.parse(json.out) as { breaks: { seq: number; reason: string }[] };
    expect(wire).toMatchObject({ valid: false, records: 16, broken_seq: 4, break_count: 2 });
    expect(wire.breaks.map((b) => [b.seq, b.reason])).toEqual([
      [4, 'hash_mismatch'],
      [11, 'hash_mismatch'],
    ]);
  });

  it('reports a deletion and an edit after it', async () => {
    const d = await chainOf(9);
    await sql`delete from audit_log where seq in (3, 4)`.execute(d.handle.db);
    await sql`update audit_log set request_id = 'forged' where seq = 8`.execute(d.handle.db);
    const res = await cli(['audit-log', 'verify', '--backend-store-uri', d.uri]);
    expect(res.code).toBe(1);
    expect(res.out).toContain('Audit log BROKEN at seq 3: records deleted.');
    expect(res.out).toContain('records 3 to 4 are missing (next stored record is 5)');
    expect(res.out).toContain('  seq 8: record edited.');
  });
});
