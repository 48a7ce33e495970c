import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../shared/index.js';

/**
 * An S3 client for the given settings. Checksums are sent and checked only where an operation requires them (as
 * boto3 did before 1.36): the SDK's newer default (a CRC32 trailer on every upload) is not understood by
 * many S3-compatible servers, and it would be signed into presigned part URLs that clients cannot satisfy.
 * Connections time out after 10 s and idle sockets after 2 minutes, so unreachable or stalled storage fails a
 * request rather than holding it.
 *
 * Example: `const client = createS3Client(loadS3Settings(process.env));`
 */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.addressingStyle === 'path',
    // No answer to a connection attempt in 10 s, or a socket silent for 2 minutes, fails the request instead of
    // holding it (and the route or scan waiting on it) forever.
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    ...(settings.endpointUrl !== undefined ? { endpoint: settings.endpointUrl } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
