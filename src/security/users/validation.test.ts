import { describe, expect, it } from 'vitest';
import { BosunError } from '../../shared/errors.js';
import { validatePassword, validateUsername } from './validation.js';

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof BosunError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

describe('username rules', () => {
  it('accepts 1 to 64 characters of letters, digits and _ . @ -', () => {
    for (const name of ['a', 'alice', 'Alice.Smith@example.com', 'ci_bot-2', 'x'.repeat(64)]) {
      expect(validateUsername(name)).toBe(name);
    }
  });

  it('refuses empty, too long and odd characters', () => {
    for (const name of ['', 'x'.repeat(65), 'al ice', 'al/ice', 'alïce', 'a:b', '../admin', 42, undefined]) {
      expect(refusal(() => validateUsername(name)).code).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

describe('password policy', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['empty', '', /Missing value/],
    ['missing', undefined, /Missing value/],
    ['one character', 'a', /at least 12 characters/],
    ['eleven characters', 'Abcdefgh12!', /at least 12 characters/],
    ['only lowercase', 'abcdefghijklmnop', /two of/],
    ['only digits', '12345678901234567', /two of/],
    ['common', 'Password1234', /too common/],
    ['common, other case', 'QWERTY123456', /too common/],
    ['the username', 'Alice.Smith2024', /not be the username/],
    ['too long', `Aa1${'x'.repeat(1100)}`, /at most 1024/],
  ];
  for (const [what, password, message] of cases) {
    it(`refuses a password that is ${what}`, () => {
      const result = refusal(() => validatePassword(password, 'alice.smith2024'));
      expect(result.code).toBe('INVALID_PARAMETER_VALUE');
      expect(result.message).toMatch(message);
      if (typeof password === 'string' && password.length >= 4)
        expect(result.message).not.toContain(password);
    });
  }

  it('accepts a long mixed password', () => {
    expect(validatePassword('sail-the-harbor-42', 'alice')).toBe('sail-the-harbor-42');
  });
});
