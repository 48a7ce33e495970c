import { describe, expect, it } from 'vitest';
import { validateUsername } from '../security/users/validation.js';
import {
  anchored,
  decimalRangeSyntax,
  experimentIdSyntax,
  int32Max,
  isExperimentId,
  isSerialId,
  usernameSyntax,
} from './id-syntax.js';

const bad = ['', '01', '00', '+1', '-1', '1.0', ' 1', '1 ', '１', '١', '0x1', '1e0', '1_0', '1\n', 'NaN'];

describe('canonical decimal ids', () => {
  it('matches exactly the canonical spellings of min..max (every value, for small ranges)', () => {
    for (const max of [1, 7, 9, 10, 19, 20, 99, 100, 305, 1000, 2024]) {
      for (const min of [0, 1] as const) {
        const re = new RegExp(anchored(decimalRangeSyntax(min, max)));
        for (let n = 0; n <= max + 50; n++) {
          expect([min, max, n, re.test(String(n))]).toEqual([min, max, n, n >= min && n <= max]);
          expect(re.test(`0${n}`)).toBe(false);
        }
      }
    }
  });

  it('takes 0 to 2147483647 as experiment ids and 1 to 2147483647 as serial ids, one spelling each', () => {
    for (const good of ['0', '1', '9', '10', '1999999999', '2000000000', '2147483646', String(int32Max)]) {
      expect([good, isExperimentId(good)]).toEqual([good, true]);
    }
    for (const value of [...bad, '2147483648', '2147483650', '2200000000', '9999999999', '10000000000']) {
      expect([value, isExperimentId(value), isSerialId(value)]).toEqual([value, false, false]);
    }
    expect(isSerialId('0')).toBe(false);
    expect(isSerialId('1')).toBe(true);
    expect(isSerialId(String(int32Max))).toBe(true);
    expect(experimentIdSyntax).not.toContain(' ');
  });

  it('spells usernames as the user service accepts them', () => {
    const re = new RegExp(anchored(usernameSyntax));
    for (const name of [
      'bob',
      'Bob.Smith',
      'a@b-c_d',
      'x'.repeat(64),
      'x'.repeat(65),
      ' bob',
      'bób',
      '\u212Aate',
      '',
    ]) {
      let accepted = true;
      try {
        validateUsername(name);
      } catch {
        accepted = false;
      }
      expect([name, re.test(name)]).toEqual([name, accepted]);
    }
  });
});
