import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/errors.js';
import { formatS3Uri, isS3Uri, parseS3Uri } from './s3-uri.js';

describe('parseS3Uri', () => {
  it('splits a bucket and a canonical prefix', () => {
    expect(parseS3Uri('s3://ml-artifacts')).toEqual({ bucket: 'ml-artifacts', prefix: '' });
    expect(parseS3Uri('s3://ml-artifacts/')).toEqual({ bucket: 'ml-artifacts', prefix: '' });
    expect(parseS3Uri('S3://ml.artifacts/team//bosun/./')).toEqual({
      bucket: 'ml.artifacts',
      prefix: 'team/bosun',
    });
    expect(formatS3Uri(parseS3Uri('s3://b01/x/y/'))).toBe('s3://b01/x/y');
    expect(isS3Uri('S3://b')).toBe(true);
    expect(isS3Uri('/srv/s3://b')).toBe(false);
  });

  it('refuses bad bucket names and prefixes that break the path rules', () => {
    for (const uri of [
      's3://',
      's3:///x',
      's3://UPPER/x',
      's3://a',
      's3://-bad/x',
      's3://a..b/x',
      's3://bucket:9000/x',
      's3://user@bucket/x',
      's3://bucket/../x',
      's3://bucket/a/%2e%2e/x',
      's3://bucket/a\\b',
      's3://bucket/a?b',
      'file:///x',
    ]) {
      expect(() => parseS3Uri(uri), uri).toThrow(InvalidParameterError);
    }
  });
});
