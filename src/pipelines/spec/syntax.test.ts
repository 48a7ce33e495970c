import { describe, expect, it } from 'vitest';
import { validateSecretPath } from '../../security/secrets/index.js';
import { parseDuration, RELATIVE_PATH_PATTERN, SECRET_PATH_PATTERN } from './syntax.js';

describe('secret paths', () => {
  const accepts = (path: string) => {
    try {
      validateSecretPath(path);
      return true;
    } catch {
      return false;
    }
  };
  const cases = [
    'team/db-password',
    'a',
    'a.b/c_d/E-9',
    '..',
    '.',
    'a/./b',
    'a/../b',
    '/a',
    'a/',
    'a//b',
    '...',
    'a/.x',
    'x/..y',
    'a b',
    'ä',
    '',
    'a'.repeat(512),
    'a'.repeat(513),
  ];

  it.each(cases)('the spec pattern agrees with the secret store on %j', (path) => {
    const pattern = new RegExp(SECRET_PATH_PATTERN, 'u');
    expect(pattern.test(path) && path.length <= 512).toBe(accepts(path));
  });
});

describe('durations', () => {
  it('reads units and sums parts', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('refuses what is not one', () => {
    for (const text of ['', '10', '1.5h', '5 m', '-1s', '1w', 'm'])
      expect(parseDuration(text)).toBeUndefined();
  });
});

describe('paths inside the code folder', () => {
  it('are relative and never climb out', () => {
    const pattern = new RegExp(RELATIVE_PATH_PATTERN, 'u');
    for (const ok of ['train.py', 'a/b/c.py', './x.py', 'a/..b/c', 'a..b'])
      expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a/..', '..', 'a//b', 'a\\b', ''])
      expect(pattern.test(bad), bad).toBe(false);
  });
});
