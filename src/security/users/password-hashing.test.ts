import { describe, expect, it } from 'vitest';
import { defaultScryptParams, hashPassword, needsRehash, verifyPassword } from './password-hashing.js';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('Correct-horse-42');
    expect(hash).not.toContain('Correct-horse-42');
    expect(await verifyPassword('Correct-horse-42', hash)).toBe(true);
    expect(await verifyPassword('Correct-horse-43', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('stores its parameters and a fresh 16-byte salt with every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('Same-password-1'), hashPassword('Same-password-1')]);
    expect(a).not.toBe(b);
    const parts = a.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64url')).toHaveLength(16);
    expect(parts[4]).not.toBe(b.split('$')[4]);
    expect(await verifyPassword('Same-password-1', b)).toBe(true);
  });

  it('verifies hashes made with other parameters and flags them for rehashing', async () => {
    const cheap = await hashPassword('Older-hash-123', { N: 2 ** 10, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('Older-hash-123', cheap)).toBe(true);
    expect(needsRehash(cheap)).toBe(true);
    expect(needsRehash(await hashPassword('Current-hash-1', defaultScryptParams))).toBe(false);
  });

  it('never matches a malformed or hostile stored hash', async () => {
    expect(await verifyPassword('anything', '')).toBe(false);
    expect(await verifyPassword('anything', 'plaintext-password')).toBe(false);
    expect(
      await verifyPassword('anything', 'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA'),
    ).toBe(false);
    expect(
      await verifyPassword('anything', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA'),
    ).toBe(false);
  });
});
