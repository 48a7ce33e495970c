import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/index.js';
import { testEngines } from '../../db/test-support/test-databases.js';
import { AuditLog, type AuditRecordInput } from './audit-log.js';
import { openAuditTestDatabase } from './test-support/audit-database.js';

type AuditTestDb = Awaited<ReturnType<typeof openAuditTestDatabase>>;

/** Text no caller should be able to use to break the chain, alone and mixed. */
const hostile: Record<string, string> = {
  loneHigh: '\ud800x',
  loneLow: 'x\udfff',
  reversedPair: '\ude00\ud83d',
  pairThenLone: '😀\ud83d',
  nul: 'a\u0000b',
  onlyNul: '\u0000',
  replacement: '\ufffd',
  emoji: '👩‍👩‍👧‍👦 🇫🇷 😀',
  combining: 'e\u0301\u0323\u0304 Å Å',
  nonCharacters: '\ufffe\uffff',
  controls: '\u0001\u001f\u007f\u0085\u2028\u2029',
  backslashes: '\\ud800 \\u0000 \\',
  rtl: '\u202eevil\u202c',
  longAscii: 'a'.repeat(100_000),
  longEmoji: '😀'.repeat(5_000),
  // A pair that straddles every clip limit (actor 256, fields 512, action 1024).
  pairAtLimits: `${'a'.repeat(254)}😀${'b'.repeat(256)}😀${'c'.repeat(510)}😀`,
  longLone: '\udc00'.repeat(3_000),
};

function hostileRecord(name: string, text: string, i: number): AuditRecordInput {
  return {
    actor: `${text}-actor`,
    action: `POST /api/x/${text}`,
    resource: { type: `type-${text}`, id: text },
    outcome: 'error',
    statusCode: 400,
    requestId: text,
    clientAddress: text,
    at: 1_700_000_000_000 + i,
    details: { name, [text]: text, nested: [text, { text }] },
  };
}

describe.each(testEngines)('audit chain with hostile text on %s', (engine) => {
  let database: AuditTestDb | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  it('appends every record and verifies it after a round trip through the database', async () => {
    database = await openAuditTestDatabase(engine);
    const log = new AuditLog();
    let i = 0;
    for (const [name, text] of Object.entries(hostile)) {
      i += 1;
      await log.append(database.audit, {
        actor: 'ana',
        action: 'POST /ok',
        resource: { type: 'route' },
        outcome: 'success',
        at: i,
      });
      await log.append(database.audit, hostileRecord(name, text, i));
    }
    const count = Object.keys(hostile).length * 2;

    // A second connection reads only what the database kept.
    const other = openDatabase(database.uri);
    try {
      const result = await new AuditLog().verify(other.db, { pageSize: 3 });
      expect(result).toMatchObject({ valid: true, records: count, headSeq: count });
    } finally {
      await other.close();
    }

    // Every stored text column is well-formed Unicode without NUL, so it reads back exactly as it was hashed.
    const rows = await sql<Record<string, unknown>>`select * from audit_log order by seq`.execute(
      database.audit,
    );
    for (const row of rows.rows) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value !== 'string') continue;
        expect(value.includes('\u0000'), `${column} of ${String(row.seq)}`).toBe(false);
        expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)).toBe(
          false,
        );
      }
    }
  });

  it('keeps the evidence readable: lone surrogates and NUL written out, the rest unchanged', async () => {
    database = await openAuditTestDatabase(engine);
    const log = new AuditLog();
    for (const [name, text] of Object.entries(hostile)) {
      if (text.length > 600) continue;
      await log.append(database.audit, hostileRecord(name, text, 1));
    }
    const page = await log.list(database.audit, { maxResults: 1000 });
    const byName = new Map(page.items.map((e) => [(e.details as { name: string }).name, e]));
    expect(byName.get('loneHigh')?.resource.id).toBe('\\ud800x');
    expect(byName.get('loneLow')?.resource.id).toBe('x\\udfff');
    expect(byName.get('reversedPair')?.resource.id).toBe('\\ude00\\ud83d');
    expect(byName.get('pairThenLone')?.resource.id).toBe('😀\\ud83d');
    expect(byName.get('nul')?.resource.id).toBe('a\\u0000b');
    for (const name of [
      'replacement',
      'emoji',
      'combining',
      'nonCharacters',
      'controls',
      'backslashes',
      'rtl',
    ]) {
      expect(byName.get(name)?.resource.id, name).toBe(hostile[name]);
      // details keep the caller's exact text (canonical JSON escapes what it must).
      expect((byName.get(name)?.details as { nested: string[] }).nested[0], name).toBe(hostile[name]);
    }
    expect((byName.get('loneHigh')?.details as { nested: string[] }).nested[0]).toBe('\ud800x');
    expect((byName.get('nul')?.details as { nested: string[] }).nested[0]).toBe('a\u0000b');
  });

  it('shortens long text without splitting a surrogate pair', async () => {
    database = await openAuditTestDatabase(engine);
    const log = new AuditLog();
    const entry = await log.append(
      database.audit,
      hostileRecord('pairAtLimits', hostile.pairAtLimits ?? '', 1),
    );
    for (const text of [entry.actor, entry.action, entry.resource.id ?? '', entry.requestId ?? '']) {
      expect(text.endsWith('…')).toBe(true);
      expect(text).not.toMatch(/\\ud[89a-f]/);
    }
    expect(entry.actor.length).toBeLessThanOrEqual(256);
    expect((entry.resource.id ?? '').length).toBeLessThanOrEqual(512);
    expect((await log.verify(database.audit)).valid).toBe(true);
  });
});
