import { InvalidParameterError } from '../../shared/index.js';
import { normaliseArtifactPath } from '../artifact-path.js';

/** A bucket and a key prefix inside it (`''`: the whole bucket); the prefix has no leading or trailing '/'. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** S3's rule for new bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Whether a location names S3 (`s3://...`, any case of the scheme). */
export function isS3Uri(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/**
 * Splits `s3://bucket/prefix/` into its bucket and canonical prefix. The prefix obeys the artifact path rules
 * (`normaliseArtifactPath`: no `..`, backslashes, control characters, encoded traversal), so a store rooted
 * there cannot be pointed outside it by its own configuration either.
 *
 * Example: `parseS3Uri('s3://ml-artifacts/team//bosun/')` → `{ bucket: 'ml-artifacts', prefix: 'team/bosun' }`.
 */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]*)(\/.*)?$/is.exec(uri);
  const bucket = match?.[1] ?? '';
  if (match === null || !BUCKET.test(bucket) || bucket.includes('..')) {
    throw new InvalidParameterError(
      `Invalid S3 location '${uri.length > 200 ? `${uri.slice(0, 200)}...` : uri}': expected s3://<bucket>[/<prefix>] with a valid bucket name`,
    );
  }
  const rest = (match[2] ?? '').replace(/^\/+/, '');
  return { bucket, prefix: normaliseArtifactPath(rest, { allowRoot: true }) };
}

/** `s3://bucket/prefix` of a location (the inverse of `parseS3Uri` on canonical input). */
export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}${location.prefix === '' ? '' : `/${location.prefix}`}`;
}
