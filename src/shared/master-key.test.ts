import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from './errors.js';
import { MasterKey, parseMasterKey } from './master-key.js';

describe('parseMasterKey', () => {
  const bytes = randomBytes(32);
  const b64 = bytes.toString('base64');

  it('parses bare base64 with a derived, stable id', () => {
    const a = parseMasterKey(`  ${b64}\n`);
    const b = parseMasterKey(b64);
    expect(a.bytes().equals(bytes)).toBe(true);
    expect(a.id).toMatch(/^k-[0-9a-f]{16}$/);
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(MasterKey.generate().id);
    expect(b64).not.toContain(a.id.slice(2));
  });

  it('parses id:base64 and round-trips export()', () => {
    const key = parseMasterKey(`prod-2026:${b64}`);
    expect(key.id).toBe('prod-2026');
    const again = parseMasterKey(key.export());
    expect(again.id).toBe('prod-2026');
    expect(again.bytes().equals(bytes)).toBe(true);
  });

  it('refuses empty, short, long, non-base64 keys and bad ids without echoing the text', () => {
    const bad = [
      '',
      '   ',
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      'not base64 at all!!',
      `bad id:${b64}`,
      `:${b64}`,
      b64.slice(1),
    ];
    for (const text of bad) {
      let caught: unknown;
      try {
        parseMasterKey(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidParameterError);
      if (text.trim().length > 4) expect((caught as Error).message).not.toContain(text.trim());
    }
  });

  it('never shows the key bytes', () => {
    const key = parseMasterKey(`shown:${b64}`);
    for (const text of [String(key), JSON.stringify(key), inspect(key, { showHidden: true }), `${key}`]) {
      expect(text).not.toContain(b64);
      expect(text).toContain('shown');
    }
  });
});
