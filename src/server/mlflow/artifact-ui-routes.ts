import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { joinArtifactPaths, parseArtifactRequestPath } from '../../artifacts/index.js';
import type { ArtifactRoots, OpenedArtifactRoot } from '../../artifacts/index.js';
import type { ArtifactChange, VersionUsingArtifactPath } from '../../registry/index.js';
import { BosunError, InvalidParameterError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import type { AuditResource } from '../../security/audit/index.js';
import { auditIdentifier } from '../audit/index.js';
import { errorBodySchema } from '../openapi-responses.js';
import {
  apiPaths,
  experiment,
  loggedModelParam,
  needs,
  query,
  runIn,
  runQuery,
} from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable, RoutePolicy } from '../authz/policy-types.js';
import { Type } from '@sinclair/typebox';
import { LoggedModelIdItem } from '../id-schemas.js';
import { RunRef } from './wire-schemas.js';
import { queryParam, sendArtifact, toFileInfo, type FileInfoJson } from './artifact-wire.js';

/** What the routes need: where artifact roots are, and the runs and logged models they belong to. */
export interface ArtifactUiRouteDeps {
  roots: ArtifactRoots;
  tracking: Pick<TrackingService, 'getRunInfo' | 'getExperiment' | 'getLoggedModel'>;
  /** The registered versions a write at a path of the server's store would change (see artifact-routes.ts). */
  versionsUsingPath?: (storePath: string, change: ArtifactChange) => Promise<VersionUsingArtifactPath[]>;
  /** The same for an absolute local path, for roots opened as local folders (versions registered from there). */
  versionsUsingLocalPath?: (path: string, change: ArtifactChange) => Promise<VersionUsingArtifactPath[]>;
}

const mlflowPrefixes = [apiPaths.mlflow, '/ajax-api/2.0/mlflow'] as const;
const AJAX = '/ajax-api/2.0/mlflow';
/** MLflow's `upload-artifact` limit. */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const TOO_LARGE = 'Artifact size is too large. Max size is 10MB.';

const fileInfo = {
  type: 'object',
  properties: { path: { type: 'string' }, is_dir: { type: 'boolean' }, file_size: { type: 'integer' } },
};
const listingSchema = {
  response: {
    200: {
      type: 'object',
      properties: {
        root_uri: { type: 'string' },
        files: { type: 'array', items: fileInfo },
        next_page_token: { type: 'string' },
      },
    },
    404: errorBodySchema,
    501: errorBodySchema,
  },
};
const hidden = { hide: true };
/** The logged model's id in the path, in its one spelling (a refusal names `model_id`). */
const modelParams = { params: Type.Object({ model_id: LoggedModelIdItem }) };
const pathField = Type.Optional(
  Type.String({ description: "a path relative to the artifact root ('..' refused)" }),
);
/** Query strings: ids in their one spelling; missing fields get MLflow's messages from the handlers. */
const runQueryString = (more: Record<string, typeof pathField>) => ({
  querystring: Type.Object({ ...RunRef, path: pathField, ...more }),
});

/**
 * A path relative to an artifact root (`''` is the root), with the artifact proxy's path rules. A refused path
 * answers exactly MLflow's `Invalid path` (its web-UI routes say no more, and its tests compare the whole body).
 */
function relativePath(raw: string | undefined): string {
  try {
    return parseArtifactRequestPath(raw ?? '', 'relative');
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new InvalidParameterError('Invalid path');
    throw error;
  }
}

/** A file's path relative to an artifact root: not the root itself. */
function relativeFile(raw: string): string {
  const path = relativePath(raw);
  if (path === '') throw new InvalidParameterError('Invalid path');
  return path;
}

/** The request's URL may not carry a raw `#` (no HTTP client sends one; the part before it would be served). */
function noFragment(request: FastifyRequest): void {
  if (request.raw.url?.includes('#') === true)
    throw new InvalidParameterError("Invalid path: '#' is not allowed");
}

/** A run's id from `run_id`, else `run_uuid` (MLflow's deprecated twin). */
function runIdOf(request: FastifyRequest, first: 'run_id' | 'run_uuid' = 'run_id'): string | undefined {
  const other = first === 'run_id' ? 'run_uuid' : 'run_id';
  return queryParam(request.query, first) || queryParam(request.query, other) || undefined;
}

async function listed(root: OpenedArtifactRoot, relative: string): Promise<FileInfoJson[]> {
  const entries = await root.store.list(joinArtifactPaths(root.path, relative));
  return entries.map((entry) => toFileInfo({ ...entry, path: joinArtifactPaths(relative, entry.path) }));
}

/** Reads a request body into memory, refusing more than `limit` bytes (MLflow's upload-artifact reads it whole). */
async function readCapped(body: unknown, limit: number): Promise<Buffer> {
  if (!(body instanceof Readable)) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > limit) {
      body.destroy();
      throw new InvalidParameterError(TOO_LARGE);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * The routes through which the tracking API and MLflow's web UI read and write a run's or logged model's artifacts
 * via the server, served in both artifact modes (with `--no-serve-artifacts` too, as MLflow does):
 *
 * - `GET {/api,/ajax-api}/2.0/mlflow/artifacts/list?run_id=&path=`: `{root_uri, files}`, paths relative to the run's root;
 * - `GET /get-artifact?run_id=&path=`: one file of a run;
 * - `POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=`: one file (the raw body, at most 10 MB) into a run;
 * - `GET {/api,/ajax-api}/2.0/mlflow/logged-models/{id}/artifacts/directories?artifact_directory_path=`;
 * - `GET /ajax-api/2.0/mlflow/logged-models/{id}/artifacts/files?artifact_file_path=`.
 *
 * Artifact roots are opened with `ArtifactRoots` (the server's store, or a local folder it may read: the
 * experiment's location, the destination or a local default root), so no path or link leaves the root's folder;
 * paths follow the artifact proxy's rules (`parseArtifactRequestPath`). Writes to the server's store that would
 * change a registered version's files are refused. Set the app's error handler first (see artifact-routes.ts).
 *
 * Example: `await registerArtifactUiRoutes(app, { roots, tracking, versionsUsingPath });`
 */
export async function registerArtifactUiRoutes(
  app: FastifyInstance,
  deps: ArtifactUiRouteDeps,
): Promise<void> {
  const { roots, tracking } = deps;

  const openRun = async (runId: string): Promise<{ uri: string; root: OpenedArtifactRoot }> => {
    const info = await tracking.getRunInfo(runId);
    const experimentOfRun = await tracking.getExperiment(info.experimentId);
    return { uri: info.artifactUri, root: roots.open(info.artifactUri, experimentOfRun.artifactLocation) };
  };
  const openModel = async (modelId: string): Promise<{ uri: string; root: OpenedArtifactRoot }> => {
    const model = await tracking.getLoggedModel(modelId);
    const experimentOfModel = await tracking.getExperiment(model.experimentId);
    return {
      uri: model.artifactUri,
      root: roots.open(model.artifactUri, experimentOfModel.artifactLocation),
    };
  };

  for (const prefix of mlflowPrefixes) {
    const schema = prefix === AJAX ? { ...listingSchema, ...hidden } : listingSchema;
    const listQuery = runQueryString({ page_token: Type.Optional(Type.String()) });
    app.get(`${prefix}/artifacts/list`, { schema: { ...schema, ...listQuery } }, async (request) => {
      noFragment(request);
      const runId = runIdOf(request);
      if (runId === undefined)
        throw new InvalidParameterError("Missing value for required parameter 'run_id'");
      const relative = relativePath(queryParam(request.query, 'path'));
      queryParam(request.query, 'page_token');
      const { uri, root } = await openRun(runId);
      const files = await listed(root, relative);
      return files.length === 0 ? { root_uri: uri } : { root_uri: uri, files };
    });

    app.get<{ Params: { model_id: string } }>(
      `${prefix}/logged-models/:model_id/artifacts/directories`,
      {
        schema: {
          ...schema,
          ...modelParams,
          querystring: Type.Object({
            artifact_directory_path: pathField,
            page_token: Type.Optional(Type.String()),
          }),
        },
      },
      async (request) => {
        noFragment(request);
        const relative = relativePath(queryParam(request.query, 'artifact_directory_path'));
        queryParam(request.query, 'page_token');
        const { uri, root } = await openModel(request.params.model_id);
        const files = await listed(root, relative);
        return files.length === 0 ? { root_uri: uri } : { root_uri: uri, files };
      },
    );
  }

  app.get('/get-artifact', { schema: runQueryString({}) }, async (request, reply) => {
    noFragment(request);
    const runId = runIdOf(request);
    if (runId === undefined) throw new InvalidParameterError("Missing value for required parameter 'run_id'");
    const raw = queryParam(request.query, 'path');
    if (raw === undefined) throw new InvalidParameterError("Missing value for required parameter 'path'");
    const path = relativeFile(raw);
    const { root } = await openRun(runId);
    return sendArtifact(reply, root.store, joinArtifactPaths(root.path, path), request.headers);
  });

  app.get<{ Params: { model_id: string } }>(
    `${AJAX}/logged-models/:model_id/artifacts/files`,
    { schema: { ...modelParams, querystring: Type.Object({ artifact_file_path: pathField }) } },
    async (request, reply) => {
      noFragment(request);
      const raw = queryParam(request.query, 'artifact_file_path');
      if (!raw) {
        throw new BosunError('BAD_REQUEST', 'Request must include the "artifact_file_path" query parameter.');
      }
      const path = relativeFile(raw);
      const { root } = await openModel(request.params.model_id);
      return sendArtifact(reply, root.store, joinArtifactPaths(root.path, path), request.headers);
    },
  );

  // The body is the file, of any content type: read raw in a scope of its own, as the proxy's uploads are.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => {
      done(null, payload);
    });
    raw.post(`${AJAX}/upload-artifact`, { schema: runQueryString({}) }, async (request) => {
      noFragment(request);
      const runId = runIdOf(request, 'run_uuid');
      if (runId === undefined) throw new InvalidParameterError('Request must specify run_uuid.');
      const rawPath = queryParam(request.query, 'path');
      if (!rawPath) throw new InvalidParameterError('Request must specify path.');
      const path = relativeFile(rawPath);
      if (Number(request.headers['content-length'] ?? 0) > MAX_UPLOAD_BYTES) {
        throw new InvalidParameterError(TOO_LARGE);
      }
      const data = await readCapped(request.body, MAX_UPLOAD_BYTES);
      if (data.length === 0) throw new InvalidParameterError('Request must specify data.');
      const { root } = await openRun(runId);
      const target = joinArtifactPaths(root.path, path);
      if (root.inServerStore) {
        // The proxy's rules for the full store path (never a layout root), and registered files stay as they are.
        parseArtifactRequestPath(target, 'file');
        await refuseRegistered(deps.versionsUsingPath, target, target);
      } else if (root.localFolder !== undefined) {
        // Versions registered from a local folder (a local source, or a run kept in the store's folder) too.
        const local = `${root.localFolder.replace(/\/+$/, '')}/${target}`;
        await refuseRegistered(deps.versionsUsingLocalPath, local, target);
      }
      await root.store.put(target, data);
      return {};
    });
  });
}

async function refuseRegistered(
  versionsUsing: ((path: string, change: ArtifactChange) => Promise<VersionUsingArtifactPath[]>) | undefined,
  lookedUp: string,
  path: string,
): Promise<void> {
  const versions = (await versionsUsing?.(lookedUp, 'write')) ?? [];
  const [first] = versions;
  if (first === undefined) return;
  throw new InvalidParameterError(
    `Cannot write '${path}': registered model '${first.name}' version ${first.version} is stored at ` +
      `'${first.storageLocation}'. Registered artifacts are immutable; delete the model version first.`,
  );
}

/** The audit record names the run, or the logged model, whose artifacts were read or written. */
function auditRoot(input: AuditedInput): AuditResource {
  const runId = auditIdentifier(input, 'run_id') ?? auditIdentifier(input, 'run_uuid');
  if (runId !== undefined) return { type: 'artifact', id: runId };
  return { type: 'artifact', id: auditIdentifier(input, 'model_id') ?? null };
}
const audited = (policy: RoutePolicy): RoutePolicy => ({ ...policy, audit: auditRoot });

const mlflow = apiPaths.mlflow;

/** Reading needs READ on the run's or logged model's experiment, uploading EDIT (MLflow's auth rules). */
export const artifactUiPolicies: PolicyTable = {
  [`GET ${mlflow}/artifacts/list`]: audited(needs(experiment('read', runQuery))),
  [`GET /get-artifact`]: audited(needs(experiment('read', runQuery))),
  [`POST ${mlflow}/upload-artifact`]: audited(
    needs(experiment('update', runIn(query('run_uuid', 'run_id')))),
  ),
  [`GET ${mlflow}/logged-models/:model_id/artifacts/directories`]: audited(
    needs(experiment('read', loggedModelParam)),
  ),
  [`GET ${mlflow}/logged-models/:model_id/artifacts/files`]: audited(
    needs(experiment('read', loggedModelParam)),
  ),
};
