import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../shared/index.js';

/**
 * An S3 client for the given settings. With a custom endpoint (MinIO, Ceph radosgw, ...) request and response
 * checksums are only sent when an operation requires them: the SDK's newer default (a CRC32 trailer on every
 * upload) is not understood by many S3-compatible servers, which is also what boto3 users of MLflow run into.
 *
 * Example: `const client = createS3Client(loadS3Settings(process.env));`
 */
export function createS3Client(settings: S3Settings): S3Client {
  const custom = settings.endpointUrl !== undefined;
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.addressingStyle === 'path',
    ...(custom ? { endpoint: settings.endpointUrl } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(custom
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
}
