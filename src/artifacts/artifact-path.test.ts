import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../shared/errors.js';
import { joinArtifactPaths, MAX_ARTIFACT_PATH_LENGTH, normaliseArtifactPath } from './artifact-path.js';

describe('normaliseArtifactPath', () => {
  it.each([
    ['path', 'path'],
    ['path/', 'path'],
    ['path/to/file', 'path/to/file'],
    ['a//b/./c/', 'a/b/c'],
    ['models///', 'models'],
    ['artifact/..../x', 'artifact/..../x'],
    ['..a/b..', '..a/b..'],
    ['100%.txt', '100%.txt'],
    ['a%20b.txt', 'a%20b.txt'],
    ['semi;colon=1,x@y', 'semi;colon=1,x@y'],
    ['ünïcödé/名前.txt', 'ünïcödé/名前.txt'],
    ['0/3f2a/artifacts/model/MLmodel', '0/3f2a/artifacts/model/MLmodel'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(normaliseArtifactPath(raw)).toBe(expected);
  });

  it.each([
    '/path',
    '/etc/passwd',
    '../path',
    '../../path',
    './../path',
    'path/../to/file',
    'path/../../to/file',
    'a/..',
    '..\\x',
    'a\\b',
    'C:\\x',
    'C:/x',
    'a/c:x',
    'a#b',
    '#frag',
    'a?b',
    'a\u0000b',
    'a\nb',
    '%2e%2e/x',
    '%2E%2E%2Fx',
    'a/%2e%2e',
    '..%2fx',
    '%252e%252e%252f',
    'a/%2e/b',
    '%2fetc/passwd',
    '%5c..%5cx',
    '%00',
    '%23frag',
    '%25252e%25252e/x',
    '%2525252525252e',
  ])('refuses %j', (raw) => {
    expect(() => normaliseArtifactPath(raw)).toThrow(InvalidParameterError);
    expect(() => normaliseArtifactPath(raw)).toThrow(/^Invalid path: /);
  });

  it('refuses the root unless asked to allow it', () => {
    for (const root of ['', '.', './', './.', './/', '/'.slice(1)]) {
      expect(() => normaliseArtifactPath(root)).toThrow(InvalidParameterError);
    }
    expect(normaliseArtifactPath('', { allowRoot: true })).toBe('');
    expect(normaliseArtifactPath('./', { allowRoot: true })).toBe('');
  });

  it('refuses over-long paths and segments', () => {
    expect(() => normaliseArtifactPath('a/'.repeat(MAX_ARTIFACT_PATH_LENGTH))).toThrow(/longer than/);
    expect(() => normaliseArtifactPath('x'.repeat(256))).toThrow(/segment/);
    expect(() => normaliseArtifactPath('é'.repeat(128))).toThrow(/segment/);
    expect(normaliseArtifactPath('x'.repeat(255))).toHaveLength(255);
  });

  it('keeps the message short and printable', () => {
    const error = (() => {
      try {
        normaliseArtifactPath(`../${'y'.repeat(1000)}\u0001`);
      } catch (caught) {
        return caught as Error;
      }
      return null;
    })();
    expect(error?.message.length).toBeLessThan(300);
    expect([...(error?.message ?? '')].every((char) => char.charCodeAt(0) >= 0x20)).toBe(true);
  });
});

describe('joinArtifactPaths', () => {
  it('skips empty parts', () => {
    expect(joinArtifactPaths('', 'a/b', '', 'c')).toBe('a/b/c');
    expect(joinArtifactPaths('', '')).toBe('');
  });
});

describe('error messages', () => {
  it('shows the path as sent, with control characters escaped', () => {
    expect(() => normaliseArtifactPath('C:\\x')).toThrow('Invalid path: C:\\x (');
    expect(() => normaliseArtifactPath('a\u0000b')).toThrow('Invalid path: a\\x00b (');
  });
});
