import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/index.js';
import { testEngines } from '../../db/test-support/test-databases.js';
import { AuditLog, type AuditRecordInput, type AuditVerifyResult } from './audit-log.js';
import { formatVerifyReport } from './verify-report.js';
import { openAuditTestDatabase } from './test-support/audit-database.js';

type AuditTestDb = Awaited<ReturnType<typeof openAuditTestDatabase>>;

function record(i: number): AuditRecordInput {
  return {
    actor: i % 2 === 0 ? 'ana' : 'bob',
    action: 'POST /api/2.0/mlflow/runs/create',
    resource: { type: 'experiment', id: String(i) },
    outcome: 'success',
    statusCode: 200,
    at: 1_700_000_000_000 + i,
    details: { n: i },
  };
}

function breaksOf(result: AuditVerifyResult): [number, string][] {
  return result.valid ? [] : result.breaks.map((b) => [b.seq, b.reason]);
}

describe.each(testEngines)('audit verify reports every break on %s', (engine) => {
  let database: AuditTestDb | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  async function chain(n: number): Promise<AuditTestDb> {
    database = await openAuditTestDatabase(engine);
    const log = new AuditLog();
    for (let i = 1; i <= n; i += 1) await log.append(database.audit, record(i));
    return database;
  }

  /** Verifies through a fresh connection to the database, as `bosun audit-log verify` does. */
  async function verifyFresh(d: AuditTestDb, pageSize = 3): Promise<AuditVerifyResult> {
    const handle = openDatabase(d.uri);
    try {
      return await new AuditLog().verify(handle.db, { pageSize });
    } finally {
      await handle.close();
    }
  }

  it('reports two separately edited records and keeps checking past both', async () => {
    const d = await chain(10);
    await sql`update audit_log set actor = 'mallory' where seq = 3`.execute(d.audit);
    await sql`update audit_log set details = '{"n":99}' where seq = 8`.execute(d.audit);
    const result = await verifyFresh(d);
    expect(breaksOf(result)).toEqual([
      [3, 'hash_mismatch'],
      [8, 'hash_mismatch'],
    ]);
    expect(result).toMatchObject({ valid: false, records: 10, breakCount: 2, brokenSeq: 3 });
    const report = formatVerifyReport(result);
    expect(report).toContain('Audit log BROKEN at seq 3: record edited');
    expect(report).toContain('2 break(s)');
    expect(report).toMatch(/seq 3: .*record 3 does not match its hash/);
    expect(report).toMatch(/seq 8: .*record 8 does not match its hash/);
  });

  it('reports an edit, a deletion, a re-linked record and a truncated tail in one pass', async () => {
    const d = await chain(12);
    await sql`update audit_log set outcome = 'denied' where seq = 2`.execute(d.audit);
    await sql`delete from audit_log where seq = 5`.execute(d.audit);
    await sql`update audit_log set prev_hash = ${'f'.repeat(64)} where seq = 9`.execute(d.audit);
    await sql`delete from audit_log where seq = 12`.execute(d.audit);
    const result = await verifyFresh(d);
    expect(breaksOf(result)).toEqual([
      [2, 'hash_mismatch'],
      [5, 'seq_gap'],
      [9, 'prev_hash_mismatch'],
      [9, 'hash_mismatch'],
      [12, 'head_mismatch'],
    ]);
    expect(result).toMatchObject({ valid: false, records: 10, breakCount: 5 });
  });

  it('reports records deleted at the start and records inserted outside the chain', async () => {
    const d = await chain(5);
    await sql`delete from audit_log where seq <= 2`.execute(d.audit);
    await sql`insert into audit_log (seq, at, actor, action, resource_type, outcome, prev_hash, hash)
      values (0, 1, 'mallory', 'POST /x', 'route', 'success', ${'0'.repeat(64)}, ${'0'.repeat(64)})`.execute(
      d.audit,
    );
    const result = await verifyFresh(d);
    expect(breaksOf(result)).toEqual([
      [0, 'unexpected_record'],
      [1, 'seq_gap'],
    ]);
    if (!result.valid) expect(result.breaks[1]?.message).toContain('records 1 to 2 are missing');
  });

  it('reports records inserted past the head', async () => {
    const d = await chain(4);
    await sql`insert into audit_log (seq, at, actor, action, resource_type, outcome, prev_hash, hash)
      values (7, 1, 'mallory', 'POST /x', 'route', 'success', ${'0'.repeat(64)}, ${'0'.repeat(64)})`.execute(
      d.audit,
    );
    const result = await verifyFresh(d);
    expect(breaksOf(result)).toEqual([
      [5, 'seq_gap'],
      [7, 'hash_mismatch'],
      [5, 'head_mismatch'],
    ]);
    expect(result.records).toBe(5);
  });

  it('never reports a break for records appended while it runs', async () => {
    const d = await chain(3);
    const log = new AuditLog();
    let appending = true;
    const appender = (async () => {
      for (let i = 0; i < 150; i += 1) await log.append(d.audit, record(100 + i));
      appending = false;
    })();
    const results: AuditVerifyResult[] = [];
    while (appending) results.push(await log.verify(d.audit, { pageSize: 50 }));
    await appender;
    results.push(await log.verify(d.audit, { pageSize: 50 }));
    expect(results.length).toBeGreaterThan(2);
    for (const result of results) expect(breaksOf(result)).toEqual([]);
    expect(results.at(-1)).toMatchObject({ valid: true, records: 153 });
  });

  it('checks an anchor without stopping at it', async () => {
    const d = await chain(6);
    const log = new AuditLog();
    await sql`update audit_log set actor = 'mallory' where seq = 5`.execute(d.audit);
    const result = await log.verify(d.audit, { anchor: { seq: 3, hash: 'a'.repeat(64) } });
    expect(breaksOf(result)).toEqual([
      [3, 'anchor_mismatch'],
      [5, 'hash_mismatch'],
    ]);
  });

  it('caps the list of breaks but counts them all', async () => {
    const d = await chain(8);
    await sql`update audit_log set actor = 'mallory'`.execute(d.audit);
    const result = await new AuditLog().verify(d.audit, { maxBreaks: 3 });
    expect(result).toMatchObject({ valid: false, records: 8, breakCount: 8 });
    expect(breaksOf(result)).toEqual([
      [1, 'hash_mismatch'],
      [2, 'hash_mismatch'],
      [3, 'hash_mismatch'],
    ]);
    expect(formatVerifyReport(result)).toContain('5 more break(s) not listed');
  });

  it('says when an edited-looking record may be one written before invalid Unicode was refused', async () => {
    const d = await chain(3);
    // What an older Bosun left behind: the hash covered a lone surrogate the database replaced with U+FFFD.
    await sql`update audit_log set resource_id = ${'\ufffdx'} where seq = 2`.execute(d.audit);
    const result = await verifyFresh(d);
    expect(breaksOf(result)).toEqual([[2, 'hash_mismatch']]);
    if (!result.valid) expect(result.breaks[0]?.message).toContain('U+FFFD');
  });
});
