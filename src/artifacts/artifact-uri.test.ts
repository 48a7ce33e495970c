import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../shared/errors.js';
import { artifactUriToStorePath, isProxiedArtifactUri } from './artifact-uri.js';

describe('artifactUriToStorePath', () => {
  it.each([
    ['mlflow-artifacts:/0/abc/artifacts', '0/abc/artifacts'],
    ['mlflow-artifacts:/1/models/m-0f1e/artifacts', '1/models/m-0f1e/artifacts'],
    ['mlflow-artifacts://host:5000/0/abc/artifacts', '0/abc/artifacts'],
    ['mlflow-artifacts:///0/abc/artifacts', '0/abc/artifacts'],
    ['mlflow-artifacts:/', ''],
    ['mlflow-artifacts:/models///', 'models'],
    ['http://h:5000/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts', '0/abc/artifacts'],
    ['https://h/prefix/api/2.0/mlflow-artifacts/artifacts', ''],
  ])('maps %j to %j', (uri, expected) => {
    expect(isProxiedArtifactUri(uri)).toBe(true);
    expect(artifactUriToStorePath(uri)).toBe(expected);
  });

  it.each([
    'mlflow-artifacts://host:port/../../../../',
    'mlflow-artifacts:/0/../../etc',
    'mlflow-artifacts://h/..%2f..%2fx',
    'mlflow-artifacts://h:9000/models/artifact%00',
    'mlflow-artifacts:/0/%252e%252e%252f',
    'http://host:port/api/2.0/mlflow-artifacts/artifacts/../../../../',
    'http://h/#/../../etc',
    'mlflow-artifacts://host#/../../etc/',
    'mlflow-artifacts:/a?/../b',
    'mlflow-artifacts:/\\..\\..\\etc',
    'file:///etc/',
    '/etc',
    's3://bucket/x',
    'http://h/other/path',
  ])('refuses %j', (uri) => {
    expect(() => artifactUriToStorePath(uri)).toThrow(InvalidParameterError);
  });

  it('tells proxied URIs from others', () => {
    expect(isProxiedArtifactUri('file:///tmp/x')).toBe(false);
    expect(isProxiedArtifactUri('s3://b/k')).toBe(false);
    expect(isProxiedArtifactUri('http://h/api/2.0/mlflow-artifacts/artifactsX')).toBe(false);
  });
});
