import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  joinArtifactPaths,
  normaliseArtifactPath,
  parseArtifactRequestPath,
  supportsMultipartUpload,
  type ArtifactStore,
  type MultipartArtifactStore,
  type UploadedPart,
} from '../../artifacts/index.js';
import type { ArtifactChange, VersionUsingArtifactPath } from '../../registry/index.js';
import { InvalidParameterError, NotImplementedError } from '../../shared/index.js';
import { errorBodySchema } from '../openapi-responses.js';
import { invalidParameter, missingParameter } from '../param-errors.js';

/** What the multipart routes need: the server's store, and the guard of registered versions' files. */
export interface ArtifactMultipartRouteDeps {
  artifacts: ArtifactStore;
  versionsUsingPath?: (storePath: string, change: ArtifactChange) => Promise<VersionUsingArtifactPath[]>;
}

const MPU = '/api/2.0/mlflow-artifacts/mpu';
/** MLflow's client matches the start of this message and falls back to a single PUT. */
const UNSUPPORTED = 'Multipart upload is not supported for the current artifact repository';

type WildcardRequest = FastifyRequest<{ Params: { '*': string } }>;

const Credential = {
  type: 'object',
  properties: {
    url: { type: 'string' },
    part_number: { type: 'integer' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;
const documented = (summary: string, ok: object) => ({
  schema: {
    tags: ['artifacts'],
    summary,
    response: { 200: ok, 501: errorBodySchema },
  },
});

/** The folder of a `.../mpu/<step>/*` request (Fastify cut a raw `#`, which no client sends: refused). */
function folderOf(request: WildcardRequest): string {
  if (request.raw.url?.includes('#') === true)
    throw new InvalidParameterError("Invalid path: '#' is not allowed");
  return parseArtifactRequestPath(request.params['*'], 'folder');
}

function bodyObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw missingParameter(field);
  if (typeof value !== 'string') throw invalidParameter(field, value);
  return value;
}

function integer(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^-?\d{1,19}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw invalidParameter(field, value);
  return number;
}

/**
 * The store path of the uploaded file: the request's folder and the last segment of the client's local file
 * name (`path` in the body, as MLflow's S3 repository takes `os.path.basename` of it; `\` separates too, for
 * Windows clients). The name obeys the artifact path rules.
 */
function targetPath(folder: string, localFile: string): string {
  const name = localFile.split(/[/\\]/).pop() ?? '';
  if (name === '' || name === '.' || name === '..') {
    throw invalidParameter('path', localFile, 'it does not end with a file name');
  }
  return normaliseArtifactPath(joinArtifactPaths(folder, normaliseArtifactPath(name)));
}

function uploadedParts(value: unknown): UploadedPart[] {
  if (value === undefined || value === null) throw missingParameter('parts');
  if (!Array.isArray(value)) throw invalidParameter('parts', value);
  return value.map((raw: unknown, i) => {
    const part = bodyObject(raw);
    if (part.part_number === undefined) throw missingParameter(`parts[${i}].part_number`);
    const etag = part.etag;
    if (typeof etag !== 'string' || etag === '') throw missingParameter(`parts[${i}].etag`);
    return { partNumber: integer(part.part_number, `parts[${i}].part_number`), etag };
  });
}

/**
 * MLflow's multipart-upload routes (`POST /api/2.0/mlflow-artifacts/mpu/create|complete|abort/<folder>`), as its
 * server answers them over an S3 destination: `create` starts an upload of `<folder>/<basename of body.path>`
 * and returns a presigned URL per part (`{upload_id, credentials: [{url, part_number, headers}]}`); the client
 * PUTs each part straight to the storage, then `complete` (with `upload_id` and `parts: [{part_number, etag}]`)
 * makes the file appear whole, or `abort` drops the parts. A store without multipart uploads (the local folder)
 * answers 501 with the message the client falls back on (one PUT through the proxy). Paths follow the proxy's
 * rules (`parseArtifactRequestPath`); a file behind a registered model version is not replaced. The client only
 * tries this with `MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true` for files of `MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE`
 * (500 MB) or more, and must reach the storage's endpoint itself.
 *
 * Example: `await registerArtifactMultipartRoutes(app, { artifacts: s3Store, versionsUsingPath });`
 */
export async function registerArtifactMultipartRoutes(
  app: FastifyInstance,
  deps: ArtifactMultipartRouteDeps,
): Promise<void> {
  const multipart = (): MultipartArtifactStore => {
    if (!supportsMultipartUpload(deps.artifacts)) throw new NotImplementedError(UNSUPPORTED);
    return deps.artifacts;
  };
  const refuseRegistered = async (path: string): Promise<void> => {
    const [first, ...more] = (await deps.versionsUsingPath?.(path, 'write')) ?? [];
    if (first === undefined) return;
    throw new InvalidParameterError(
      `Cannot write '${path}': registered model '${first.name}' version ${first.version}` +
        `${more.length > 0 ? ` (and ${more.length} more version(s))` : ''} is stored at ` +
        `'${first.storageLocation}'. Registered artifacts are immutable; delete the model version first.`,
    );
  };

  app.post<{ Params: { '*': string } }>(
    `${MPU}/create/*`,
    documented('Start a multipart upload (presigned part URLs)', {
      type: 'object',
      properties: { upload_id: { type: 'string' }, credentials: { type: 'array', items: Credential } },
    }),
    async (request) => {
      const folder = folderOf(request);
      const store = multipart();
      const body = bodyObject(request.body);
      const path = targetPath(folder, requiredString(body, 'path'));
      const numParts = body.num_parts === undefined ? 1 : integer(body.num_parts, 'num_parts');
      await refuseRegistered(path);
      const { uploadId, parts } = await store.createMultipartUpload(path, numParts);
      return {
        upload_id: uploadId,
        credentials: parts.map((part) => ({
          url: part.url,
          part_number: part.partNumber,
          headers: part.headers,
        })),
      };
    },
  );

  app.post<{ Params: { '*': string } }>(
    `${MPU}/complete/*`,
    documented('Complete a multipart upload', { type: 'object' }),
    async (request) => {
      const folder = folderOf(request);
      const store = multipart();
      const body = bodyObject(request.body);
      const path = targetPath(folder, requiredString(body, 'path'));
      const uploadId = requiredString(body, 'upload_id');
      const parts = uploadedParts(body.parts);
      await refuseRegistered(path);
      await store.completeMultipartUpload(path, uploadId, parts);
      return {};
    },
  );

  app.post<{ Params: { '*': string } }>(
    `${MPU}/abort/*`,
    documented('Abort a multipart upload', { type: 'object' }),
    async (request) => {
      const folder = folderOf(request);
      const store = multipart();
      const body = bodyObject(request.body);
      const path = targetPath(folder, requiredString(body, 'path'));
      await store.abortMultipartUpload(path, requiredString(body, 'upload_id'));
      return {};
    },
  );
}
