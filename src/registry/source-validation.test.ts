import { describe, expect, it } from 'vitest';
import { BosunError } from '../shared/errors.js';
import { parseModelVersionSource, versionArtifactStorePath } from './source-validation.js';

function rejected(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BosunError);
    expect((e as BosunError).code).toBe('INVALID_PARAMETER_VALUE');
    return (e as BosunError).message;
  }
  throw new Error('expected the source to be refused');
}

describe('parseModelVersionSource', () => {
  it('accepts the store, run, logged-model, version and remote forms, canonicalising store URIs', () => {
    expect(parseModelVersionSource('mlflow-artifacts:/1/abc/artifacts/model')).toEqual({
      kind: 'artifacts',
      location: 'mlflow-artifacts:/1/abc/artifacts/model',
    });
    expect(parseModelVersionSource('mlflow-artifacts://host:5000/1/abc//artifacts/./model/')).toEqual({
      kind: 'artifacts',
      location: 'mlflow-artifacts:/1/abc/artifacts/model',
    });
    expect(parseModelVersionSource('runs:/0a1b2c/sub/model')).toEqual({
      kind: 'run',
      runId: '0a1b2c',
      path: 'sub/model',
    });
    expect(parseModelVersionSource('models:/m-0123abcd')).toEqual({
      kind: 'logged-model',
      modelId: 'm-0123abcd',
    });
    expect(parseModelVersionSource('models:/rf/3')).toEqual({
      kind: 'model-version',
      name: 'rf',
      version: 3,
    });
    expect(parseModelVersionSource('S3://bucket/key/model')).toEqual({
      kind: 'remote',
      location: 'S3://bucket/key/model',
    });
    expect(parseModelVersionSource('mlflow-artifacts:/models/artifact/..../')).toMatchObject({
      kind: 'artifacts',
    });
  });

  it('reads absolute local paths and file URIs (the registry decides whether they are inside a run)', () => {
    expect(parseModelVersionSource('/etc')).toEqual({ kind: 'local', path: '/etc' });
    expect(parseModelVersionSource('file:///mnt/runs/a%20b/../m')).toEqual({
      kind: 'local',
      path: '/mnt/runs/a b/../m',
    });
    expect(parseModelVersionSource('file://localhost/x')).toEqual({ kind: 'local', path: '/x' });
    expect(parseModelVersionSource('FILE:/x')).toEqual({ kind: 'local', path: '/x' });
    for (const source of ['/x%00y', 'file:///x#y', 'file:///x?y', 'file://host/x', '/a\\b']) {
      expect(
        rejected(() => parseModelVersionSource(source)),
        source,
      ).toMatch(/^Invalid model version source/);
    }
  });

  it('refuses relative paths, drive letters, scheme-less //host and unknown schemes', () => {
    for (const source of ['etc/passwd', './model', 'C:/x', 'c:\\x', '//proc/self/root']) {
      expect(
        rejected(() => parseModelVersionSource(source)),
        source,
      ).toMatch(/^Invalid model version source/);
    }
    expect(rejected(() => parseModelVersionSource('file://./etc'))).toMatch(/file:/);
    expect(rejected(() => parseModelVersionSource('gopher://h/x'))).toMatch(
      /Unsupported URI scheme 'gopher'/,
    );
    expect(rejected(() => parseModelVersionSource('s3:/bucket/x'))).toMatch(/Expected 's3:\/\//);
    expect(rejected(() => parseModelVersionSource('https://user:pw@h/x'))).toMatch(/Credentials/);
    expect(rejected(() => parseModelVersionSource(''))).toMatch(/Missing value/);
  });

  it('decodes to a fixed point and refuses traversal, NUL, fragments, params, queries and backslashes', () => {
    const cases: [string, RegExp][] = [
      ['mlflow-artifacts://host:5000/../../../../', /'\.\.'/],
      ['mlflow-artifacts:/a/%2e%2e/%2e%2e/b', /'\.\.'/],
      ['mlflow-artifacts:/a/%252e%252e/b', /'\.\.'/],
      ['mlflow-artifacts:/a/%25252e%25252e/b', /'\.\.'/],
      ['s3://b/a/%2E%2E%2Fx', /'\.\.'/],
      ['https://h/api/2.0/mlflow-artifacts/artifacts%00', /NUL/],
      ['mlflow-artifacts:/a#/../b', /Fragments/],
      ['mlflow-artifacts:/a%23/b', /Fragments/],
      ['mlflow-artifacts:/a;x=1/b', /parameters/],
      ['https://h/a?x=1', /Query/],
      ['dbfs:/r/artifacts/a%3f/../../x', /Query|'\.\.'/],
      ['mlflow-artifacts:/a\\b', /Backslashes/],
      ['mlflow-artifacts:/a%5C..%5Cb', /Backslashes/],
      [`mlflow-artifacts:/a/%${'25'.repeat(7)}2e`, /Too many levels of percent-encoding/],
    ];
    for (const [source, why] of cases) {
      expect(
        rejected(() => parseModelVersionSource(source)),
        source,
      ).toMatch(why);
    }
  });

  it('refuses the store root, an experiment folder and a whole run, in every spelling', () => {
    const run = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
    const cases: [string, RegExp][] = [
      ['mlflow-artifacts:/', /store root/],
      ['mlflow-artifacts:/1', /whole experiment folder/],
      ['mlflow-artifacts:/1/', /whole experiment folder/],
      ['mlflow-artifacts://host:5000/1', /whole experiment folder/],
      ['mlflow-artifacts:/%31', /whole experiment folder/],
      ['mlflow-artifacts:/team', /whole experiment folder/],
      [`mlflow-artifacts:/1/${run}`, /whole run cannot/],
      [`mlflow-artifacts:/1/${run}/`, /whole run cannot/],
      [`mlflow-artifacts:/1//${run}/./`, /whole run cannot/],
      [`mlflow-artifacts:/1/${run}/artifacts`, /whole run cannot/],
      [`mlflow-artifacts:/1/${run}/artifacts/`, /whole run cannot/],
      [`mlflow-artifacts:/1/${run}/artifacts/.`, /whole run cannot/],
      ['mlflow-artifacts:/1/models', /whole run cannot/],
      [`runs:/${run}`, /whole run cannot/],
      [`runs:/${run}/`, /whole run cannot/],
      [`runs:/${run}/.`, /whole run cannot/],
    ];
    for (const [source, why] of cases) {
      const message = rejected(() => parseModelVersionSource(source));
      expect(message, source).toMatch(why);
      expect(message, source).toMatch(/^Invalid model version source: .*runs:\/<run_id>\/<path>/);
    }
  });

  it("accepts a model's folder below a run's artifacts or a logged model's folder", () => {
    const run = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
    for (const path of [
      `1/${run}/artifacts/model`,
      `1/${run}/artifacts/a/b`,
      '1/models/m-0123abcd/artifacts',
    ]) {
      expect(parseModelVersionSource(`mlflow-artifacts:/${path}`)).toEqual({
        kind: 'artifacts',
        location: `mlflow-artifacts:/${path}`,
      });
    }
    expect(parseModelVersionSource(`runs:/${run}/model`)).toEqual({ kind: 'run', runId: run, path: 'model' });
  });

  it('refuses runs:/ and models:/ forms that are not exact', () => {
    expect(rejected(() => parseModelVersionSource('runs:/../x'))).toMatch(/'\.\.'|runs:/);
    expect(rejected(() => parseModelVersionSource('runs:/UPPER CASE/x'))).toMatch(/runs:/);
    expect(rejected(() => parseModelVersionSource('models:/rf@champion'))).toMatch(/models:/);
    expect(rejected(() => parseModelVersionSource('models:/rf/latest'))).toMatch(/models:/);
  });
});

describe('versionArtifactStorePath', () => {
  it('joins a safe relative path under a store location, and refuses the rest', () => {
    expect(versionArtifactStorePath('mlflow-artifacts:/1/m/artifacts', 'sub/MLmodel')).toBe(
      '1/m/artifacts/sub/MLmodel',
    );
    expect(rejected(() => versionArtifactStorePath('s3://b/m', 'MLmodel'))).toMatch(
      /not stored in the server-managed/,
    );
    for (const path of ['../x', '/etc/passwd', 'a/%2e%2e/%2e%2e/x', '']) {
      rejected(() => versionArtifactStorePath('mlflow-artifacts:/1/m/artifacts', path));
    }
  });
});
