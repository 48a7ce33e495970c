import { describe, expect, it } from 'vitest';
import { canonicalJson } from './chain.js';
import { REDACTED, isSensitiveKey, redact, redactString } from './redact.js';

describe('redact', () => {
  it('redacts sensitive keys at any depth, case-insensitively', () => {
    const out = redact({
      user: 'ana',
      Password: 'hunter2',
      nested: { API_KEY: 'k1', list: [{ clientSecret: 's1' }, { 'X-Auth-Token': 't1' }], keep: 1 },
      headers: { Authorization: 'Bearer abc', 'content-type': 'application/json' },
    });
    expect(out).toEqual({
      user: 'ana',
      Password: REDACTED,
      nested: {
        API_KEY: REDACTED,
        list: [{ clientSecret: REDACTED }, { 'X-Auth-Token': REDACTED }],
        keep: 1,
      },
      headers: { Authorization: REDACTED, 'content-type': 'application/json' },
    });
  });

  it('scrubs credential-looking strings wherever they appear', () => {
    expect(redactString('header was Bearer eyJhbGciOi.abc.def-123')).toBe(`header was Bearer ${REDACTED}`);
    expect(redactString('Basic dXNlcjpwYXNzd29yZA==')).toBe(`Basic ${REDACTED}`);
    expect(redactString('postgresql://bosun:s3cr3t@db:5432/x')).toBe(
      `postgresql://bosun:${REDACTED}@db:5432/x`,
    );
    expect(redactString('GET /x?token=abc123&page=2')).toBe(`GET /x?token=${REDACTED}&page=2`);
    expect(redactString('note: password = "p w"')).toBe(`note: password = ${REDACTED}`);
    expect(redactString('plain words only')).toBe('plain words only');
  });

  it('redacts secret values only when the record concerns a secret', () => {
    expect(redact({ value: 'v' })).toEqual({ value: 'v' });
    expect(redact({ value: 'v', data: { a: 1 }, path: 'p' }, { secretValues: true })).toEqual({
      value: REDACTED,
      data: REDACTED,
      path: 'p',
    });
    expect(isSensitiveKey('tag_value')).toBe(false);
  });

  it('turns non-JSON values into JSON ones', () => {
    expect(redact({ a: 1n, b: Number.NaN, c: undefined, d: new Date(0), e: Buffer.from('x') })).toEqual({
      a: '1',
      b: null,
      d: '1970-01-01T00:00:00.000Z',
      e: '[BINARY]',
    });
  });
});

describe('canonicalJson', () => {
  it('sorts keys recursively and is stable', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});
