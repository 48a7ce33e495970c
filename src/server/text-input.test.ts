import { describe, expect, it } from 'vitest';
import { BosunError } from '../shared/errors.js';
import { checkRawQuery, checkText, decodeUtf8Body } from './text-input.js';

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).code).toBe('INVALID_PARAMETER_VALUE');
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('text input checks', () => {
  it('names the field holding a lone surrogate or NUL, at any depth, keys included', () => {
    expect(messageOf(() => checkText({ name: '\ud800x' }))).toBe(
      "Invalid value for parameter 'name' supplied: it contains a lone UTF-16 surrogate (\\ud800) at offset 0: " +
        'text must be well-formed Unicode.',
    );
    expect(
      messageOf(() => checkText({ run_id: 'r', tags: [{ key: 'k', value: 'ok' }, { key: 'a\u0000' }] })),
    ).toContain("'tags[1].key' supplied: it contains a NUL character (\\u0000) at offset 1");
    expect(messageOf(() => checkText({ a: { '\udc00b': 1 } }))).toContain("'a.\\udc00b'");
    expect(messageOf(() => checkText('x\u0000', 'path'))).toContain("'path'");
    expect(() =>
      checkText({ name: 'ok 😀 e\u0301 \ufffd', n: 1, b: true, z: null, list: [[['deep']]] }),
    ).not.toThrow();
    // A stream or a Buffer is not text.
    expect(() => checkText({ raw: Buffer.from([0xed, 0xa0, 0x80]) })).not.toThrow();
    expect(() => checkText(new Map([['k', '\ud800']]))).not.toThrow();
  });

  it('walks very deep and very wide bodies without recursion', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 50_000; i += 1) deep = [deep];
    expect(messageOf(() => checkText({ deep }))).toContain('lone UTF-16 surrogate');
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, `v${i}`]));
    expect(() => checkText(wide)).not.toThrow();
  });

  it('refuses percent-escapes in a query string that are not UTF-8', () => {
    for (const [url, field] of [
      ['/x?name=%ff', 'name'],
      ['/x?a=1&name=%ed%a0%80', 'name'],
      ['/x?name=%c0%ae', 'name'],
      ['/x?%ff=1', '%ff'],
      ['/x?n%61me=%e2%82', 'name'],
    ] as const) {
      expect(
        messageOf(() => checkRawQuery(url)),
        url,
      ).toContain(`'${field}' supplied: its percent-encoding`);
    }
    for (const url of [
      '/x',
      '/x?',
      '/x?name=a+b',
      '/x?name=%e2%82%ac',
      '/x?name=50%',
      '/x?name=%zz',
      '/x?name=%f0%9f%98%80&&x',
    ]) {
      expect(() => checkRawQuery(url), url).not.toThrow();
    }
  });

  it('decodes UTF-8 bodies strictly and keeps a byte order mark', () => {
    expect(decodeUtf8Body(Buffer.from('{"a":"é😀"}'))).toBe('{"a":"é😀"}');
    expect(decodeUtf8Body(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('\ufeff{}');
    for (const bytes of [[0xff], [0xed, 0xa0, 0x80], [0xc0, 0xae], [0xe2, 0x82]]) {
      expect(messageOf(() => decodeUtf8Body(Buffer.from(bytes)))).toBe(
        'The request body is not valid UTF-8 text',
      );
    }
  });
});
