import { describe, expect, it } from 'vitest';
import { allowedHostEntries, isHostAllowed, isLoopbackHost, parseAuthorization } from './index.js';

describe('isLoopbackHost', () => {
  it('knows loopback from the rest', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'localhost',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'example.com', '128.0.0.1', '::2']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe('Host allowlist', () => {
  it('defaults to the listen host and loopback names on any port', () => {
    const entries = allowedHostEntries('127.0.0.1', []);
    expect(isHostAllowed('127.0.0.1:5000', entries)).toBe(true);
    expect(isHostAllowed('LOCALHOST:5000', entries)).toBe(true);
    expect(isHostAllowed('[::1]:5000', entries)).toBe(true);
    expect(isHostAllowed('evil.example', entries)).toBe(false);
    expect(isHostAllowed('127.0.0.1.evil.example', entries)).toBe(false);
    expect(isHostAllowed(undefined, entries)).toBe(false);
    expect(isHostAllowed('a b', entries)).toBe(false);
  });

  it('uses the configured list (with optional ports) instead, and * allows all', () => {
    const entries = allowedHostEntries('0.0.0.0', ['bosun.example.com', 'other.example:8443']);
    expect(isHostAllowed('bosun.example.com:443', entries)).toBe(true);
    expect(isHostAllowed('other.example:8443', entries)).toBe(true);
    expect(isHostAllowed('other.example:80', entries)).toBe(false);
    expect(isHostAllowed('localhost', entries)).toBe(false);
    expect(isHostAllowed('anything', allowedHostEntries('0.0.0.0', ['*']))).toBe(true);
  });
});

describe('parseAuthorization', () => {
  it('reads Basic and Bearer and refuses the rest', () => {
    const b64 = Buffer.from('ann:pa:ss').toString('base64');
    expect(parseAuthorization(`basic ${b64}`)).toEqual({ kind: 'basic', username: 'ann', password: 'pa:ss' });
    expect(parseAuthorization('Bearer bsn_abc')).toEqual({ kind: 'bearer', token: 'bsn_abc' });
    expect(parseAuthorization(undefined)).toEqual({ kind: 'missing' });
    expect(parseAuthorization('Basic')).toEqual({ kind: 'malformed' });
    expect(parseAuthorization('Negotiate abc')).toEqual({ kind: 'malformed' });
    expect(parseAuthorization(`Basic ${Buffer.from(':x').toString('base64')}`)).toEqual({
      kind: 'malformed',
    });
  });
});
