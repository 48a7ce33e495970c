import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ArtifactRoots, parseArtifactRequestPath } from '../../artifacts/index.js';
import type { ArtifactStore } from '../../artifacts/index.js';
import type { ArtifactChange, VersionUsingArtifactPath } from '../../registry/index.js';
import { InvalidParameterError, NotImplementedError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import type { TypedApp } from '../typed-app.js';
import { errorBodySchema } from '../openapi-responses.js';
import type { AuditResource } from '../../security/audit/index.js';
import { auditField, auditIdentifier } from '../audit/index.js';
import { apiPaths, artifactPath, experiment, needs, query } from '../authz/policy-helpers.js';
import { combinePolicies } from '../authz/route-policies.js';
import type { AuditedInput, PolicyTable, RoutePolicy } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import { registerArtifactMultipartRoutes } from './artifact-mpu-routes.js';
import { artifactUiPolicies, registerArtifactUiRoutes } from './artifact-ui-routes.js';
import { queryParam, sendArtifact, toFileInfo, type FileInfoJson } from './artifact-wire.js';

export interface ArtifactRouteDeps {
  artifacts: ArtifactStore;
  /** Where run and logged-model artifact roots are (default: `artifacts` for `mlflow-artifacts:` roots only). */
  roots?: ArtifactRoots;
  /** To find a run's or logged model's artifact root and its experiment's location. */
  tracking: Pick<TrackingService, 'getRunInfo' | 'getExperiment' | 'getLoggedModel'>;
  /**
   * The registered model versions whose files a write or delete at a store path would change (the registry's
   * `findVersionsUsingArtifactPath`); such changes are refused, registered artifacts being immutable. Without it
   * (a server with no registry) nothing is registered.
   */
  versionsUsingPath?: (storePath: string, change: ArtifactChange) => Promise<VersionUsingArtifactPath[]>;
}

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const PRESIGNED = '/api/2.0/mlflow-artifacts/presigned';
/** The client matches the start of this message and falls back to a single PUT. */
export const MULTIPART_UNSUPPORTED_MESSAGE =
  'Multipart upload is not supported for the current artifact repository';

/** The OpenAPI document lists the 501 these routes answer on purpose (MLflow's client falls back on it). */
const notImplementedSchema = { response: { 501: errorBodySchema } };

type WildcardRequest = FastifyRequest<{ Params: { '*': string } }>;

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

async function listing(artifacts: ArtifactStore, rawPath: string): Promise<{ files?: FileInfoJson[] }> {
  const entries = await artifacts.list(parseArtifactRequestPath(rawPath, 'folder'));
  // MLflow's JSON omits an empty repeated field, so an empty folder (or a file) lists as `{}`.
  return entries.length === 0 ? {} : { files: entries.map(toFileInfo) };
}

/**
 * MLflow's proxied-artifact protocol (`/api/2.0/mlflow-artifacts/...`) over an `ArtifactStore`, and the routes
 * that read and write artifact roots through the server (`registerArtifactUiRoutes`: the tracking API's listing,
 * the web UI's downloads and uploads). Errors are thrown as `BosunError`s for the
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
  await registerArtifactProxyRoutes(app, deps);
  await registerArtifactUiRoutes(app, {
    roots:
      deps.roots ?? new ArtifactRoots({ store: deps.artifacts, defaultArtifactRoot: 'mlflow-artifacts:/' }),
    tracking: deps.tracking,
    ...(deps.versionsUsingPath ? { versionsUsingPath: deps.versionsUsingPath } : {}),
  });
}

/** The proxy alone (`/api/2.0/mlflow-artifacts/...`), served only when the server serves artifacts. */
export async function registerArtifactProxyRoutes(
  app: FastifyInstance,
  deps: Pick<ArtifactRouteDeps, 'artifacts' | 'versionsUsingPath'>,
): Promise<void> {
  const { artifacts } = deps;

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
    return sendArtifact(reply, artifacts, path, request.headers);
  });

  app.delete<{ Params: { '*': string } }>(`${ARTIFACTS}/*`, async (request) => {
    const path = parseArtifactRequestPath(wildcardPath(request), 'file');
    await refuseRegistered(path, 'delete');
    await artifacts.delete(path);
    return {};
  });

  // Multipart uploads: presigned parts on S3; elsewhere the 501 the client falls back on (bad paths: 400 first).
  await registerArtifactMultipartRoutes(app, deps);

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
}

/** An artifact request's audit record names the run (a listing) or the proxied path. */
function auditArtifact(input: AuditedInput): AuditResource {
  const runId = auditIdentifier(input, 'run_id') ?? auditIdentifier(input, 'run_uuid');
  return { type: 'artifact', id: runId ?? auditField(input.params, '*') ?? null };
}
const audited = (policy: RoutePolicy): RoutePolicy => ({ ...policy, audit: auditArtifact });

const proxy = apiPaths.mlflowArtifacts;

/** The proxy's paths start with the experiment id (`<experiment_id>/<run_id>/artifacts/…`): its grants decide. */
export const artifactProxyPolicies: PolicyTable = {
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

/** Every artifact route's policy: the proxy's and the tracking API's and web UI's. */
export const artifactPolicies: PolicyTable = combinePolicies({
  proxy: artifactProxyPolicies,
  roots: artifactUiPolicies,
});

/**
 * The artifact routes: the proxy only when `config.serveArtifacts` is on; the tracking API's listing and the web
 * UI's downloads and uploads always (as MLflow serves them with `--no-serve-artifacts` too).
 */
export const artifactRoutes: RoutePlugin = {
  name: 'artifacts',
  policies: artifactPolicies,
  async register(app, services) {
    await app.register(async (scope: TypedApp) => {
      if (services.config.serveArtifacts) {
        await registerArtifactProxyRoutes(scope, {
          artifacts: services.artifacts,
          versionsUsingPath: services.versionsUsingArtifactPath,
        });
      }
      await registerArtifactUiRoutes(scope, {
        roots: services.artifactRoots,
        tracking: services.tracking,
        versionsUsingPath: services.versionsUsingArtifactPath,
        versionsUsingLocalPath: services.versionsUsingLocalPath,
      });
    });
  },
};
