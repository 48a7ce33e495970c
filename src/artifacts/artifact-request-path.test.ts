import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../shared/errors.js';
import {
  artifactPathRole,
  parseArtifactRequestPath,
  type ArtifactPathRole,
} from './artifact-request-path.js';

const run = '3f2a9c0d1e2b4a5f8c7d6e5f4a3b2c1d';
const model = 'm-0123456789abcdef0123456789abcdef';

describe('artifactPathRole', () => {
  it.each<[string, ArtifactPathRole]>([
    ['', 'store-root'],
    ['1', 'experiment-folder'],
    ['123456', 'experiment-folder'],
    [`1/${run}`, 'run-folder'],
    [`1/${run}/artifacts`, 'run-root'],
    [`1/${run}/artifacts/model`, 'below'],
    [`1/${run}/other`, 'below'],
    ['1/models', 'logged-models-folder'],
    [`1/models/${model}`, 'logged-model-folder'],
    [`1/models/${model}/artifacts`, 'logged-model-root'],
    [`1/models/${model}/artifacts/model.pkl`, 'below'],
    [`1/models/${model}/other`, 'below'],
    ['team', 'below'],
    ['team/proj/run/artifacts', 'below'],
    ['1a', 'below'],
  ])('%j is %s', (path, role) => {
    expect(artifactPathRole(path)).toBe(role);
  });
});

describe('parseArtifactRequestPath', () => {
  it.each([
    [`1/${run}/artifacts/model/MLmodel`, 'file', `1/${run}/artifacts/model/MLmodel`],
    [`1/${run}/artifacts/model/`, 'file', `1/${run}/artifacts/model`],
    [`1/${run}/artifacts/100%.txt`, 'file', `1/${run}/artifacts/100%.txt`],
    [`1/${run}/artifacts/my file é%.txt`, 'file', `1/${run}/artifacts/my file é%.txt`],
    [`1/${run}/artifacts/..../x`, 'file', `1/${run}/artifacts/..../x`],
    [`1/${run}/artifacts/.hidden`, 'file', `1/${run}/artifacts/.hidden`],
    [`1/${run}/other`, 'file', `1/${run}/other`],
    ['team/proj/f.txt', 'file', 'team/proj/f.txt'],
    [`1/${run}/artifacts`, 'folder', `1/${run}/artifacts`],
    [`1/${run}/artifacts/`, 'folder', `1/${run}/artifacts`],
    [`1/models/${model}/artifacts`, 'folder', `1/models/${model}/artifacts`],
    [`1/${run}/artifacts/sub`, 'folder', `1/${run}/artifacts/sub`],
    ['', 'relative', ''],
    ['model/', 'relative', 'model'],
    ['1', 'relative', '1'],
  ] as const)('accepts %j for %s as %j', (raw, use, expected) => {
    expect(parseArtifactRequestPath(raw, use)).toBe(expected);
  });

  // Spellings as Fastify hands them over (decoded once): `%2e` on the wire arrives as `.`, `%252e` as `%2e`.
  const rootsAndDots = [
    // the finding: `1/.`, `1/%2e`, `1/%2E`, `1//`, `1/./`, `1/x/..`
    '1/.',
    '1/%2e',
    '1/%2E',
    '1//',
    '1/./',
    '1/x/..',
    // the same roots in other spellings
    '1',
    '1/',
    '1/%252e',
    '1/%25252e',
    '1/.%2f',
    '1%2f.',
    '1%2F%2E',
    '1%2f%2f',
    '1/%c0%ae',
    '1/%e0%80%ae',
    '1/%C0%AE%C0%AE',
    '1/%ff',
    '1\\.',
    '1%5c.',
    './1',
    '%2e/1',
    '1/x/%2e%2e',
    // a run's folder and artifact root
    `1/${run}`,
    `1/${run}/`,
    `1/${run}/.`,
    `1/${run}/./artifacts`,
    `1/${run}//artifacts`,
    `1/${run}/artifacts/.`,
    `1/${run}/artifacts/%2e`,
    `1/${run}/artifacts//`,
    `1/${run}/artifacts/sub/..`,
    `1/${run}%2fartifacts`,
    // logged models
    '1/models',
    `1/models/${model}`,
    `1/models/${model}/artifacts/.`,
    // the store root
    '',
    '.',
    '%2e',
    '/',
    '//',
    './',
    // dot and empty segments below a root
    `1/${run}/artifacts/./x`,
    `1/${run}/artifacts/a//b`,
    `1/${run}/artifacts/a/%2e/b`,
    `1/${run}/artifacts/a/%252e/b`,
    `1/${run}/artifacts/a%2f%2fb`,
    `1/${run}/artifacts/%c0%ae/x`,
  ];

  it.each(rootsAndDots)('refuses %j for files (upload, download, delete)', (raw) => {
    expect(() => parseArtifactRequestPath(raw, 'file')).toThrow(InvalidParameterError);
    expect(() => parseArtifactRequestPath(raw, 'file')).toThrow(/^Invalid path: /);
  });

  it.each(rootsAndDots.filter((raw) => ![`1/${run}/artifacts/`].includes(raw)))(
    'refuses %j for folders (listing, multipart)',
    (raw) => {
      expect(() => parseArtifactRequestPath(raw, 'folder')).toThrow(InvalidParameterError);
    },
  );

  it.each(['./x', 'a//b', 'a/./b', 'a/%2e/b', '%2e', '.', 'a/%c0%ae', '../x', '/etc'])(
    'refuses %j relative to a run root',
    (raw) => {
      expect(() => parseArtifactRequestPath(raw, 'relative')).toThrow(InvalidParameterError);
    },
  );

  it('says which root a path names and what to do instead', () => {
    expect(() => parseArtifactRequestPath('1/.', 'file')).toThrow("'.' segments are not allowed");
    expect(() => parseArtifactRequestPath('1//', 'file')).toThrow('empty path segments');
    expect(() => parseArtifactRequestPath('1', 'file')).toThrow("an experiment's artifact folder");
    expect(() => parseArtifactRequestPath(`1/${run}/artifacts`, 'file')).toThrow("a run's artifact root");
    expect(() => parseArtifactRequestPath('', 'folder')).toThrow('the root of the artifact store');
    expect(() => parseArtifactRequestPath('1/%c0%ae', 'file')).toThrow('overlong');
  });
});
