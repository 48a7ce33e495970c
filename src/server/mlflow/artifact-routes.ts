import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  artifactUriToStorePath,
  isProxiedArtifactUri,
  joinArtifactPaths,
  parseArtifactRequestPath,
} from '../../artifacts/index.js';
import type { ArtifactEntry, ArtifactStore } from '../../artifacts/index.js';
import type { ArtifactChange, VersionUsingArtifactPath } from '../../registry/index.js';
import { InvalidParameterError, NotImplementedError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import type { TypedApp } from '../typed-app.js';
import { errorBodySchema } from '../openapi-responses.js';
import type { AuditResource } from '../../security/audit/index.js';
import { auditField, auditIdentifier } from '../audit/index.js';
import { apiPaths, artifactPath, experiment, needs, query, runQuery } from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable, RoutePolicy } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';

export interface ArtifactRouteDeps {
  artifacts: ArtifactStore;
  /** Only `getRun` is used, to find a run's artifact root. */
  tracking: Pick<TrackingService, 'getRun'>;
  /**
   * The registered model versions whose files a write or delete at a store path would change (the registry's
   * `findVersionsUsingArtifactPath`); such changes are refused, registered artifacts being immutable. Without it
   * (a server with no registry) nothing is registered.
   */
  versionsUsingPath?: (storePath: string, change: ArtifactChange) => Promise<VersionUsingArtifactPath[]>;
}

/** MLflow's wire form of a listing entry (`FileInfo`). */
interface FileInfoJson {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const MPU = '/api/2.0/mlflow-artifacts/mpu';
const PRESIGNED = '/api/2.0/mlflow-artifacts/presigned';
/** The client matches the start of this message and falls back to a single PUT. */
export const MULTIPART_UNSUPPORTED_MESSAGE =
  'Multipart upload is not supported for the current artifact repository';

/** The OpenAPI document lists the 501 these routes answer on purpose (MLflow's client falls back on it). */
const notImplementedSchema = { response: { 501: errorBodySchema } };

type WildcardRequest = FastifyRequest<{ Params: { '*': string } }>;

function toFileInfo(entry: ArtifactEntry): FileInfoJson {
  return entry.isDir
    ? { path: entry.path, is_dir: true }
    : { path: entry.path, is_dir: false, file_size: entry.fileSize ?? 0 };
}

function queryParam(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const value = (query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidParameterError(`Invalid value for parameter '${name}': expected a single string`);
  }
  return value;
}

/**
 * The artifact path of a `.../artifacts/*` request. Fastify has percent-decoded it once and cut it at a raw
 * `#`, which no HTTP client sends; such a request is refused rather than served for the part before the `#`.
 */
function wildcardPath(request: WildcardRequest): string {
  if (request.raw.url?.includes('#') === true) {
    throw new InvalidParameterError("Invalid path: '#' is not allowed");
  }
  return request.params['*'];
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

async function listing(artifacts: ArtifactStore, rawPath: string): Promise<{ files?: FileInfoJson[] }> {
  const entries = await artifacts.list(parseArtifactRequestPath(rawPath, 'folder'));
  // MLflow's JSON omits an empty repeated field, so an empty folder (or a file) lists as `{}`.
  return entries.length === 0 ? {} : { files: entries.map(toFileInfo) };
}

/**
 * MLflow's proxied-artifact protocol (`/api/2.0/mlflow-artifacts/...`) and the tracking API's artifact listing
 * (`GET /api/2.0/mlflow/artifacts/list`), over an `ArtifactStore`. Errors are thrown as `BosunError`s for the
 * app's error handler. Uploads are streamed to the store with no body-size limit and no JSON parsing (the client
 * sends each file with its guessed MIME type, `application/json` included); that parser lives in an encapsulated
 * scope so other routes keep theirs. Fastify fixes each route's error handler when the route loads, so set the
 * app's error handler before calling this (a later one is not seen if a plugin load happens in between).
 *
 * Every path goes through `parseArtifactRequestPath`: no `.` or empty segments in any spelling, and no route acts
 * on a whole experiment, run or logged model (listing and multipart uploads may name a run's or logged model's
 * artifact root, which is what the client sends). Uploads and deletes that would change the files of a registered
 * model version are refused (`versionsUsingPath`).
 *
 * Example: `app.setErrorHandler(handler); await registerArtifactRoutes(app, { artifacts, tracking, versionsUsingPath });`
 */
export async function registerArtifactRoutes(app: FastifyInstance, deps: ArtifactRouteDeps): Promise<void> {
  const { artifacts, tracking } = deps;

  /** Refuses a change to the files of a registered model version, naming the version. */
  const refuseRegistered = async (path: string, change: ArtifactChange): Promise<void> => {
    const versions = (await deps.versionsUsingPath?.(path, change)) ?? [];
    const [first] = versions;
    if (first === undefined) return;
    const more = versions.length > 1 ? ` (and ${versions.length - 1} more version(s))` : '';
    throw new InvalidParameterError(
      `Cannot ${change} '${path}': registered model '${first.name}' version ${first.version}${more} is stored ` +
        `at '${first.storageLocation}'. Registered artifacts are immutable; delete the model version first.`,
    );
  };

  app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => {
      done(null, payload);
    });
    raw.put<{ Params: { '*': string }; Body: unknown }>(`${ARTIFACTS}/*`, async (request) => {
      const path = parseArtifactRequestPath(wildcardPath(request), 'file');
      await refuseRegistered(path, 'write');
      const body = request.body;
      await artifacts.put(path, body instanceof Readable ? body : Buffer.alloc(0));
      return {};
    });
  });

  app.get(ARTIFACTS, async (request) => listing(artifacts, queryParam(request.query, 'path') ?? ''));

  app.get<{ Params: { '*': string } }>(`${ARTIFACTS}/*`, async (request, reply) => {
    const path = parseArtifactRequestPath(wildcardPath(request), 'file');
    const { stream, size } = await artifacts.get(path);
    const fileName = path.slice(path.lastIndexOf('/') + 1);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', size)
      .header('content-disposition', contentDisposition(fileName))
      .header('x-content-type-options', 'nosniff')
      .send(stream);
  });

  app.delete<{ Params: { '*': string } }>(`${ARTIFACTS}/*`, async (request) => {
    const path = parseArtifactRequestPath(wildcardPath(request), 'file');
    await refuseRegistered(path, 'delete');
    await artifacts.delete(path);
    return {};
  });

  // Bad paths get the same 400 here as on the other routes; good ones the 501 the client falls back on.
  for (const step of ['create', 'complete', 'abort']) {
    app.post<{ Params: { '*': string } }>(
      `${MPU}/${step}/*`,
      { schema: notImplementedSchema },
      async (request) => {
        parseArtifactRequestPath(wildcardPath(request), 'folder');
        throw new NotImplementedError(MULTIPART_UNSUPPORTED_MESSAGE);
      },
    );
  }

  app.get<{ Params: { '*': string } }>(
    `${PRESIGNED}/*`,
    { schema: notImplementedSchema },
    async (request) => {
      parseArtifactRequestPath(wildcardPath(request), 'file');
      throw new NotImplementedError(
        'Presigned download URLs are not supported; download through the artifact proxy',
      );
    },
  );

  const fileInfo = {
    type: 'object',
    properties: { path: { type: 'string' }, is_dir: { type: 'boolean' }, file_size: { type: 'integer' } },
  };
  const listing200 = {
    type: 'object',
    properties: { root_uri: { type: 'string' }, files: { type: 'array', items: fileInfo } },
  };
  const listSchema = { response: { 200: listing200, 404: errorBodySchema, 501: errorBodySchema } };
  app.get('/api/2.0/mlflow/artifacts/list', { schema: listSchema }, async (request) => {
    const runId = queryParam(request.query, 'run_id') || queryParam(request.query, 'run_uuid');
    if (runId === undefined || runId === '') {
      throw new InvalidParameterError("Missing value for required parameter 'run_id'");
    }
    const relative = parseArtifactRequestPath(queryParam(request.query, 'path') ?? '', 'relative');
    queryParam(request.query, 'page_token');
    const run = await tracking.getRun(runId);
    const rootUri = run.info.artifactUri;
    if (!isProxiedArtifactUri(rootUri)) {
      throw new NotImplementedError(
        `Listing is only supported for artifacts served by this server (mlflow-artifacts:/...); run '${runId}' stores them at '${rootUri}'`,
      );
    }
    const entries = await artifacts.list(joinArtifactPaths(artifactUriToStorePath(rootUri), relative));
    const files = entries.map((entry) =>
      toFileInfo({ ...entry, path: joinArtifactPaths(relative, entry.path) }),
    );
    return files.length === 0 ? { root_uri: rootUri } : { root_uri: rootUri, files };
  });
}

/** An artifact request's audit record names the run (a listing) or the proxied path. */
function auditArtifact(input: AuditedInput): AuditResource {
  const runId = auditIdentifier(input, 'run_id') ?? auditIdentifier(input, 'run_uuid');
  return { type: 'artifact', id: runId ?? auditField(input.params, '*') ?? null };
}
const audited = (policy: RoutePolicy): RoutePolicy => ({ ...policy, audit: auditArtifact });

const proxy = apiPaths.mlflowArtifacts;

/** The proxy's paths start with the experiment id (`<experiment_id>/<run_id>/artifacts/…`): its grants decide. */
export const artifactPolicies: PolicyTable = {
  [`GET ${apiPaths.mlflow}/artifacts/list`]: audited(needs(experiment('read', runQuery))),
  [`GET ${proxy}/artifacts`]: audited(
    needs(experiment('read', { by: 'artifact-path', from: query('path') })),
  ),
  [`GET ${proxy}/artifacts/*`]: audited(needs(experiment('read', artifactPath))),
  [`PUT ${proxy}/artifacts/*`]: audited(needs(experiment('update', artifactPath))),
  [`DELETE ${proxy}/artifacts/*`]: audited(needs(experiment('delete', artifactPath))),
  [`POST ${proxy}/mpu/create/*`]: needs(experiment('update', artifactPath)),
  [`POST ${proxy}/mpu/complete/*`]: needs(experiment('update', artifactPath)),
  [`POST ${proxy}/mpu/abort/*`]: needs(experiment('update', artifactPath)),
  [`GET ${proxy}/presigned/*`]: needs(experiment('read', artifactPath)),
};

/** The artifact proxy and listing, served only when `config.serveArtifacts` is on. */
export const artifactRoutes: RoutePlugin = {
  name: 'artifacts',
  policies: artifactPolicies,
  async register(app, services) {
    if (!services.config.serveArtifacts) return;
    const deps: ArtifactRouteDeps = {
      artifacts: services.artifacts,
      tracking: services.tracking,
      versionsUsingPath: services.versionsUsingArtifactPath,
    };
    await app.register(async (scope: TypedApp) => {
      await registerArtifactRoutes(scope, deps);
    });
  },
};
