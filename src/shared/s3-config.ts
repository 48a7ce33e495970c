import { InvalidParameterError } from './errors.js';

/** How bucket names go into request URLs: `path` (`https://host/bucket/key`) or `virtual` (`https://bucket.host/key`). */
export type S3AddressingStyle = 'path' | 'virtual';

/**
 * How the server reaches S3-compatible storage, read from the variables MLflow users already set. Credentials
 * absent here are looked up by the AWS SDK's default chain (shared credentials file, container or instance role).
 */
export interface S3Settings {
  /** `MLFLOW_S3_ENDPOINT_URL` (else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`); absent: AWS itself. */
  endpointUrl?: string;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region: string;
  /** `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (both or neither), with `AWS_SESSION_TOKEN` when set. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * `BOSUN_S3_ADDRESSING_STYLE` (or `AWS_S3_ADDRESSING_STYLE`): `path`, `virtual` or `auto`. `auto` (the
   * default) is what boto3 does for MLflow: path-style with a custom endpoint (MinIO, Ceph), virtual on AWS.
   */
  addressingStyle: S3AddressingStyle;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The S3 settings of this process. `env` is passed in so tests need not touch `process.env`; secrets are never
 * echoed in errors.
 *
 * Example: `loadS3Settings({ MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'k',
 *           AWS_SECRET_ACCESS_KEY: 's' })` → `{ endpointUrl: 'http://127.0.0.1:9000', region: 'us-east-1',
 *           credentials: {...}, addressingStyle: 'path' }`.
 */
export function loadS3Settings(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpointUrl =
    nonEmpty(env.MLFLOW_S3_ENDPOINT_URL) ??
    nonEmpty(env.AWS_ENDPOINT_URL_S3) ??
    nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpointUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpointUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InvalidParameterError(
        `Invalid MLFLOW_S3_ENDPOINT_URL '${endpointUrl}': expected an http:// or https:// URL`,
      );
    }
    if (url.username !== '' || url.password !== '') {
      throw new InvalidParameterError(
        'Invalid MLFLOW_S3_ENDPOINT_URL: credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not the URL',
      );
    }
  }
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new InvalidParameterError('Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither.');
  }
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  const style = (
    nonEmpty(env.BOSUN_S3_ADDRESSING_STYLE) ??
    nonEmpty(env.AWS_S3_ADDRESSING_STYLE) ??
    'auto'
  ).toLowerCase();
  if (style !== 'auto' && style !== 'path' && style !== 'virtual') {
    throw new InvalidParameterError(
      `Invalid BOSUN_S3_ADDRESSING_STYLE '${style}': expected auto, path or virtual`,
    );
  }
  return {
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(sessionToken !== undefined ? { sessionToken } : {}),
          },
        }
      : {}),
    addressingStyle: style === 'auto' ? (endpointUrl !== undefined ? 'path' : 'virtual') : style,
  };
}
