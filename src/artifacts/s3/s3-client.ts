import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../shared/index.js';

/**
 * An S3 client for the given settings. With a custom endpoint (MinIO, Ceph radosgw, ...) request and response
 * checksums are only sent when an operation requires them: the SDK's newer default (a CRC32 trailer on every
 * upload) is not understood by many S3-compatible servers, which is also what boto3 users of MLflow run into.
 *
 * Connections time out after 10 s and idle sockets after 2 minutes, so unreachable or stalled storage fails a
 * request rather than holding it.
 *
 * Example: `const client = createS3Client(loadS3Settings(process.env));`
 */
export function createS3Client(settings: S3Settings): S3Client {
  const custom = settings.endpointUrl !== undefined;
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.addressingStyle === 'path',
    // No answer to a connection attempt in 10 s, or a socket silent for 2 minutes, fails the request instead of
    // holding it (and the route or scan waiting on it) forever.
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    ...(custom ? { endpoint: settings.endpointUrl } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(custom
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
}
