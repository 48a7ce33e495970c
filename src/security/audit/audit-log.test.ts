import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../db/test-support/test-databases.js';
import { BosunError } from '../../shared/errors.js';
import { AUDIT_GENESIS_HASH, AuditLog, type AuditRecordInput } from './audit-log.js';
import { formatVerifyReport } from './verify-report.js';
import { ensureAuditTables, openAuditTestDatabase } from './test-support/audit-database.js';

type AuditTestDb = Awaited<ReturnType<typeof openAuditTestDatabase>>;

function record(i: number, overrides: Partial<AuditRecordInput> = {}): AuditRecordInput {
  return {
    actor: i % 2 === 0 ? 'ana' : 'bob',
    action: 'POST /api/2.0/mlflow/runs/create',
    resource: { type: 'experiment', id: String(i) },
    outcome: 'success',
    statusCode: 200,
    requestId: `req-${i}`,
    clientAddress: '127.0.0.1',
    at: 1_700_000_000_000 + i,
    details: { n: i },
    ...overrides,
  };
}

describe.each(testEngines)('audit log on %s', (engine) => {
  let database: AuditTestDb | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  async function open(): Promise<AuditTestDb> {
    database = await openAuditTestDatabase(engine);
    return database;
  }

  async function appendMany(log: AuditLog, d: AuditTestDb, n: number): Promise<void> {
    for (let i = 1; i <= n; i += 1) await log.append(d.audit, record(i));
  }

  it('chains appends from the genesis hash and verifies them', async () => {
    const d = await open();
    const log = new AuditLog();
    expect(await log.verify(d.audit)).toEqual({
      valid: true,
      records: 0,
      headSeq: 0,
      headHash: AUDIT_GENESIS_HASH,
    });
    const first = await log.append(d.audit, record(1));
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    const second = await log.append(d.audit, record(2));
    expect(second.prevHash).toBe(first.hash);
    for (let i = 3; i <= 12; i += 1) await log.append(d.audit, record(i));
    // A small page size makes verify cross page boundaries.
    const result = await log.verify(d.audit, { pageSize: 5 });
    expect(result.valid).toBe(true);
    if (result.valid) expect(result.headSeq).toBe(12);
    expect(formatVerifyReport(result)).toContain('Audit log OK: 12 record(s)');
    // Ensuring the tables again is a no-op.
    await ensureAuditTables(d.handle);
    expect((await log.verify(d.audit)).valid).toBe(true);
  });

  it('detects a record edited through SQL', async () => {
    const d = await open();
    const log = new AuditLog();
    await appendMany(log, d, 6);
    await sql`update audit_log set actor = 'mallory' where seq = 4`.execute(d.audit);
    const result = await log.verify(d.audit, { pageSize: 2 });
    expect(result).toMatchObject({
      valid: false,
      brokenSeq: 4,
      reason: 'hash_mismatch',
      records: 6,
      breakCount: 1,
    });
    expect(formatVerifyReport(result)).toContain('BROKEN at seq 4: record edited');
  });

  it('detects edited details and an edited outcome', async () => {
    const d = await open();
    const log = new AuditLog();
    await appendMany(log, d, 3);
    await sql`update audit_log set details = '{"n":99}' where seq = 2`.execute(d.audit);
    expect(await log.verify(d.audit)).toMatchObject({ valid: false, brokenSeq: 2, reason: 'hash_mismatch' });
  });

  it('detects a deleted middle record', async () => {
    const d = await open();
    const log = new AuditLog();
    await appendMany(log, d, 6);
    await sql`delete from audit_log where seq = 3`.execute(d.audit);
    const result = await log.verify(d.audit);
    expect(result).toMatchObject({ valid: false, brokenSeq: 3, reason: 'seq_gap' });
    expect(formatVerifyReport(result)).toContain('records deleted');
  });

  it('detects a deleted record whose successors were renumbered', async () => {
    const d = await open();
    const log = new AuditLog();
    await appendMany(log, d, 5);
    await sql`delete from audit_log where seq = 2`.execute(d.audit);
    for (const seq of [3, 4, 5]) {
      await sql`update audit_log set seq = ${seq - 1} where seq = ${seq}`.execute(d.audit);
    }
    expect(await log.verify(d.audit)).toMatchObject({
      valid: false,
      brokenSeq: 2,
      reason: 'prev_hash_mismatch',
    });
  });

  it('detects the deleted last record through the head row', async () => {
    const d = await open();
    const log = new AuditLog();
    await appendMany(log, d, 5);
    await sql`delete from audit_log where seq = 5`.execute(d.audit);
    const result = await log.verify(d.audit);
    expect(result).toMatchObject({ valid: false, brokenSeq: 5, reason: 'head_mismatch', records: 4 });
    expect(formatVerifyReport(result)).toContain('tail truncated');
  });

  it('detects a truncated tail with a rewound head through an anchor', async () => {
    const d = await open();
    const log = new AuditLog();
    await appendMany(log, d, 5);
    const before = await log.verify(d.audit);
    if (!before.valid) throw new Error('expected a valid chain');
    const rows = await d.audit.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '=', 4).execute();
    await sql`delete from audit_log where seq = 5`.execute(d.audit);
    await d.audit
      .updateTable('audit_head')
      .set({ seq: 4, hash: rows[0]?.hash ?? '' })
      .execute();
    expect((await log.verify(d.audit)).valid).toBe(true);
    expect(
      await log.verify(d.audit, { anchor: { seq: before.headSeq, hash: before.headHash } }),
    ).toMatchObject({
      valid: false,
      reason: 'anchor_mismatch',
      brokenSeq: 5,
    });
  });

  it('keeps one gap-free chain under 50 concurrent appends', async () => {
    const d = await open();
    const log = new AuditLog();
    const entries = await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.append(d.audit, record(i + 1))),
    );
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const seqs = await d.audit.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const result = await log.verify(d.audit, { pageSize: 7 });
    expect(result).toMatchObject({ valid: true, records: 50, headSeq: 50 });
  });

  it('appends inside the caller transaction and rolls back with it', async () => {
    const d = await open();
    const log = new AuditLog();
    await log.append(d.audit, record(1));
    await expect(
      d.audit.transaction().execute(async (trx) => {
        await log.append(trx, record(2));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const result = await log.verify(d.audit);
    expect(result).toMatchObject({ valid: true, records: 1, headSeq: 1 });
  });

  it('never stores passwords, tokens or credentials', async () => {
    const d = await open();
    const log = new AuditLog();
    const password = 'Pa55word-very-secret-1';
    const token = 'bsn_tok_9f8e7d6c5b4a3210';
    const basic = Buffer.from(`ana:${password}`).toString('base64');
    const secretValue = 'the-secret-value-42';
    await log.append(d.audit, {
      ...record(1),
      action: `POST /api/2.0/mlflow/users/create?access_token=${token}`,
      details: {
        body: { username: 'ana', password, nested: [{ token }] },
        headers: { Authorization: `Basic ${basic}`, 'x-other': `Bearer ${token}` },
        message: `login with password=${password} failed`,
      },
    });
    await log.append(d.audit, {
      ...record(2),
      action: 'secrets.put',
      resource: { type: 'secret', id: 'db/creds' },
      details: { value: secretValue, data: { user: 'x', pass: password } },
    });
    const raw = await sql<Record<string, unknown>>`select * from audit_log`.execute(d.audit);
    const text = JSON.stringify(raw.rows);
    expect(raw.rows).toHaveLength(2);
    for (const needle of [password, token, basic, secretValue]) expect(text).not.toContain(needle);
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('ana');
    expect((await log.verify(d.audit)).valid).toBe(true);
  });

  it('lists newest first with filters and page tokens', async () => {
    const d = await open();
    const log = new AuditLog();
    await appendMany(log, d, 7);
    await log.append(d.audit, {
      ...record(8),
      actor: 'anonymous',
      outcome: 'unauthenticated',
      statusCode: 401,
    });
    const page1 = await log.list(d.audit, { maxResults: 3 });
    expect(page1.items.map((e) => e.seq)).toEqual([8, 7, 6]);
    expect(page1.items[0]).toMatchObject({
      actor: 'anonymous',
      outcome: 'unauthenticated',
      statusCode: 401,
      resource: { type: 'experiment', id: '8' },
      details: { n: 8 },
    });
    const page2 = await log.list(d.audit, { maxResults: 3, pageToken: page1.nextPageToken });
    expect(page2.items.map((e) => e.seq)).toEqual([5, 4, 3]);
    const page3 = await log.list(d.audit, { maxResults: 3, pageToken: page2.nextPageToken });
    expect(page3.items.map((e) => e.seq)).toEqual([2, 1]);
    expect(page3.nextPageToken).toBeUndefined();

    const ana = await log.list(d.audit, { actor: 'ana' });
    expect(ana.items.map((e) => e.seq)).toEqual([6, 4, 2]);
    const denied = await log.list(d.audit, { outcome: 'unauthenticated' });
    expect(denied.items.map((e) => e.seq)).toEqual([8]);
    const window = await log.list(d.audit, { since: 1_700_000_000_003, until: 1_700_000_000_005 });
    expect(window.items.map((e) => e.seq)).toEqual([4, 3]);
    const byAction = await log.list(d.audit, { action: 'POST /api/2.0/mlflow/runs/create', maxResults: 1 });
    expect(byAction.items.map((e) => e.seq)).toEqual([8]);
  });

  it('refuses bad input with typed errors', async () => {
    const d = await open();
    const log = new AuditLog();
    await expect(log.append(d.audit, { ...record(1), actor: '' })).rejects.toBeInstanceOf(BosunError);
    await expect(
      log.append(d.audit, { ...record(1), outcome: 'maybe' as unknown as 'success' }),
    ).rejects.toBeInstanceOf(BosunError);
    await expect(log.append(d.audit, { ...record(1), statusCode: 42 })).rejects.toBeInstanceOf(BosunError);
    await expect(log.list(d.audit, { maxResults: 0 })).rejects.toBeInstanceOf(BosunError);
    await expect(log.list(d.audit, { pageToken: '!!not-a-token' })).rejects.toBeInstanceOf(BosunError);
    expect((await log.verify(d.audit)).valid).toBe(true);
  });
});
