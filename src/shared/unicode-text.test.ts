import { describe, expect, it } from 'vitest';
import { clipText, codeUnitEscape, findTextFault, isWellFormedText, toStorableText } from './unicode-text.js';

describe('unicode text', () => {
  it('tells well-formed text from text with lone surrogates', () => {
    for (const text of ['', 'abc', '😀', 'e\u0301', '\ufffd', '\ufffe\uffff', 'a\u0000b']) {
      expect(isWellFormedText(text), JSON.stringify(text)).toBe(true);
    }
    for (const text of ['\ud800', '\udc00', 'x\ud83d', '\ude00\ud83d', '😀\ud83d', '\udbff\udbff\udfff']) {
      expect(isWellFormedText(text), JSON.stringify(text)).toBe(false);
    }
  });

  it('finds the first lone surrogate or NUL', () => {
    expect(findTextFault('ok 😀')).toBeUndefined();
    expect(findTextFault('ab\u0000\ud800')).toEqual({ kind: 'nul', index: 2, codeUnit: 0 });
    expect(findTextFault('😀\ud83dx')).toEqual({ kind: 'lone_surrogate', index: 2, codeUnit: 0xd83d });
    expect(findTextFault('\udfff')).toEqual({ kind: 'lone_surrogate', index: 0, codeUnit: 0xdfff });
    // Stateless between calls (the pattern is global).
    expect(findTextFault('\u0000')).toEqual({ kind: 'nul', index: 0, codeUnit: 0 });
    expect(findTextFault('\u0000')).toEqual({ kind: 'nul', index: 0, codeUnit: 0 });
    expect(codeUnitEscape(0xd800)).toBe('\\ud800');
  });

  it('writes out lone surrogates and NUL, and nothing else', () => {
    expect(toStorableText('\ud800x\u0000y\udfff')).toBe('\\ud800x\\u0000y\\udfff');
    expect(toStorableText('😀\ud83d')).toBe('😀\\ud83d');
    const kept = 'é e\u0301 😀 👩‍👩‍👧 \ufffd \u0001 \\ud800';
    expect(toStorableText(kept)).toBe(kept);
    for (const text of ['\ud800', '\u0000', '\udc00\ud800', 'a'.repeat(10) + '\ud800']) {
      const stored = toStorableText(text);
      expect(isWellFormedText(stored)).toBe(true);
      expect(Buffer.from(stored, 'utf8').toString('utf8')).toBe(stored);
      expect(toStorableText(stored)).toBe(stored);
    }
  });

  it('clips without splitting a surrogate pair', () => {
    expect(clipText('abc', 3)).toBe('abc');
    expect(clipText('abcd', 3)).toBe('ab…');
    expect(clipText('a😀b', 3)).toBe('a…');
    expect(clipText('ab😀', 3)).toBe('ab…');
    expect(clipText('😀😀', 3)).toBe('😀…');
    expect(clipText('😀😀', 1)).toBe('…');
    for (let max = 1; max < 12; max += 1) expect(isWellFormedText(clipText('😀'.repeat(10), max))).toBe(true);
  });
});
