import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SECRET_MASK,
  SecretMasker,
  SecretTooShortError,
  secretMaskingStream,
  secretPatterns,
} from './secret-masker.js';

/** Every encoding the masker promises to catch, as UTF-8/ASCII text. */
function encodings(secret: string): string[] {
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  const url = (s: string): string => s.replace(/\+/g, '-').replace(/\//g, '_');
  const uri = encodeURIComponent(secret);
  return [
    secret,
    b64,
    b64.replace(/=+$/, ''),
    url(b64),
    url(b64).replace(/=+$/, ''),
    uri,
    uri.replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

function maskInChunks(secrets: string[], input: Buffer, cuts: number[]): Buffer {
  const masker = new SecretMasker(secrets);
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of [...points, input.length]) {
    parts.push(masker.write(input.subarray(from, p)));
    from = p;
  }
  parts.push(masker.end());
  return Buffer.concat(parts);
}

// Secrets with `*` are left out: `***` beside surrounding text could re-form them (documented limitation).
const secretArb = fc
  .string({
    unit: fc.constantFrom(...Array.from('abcXYZ019 +/=-_%"\\\n\\té€😀')),
    minLength: 4,
    maxLength: 24,
  })
  .filter((s) => [...s].length >= 4 && !s.includes('*'));
const textArb = fc.string({ unit: 'grapheme', maxLength: 60 });
const cutsArb = fc.array(fc.nat({ max: 10_000 }), { maxLength: 8 });

describe('SecretMasker', () => {
  it('masks each encoding of a secret, whole and split across writes', () => {
    const secret = 'p@ss w0rd/+?&é';
    for (const encoded of encodings(secret)) {
      const input = Buffer.from(`before ${encoded} after\n`, 'utf8');
      for (let cut = 0; cut <= input.length; cut += 1) {
        const out = maskInChunks([secret], input, [cut]).toString('utf8');
        expect(out).toBe(`before ${SECRET_MASK} after\n`);
      }
    }
  });

  it('masks a secret inside a longer base64 text at each of the three alignments', () => {
    const secret = 'correct horse battery';
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      const text = Buffer.from(`${prefix}${secret}-trailer`, 'utf8').toString('base64');
      const out = maskInChunks([secret], Buffer.from(`data: ${text}\n`), []).toString();
      expect(out).toContain(SECRET_MASK);
      for (const e of secretPatterns([secret])) expect(out).not.toContain(e);
    }
  });

  it('masks each line of a multi-line secret', () => {
    const secret = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\nab\n-----END KEY-----';
    const input = Buffer.from('line one: MIIBOgIBAAJBAK\nheader -----BEGIN KEY----- x\nab stays\n');
    const out = maskInChunks([secret], input, [7, 30]).toString();
    expect(out).toBe(`line one: ${SECRET_MASK}\nheader ${SECRET_MASK} x\nab stays\n`);
  });

  it('refuses secrets shorter than four characters', () => {
    expect(() => new SecretMasker(['abc'])).toThrow(SecretTooShortError);
    expect(() => new SecretMasker(['abc'])).toThrow(/shorter than 4 characters/);
    expect(() => new SecretMasker(['abcd'])).not.toThrow();
  });

  it('accepts a secret with a lone surrogate (as UTF-8 writes it, U+FFFD)', () => {
    const out = maskInChunks(['ab\ud800cd'], Buffer.from('x ab\ufffdcd y'), [4]).toString();
    expect(out).toBe(`x ${SECRET_MASK} y`);
  });

  it('masks overlapping and repeated occurrences as one run', () => {
    const out = maskInChunks(['abab'], Buffer.from('xababababy abab'), [3, 6]).toString();
    expect(out).toBe(`x${SECRET_MASK}y ${SECRET_MASK}`);
  });

  it('property: output never contains any encoding of any secret, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(textArb, fc.nat({ max: 7 }), fc.nat({ max: 2 })), { minLength: 1, maxLength: 6 }),
        cutsArb,
        (secrets, pieces, cuts) => {
          const text = pieces
            .map(([around, which, s]) => {
              const secret = secrets[s % secrets.length] ?? '';
              return around + (encodings(secret)[which] ?? secret);
            })
            .join('');
          const out = maskInChunks(secrets, Buffer.from(text, 'utf8'), cuts).toString('latin1');
          for (const secret of secrets) {
            for (const e of [...encodings(secret), ...secretPatterns([secret])]) {
              expect(out.includes(Buffer.from(e, 'utf8').toString('latin1'))).toBe(false);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: text without secrets passes through byte for byte, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        fc.uint8Array({ maxLength: 200 }),
        cutsArb,
        (secrets, raw, cuts) => {
          const input = Buffer.from(raw);
          const haystack = input.toString('latin1');
          fc.pre(secretPatterns(secrets).every((p) => !haystack.includes(p)));
          expect(maskInChunks(secrets, input, cuts).equals(input)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('works as a Transform stream', async () => {
    const stream = secretMaskingStream(['s3cr3t-value']);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve) => stream.on('end', resolve));
    stream.write('token=s3cr');
    stream.write('3t-val');
    stream.end('ue!\n');
    await done;
    expect(Buffer.concat(chunks).toString()).toBe(`token=${SECRET_MASK}!\n`);
  });
});
