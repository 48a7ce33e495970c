import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../shared/errors.js';
import {
  checkExperimentLocation,
  keysOverlap,
  localPathOf,
  locationKey,
  reservedExperimentFolder,
  type ArtifactLocationPolicy,
} from './artifact-location.js';

const serving: ArtifactLocationPolicy = {
  serveArtifacts: true,
  defaultArtifactRoot: 'mlflow-artifacts:/',
  artifactsDestination: '/srv/bosun-data/artifacts',
  protectedFolders: ['/srv/bosun-data'],
};
const direct: ArtifactLocationPolicy = {
  serveArtifacts: false,
  defaultArtifactRoot: '/srv/bosun-data/artifacts',
  artifactsDestination: '/srv/bosun-data/artifacts',
  protectedFolders: ['/srv/bosun-data'],
};

describe('locationKey', () => {
  it.each([
    ['mlflow-artifacts:/team/a', { space: 'mlflow-artifacts:', segments: ['team', 'a'] }],
    ['mlflow-artifacts://h:5000/team/a/', { space: 'mlflow-artifacts:', segments: ['team', 'a'] }],
    ['http://h/api/2.0/mlflow-artifacts/artifacts/7', { space: 'mlflow-artifacts:', segments: ['7'] }],
    ['/srv/bosun-data/artifacts/x', { space: 'mlflow-artifacts:', segments: ['x'] }],
    ['file:///srv/bosun-data/artifacts/x', { space: 'mlflow-artifacts:', segments: ['x'] }],
    ['/srv/bosun-data/artifactsx', { space: 'file:', segments: ['srv', 'bosun-data', 'artifactsx'] }],
    ['file://localhost/tmp/a%20b', { space: 'file:', segments: ['tmp', 'a b'] }],
    ['S3://Bucket/x//y/', { space: 's3://bucket', segments: ['x', 'y'] }],
  ])('%j', (location, key) => {
    expect(locationKey(location, '/srv/bosun-data/artifacts')).toEqual(key);
  });

  it('has none for relative paths and drive letters', () => {
    for (const location of ['relative/dir', 'C:\\data', 'c:/data', '//host/share', '']) {
      expect(locationKey(location, '/srv'), location).toBeNull();
    }
    expect(localPathOf('file://other/x')).toBeNull();
  });

  it('overlaps only segment-wise', () => {
    const key = (l: string) => locationKey(l)!;
    expect(keysOverlap(key('s3://b/team/a'), key('s3://b/team/a/x'))).toBe(true);
    expect(keysOverlap(key('s3://b/team/a'), key('s3://b/team'))).toBe(true);
    expect(keysOverlap(key('s3://b/team/a'), key('s3://b/team/ab'))).toBe(false);
    expect(keysOverlap(key('s3://b/team/a'), key('gs://b/team/a'))).toBe(false);
    expect(keysOverlap(key('mlflow-artifacts:/1/abc'), key('mlflow-artifacts:/1/abcd'))).toBe(false);
  });
});

describe('checkExperimentLocation while serving artifacts', () => {
  it.each([
    'mlflow-artifacts:/team/proj',
    'mlflow-artifacts:///team/proj',
    'mlflow-artifacts:/7',
    '/srv/bosun-data/artifacts/team',
    'file:///srv/bosun-data/artifacts/team/',
  ])('accepts %j', (location) => {
    expect(() => checkExperimentLocation(location, serving)).not.toThrow();
  });

  it.each([
    ['file:///etc', 'inside its artifact store'],
    ['/etc', 'inside its artifact store'],
    ['/srv/bosun-data', 'inside its artifact store'],
    ['/srv/bosun-data/bosun.db', 'inside its artifact store'],
    ['/srv', 'inside its artifact store'],
    ['s3://bucket/x', 'inside its artifact store'],
    ['relative/dir', 'inside its artifact store'],
    ['mlflow-artifacts:/', "artifact store's root"],
    ['mlflow-artifacts:', "artifact store's root"],
    ['mlflow-artifacts:///', "artifact store's root"],
    ['/srv/bosun-data/artifacts', "artifact store's root"],
    ['file:///srv/bosun-data/artifacts/', "artifact store's root"],
    ['mlflow-artifacts://evil.example:443/x', 'names a host'],
    ['http://127.0.0.1:9/api/2.0/mlflow-artifacts/artifacts/x', 'names a host'],
  ])('refuses %j (%s)', (location, why) => {
    expect(() => checkExperimentLocation(location, serving)).toThrow(InvalidParameterError);
    expect(() => checkExperimentLocation(location, serving)).toThrow(why);
  });

  it('accepts folders under a non-store default root the operator chose', () => {
    const policy = { ...serving, defaultArtifactRoot: 's3://bucket/mlruns' };
    expect(() => checkExperimentLocation('s3://bucket/mlruns/team', policy)).not.toThrow();
    expect(() => checkExperimentLocation('s3://bucket/mlruns', policy)).toThrow('default artifact root');
    expect(() => checkExperimentLocation('s3://bucket/other', policy)).toThrow('inside its artifact store');
  });

  it('without a known destination, takes mlflow-artifacts:/ locations only', () => {
    const inferred = { serveArtifacts: true, defaultArtifactRoot: 'mlflow-artifacts:/' };
    expect(() => checkExperimentLocation('mlflow-artifacts:/a', inferred)).not.toThrow();
    expect(() => checkExperimentLocation('/srv/bosun-data/artifacts/a', inferred)).toThrow(
      'inside its artifact store',
    );
  });
});

describe('checkExperimentLocation with --no-serve-artifacts', () => {
  it.each([
    '/srv/bosun-data/artifacts/team',
    '/mnt/shared/mlruns',
    'file:///mnt/x',
    's3://bucket/x',
    'gs://b/x',
  ])('accepts %j', (location) => {
    expect(() => checkExperimentLocation(location, direct)).not.toThrow();
  });

  it.each([
    ['relative/dir', 'relative locations'],
    ['mlflow-artifacts:/team', 'does not serve artifacts'],
    ['mlflow-artifacts://h/team', 'does not serve artifacts'],
    ['/srv/bosun-data/artifacts', "artifact store's root"],
    ['/srv/bosun-data', 'database folder'],
    ['/srv', 'database folder'],
    ['/', 'database folder'],
    ['/srv/bosun-data/other', 'database folder'],
    ['file:///srv/bosun-data/x', 'database folder'],
  ])('refuses %j (%s)', (location, why) => {
    expect(() => checkExperimentLocation(location, direct)).toThrow(why);
  });
});

describe('reservedExperimentFolder', () => {
  it('names the experiment whose numbered folder a location lies in', () => {
    const key = (l: string) => locationKey(l, serving.artifactsDestination)!;
    expect(reservedExperimentFolder(key('mlflow-artifacts:/7'), serving)).toBe('7');
    expect(reservedExperimentFolder(key('mlflow-artifacts:/7/x'), serving)).toBe('7');
    expect(reservedExperimentFolder(key('/srv/bosun-data/artifacts/12/x'), serving)).toBe('12');
    expect(reservedExperimentFolder(key('mlflow-artifacts:/team/7'), serving)).toBeUndefined();
    expect(reservedExperimentFolder(key('/mnt/3'), direct)).toBeUndefined();
    expect(reservedExperimentFolder(key('/srv/bosun-data/artifacts/3/a'), direct)).toBe('3');
  });
});
