import { S3ServiceException } from '@aws-sdk/client-s3';
import { BosunError } from '../../shared/index.js';

/** Error names S3 (and S3-compatible servers) give a key or bucket that is not there. */
const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload']);
/** Answers that say "try again later" rather than "this is wrong". */
const BUSY = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'TimeoutError']);
/** Network failures before any answer. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

function nameOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : error.name;
  }
  return String(error);
}

/** S3's error code of a failed request (`NoSuchUpload`, `InvalidPart`...), or `undefined` for other failures. */
export function s3ErrorCode(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

/** Whether S3 answered that the object (or multipart upload) does not exist. */
export function isMissing(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return MISSING.has(error.name) || error.$metadata.httpStatusCode === 404;
}

/** Whether S3 refused a byte range as unsatisfiable (416). */
export function isInvalidRange(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'InvalidRange' || error.$metadata.httpStatusCode === 416)
  );
}

/**
 * A storage failure as a Bosun error: unreachable or busy storage is TEMPORARILY_UNAVAILABLE (503, clients retry),
 * anything else (a missing bucket, refused credentials) is the server's fault, INTERNAL_ERROR. The message names
 * the action, the bucket and S3's error code, never a credential. Bosun errors pass through unchanged.
 */
export function storageError(error: unknown, action: string, bucket: string): BosunError {
  if (error instanceof BosunError) return error;
  const name = nameOf(error);
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  if (UNREACHABLE.has(name) || BUSY.has(name) || (status !== undefined && status >= 500)) {
    return new BosunError(
      'TEMPORARILY_UNAVAILABLE',
      `Artifact storage is unavailable: could not ${action} in bucket '${bucket}' (${name})`,
    );
  }
  return new BosunError(
    'INTERNAL_ERROR',
    `Artifact storage refused to ${action} in bucket '${bucket}' (${name})`,
  );
}
