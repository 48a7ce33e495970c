import { actorOf, visibilityFilter } from '../authz/index.js';
import { Type } from '@sinclair/typebox';
import { isS3Uri, joinArtifactPaths, localPathOf, parseArtifactRequestPath } from '../../artifacts/index.js';
import type { ArtifactRoots, ArtifactStore } from '../../artifacts/index.js';
import { remoteLocationInside, type ModelVersion, type RegistryService } from '../../registry/index.js';
import { InvalidParameterError, NotFoundError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import { sendArtifact } from './artifact-wire.js';
import { withMlflowPathErrors } from './mlflow-path-errors.js';
import type { TypedApp } from '../typed-app.js';
import { searchQueryOf } from './registered-model-routes.js';
import { ModelVersionOut, modelVersionToWire } from './registry-wire.js';
import { optionalString, parseBool, requireString, tagsFromWire } from './wire.js';
import {
  BoolIn,
  Empty,
  Int64,
  LoggedModelIdIn,
  RunIdIn,
  TagIn,
  VersionIn,
  VersionQueryIn,
} from './wire-schemas.js';
import {
  apiPaths,
  experiment,
  model,
  modelBody,
  modelQuery,
  needs,
  signedIn,
} from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';

const tags = ['model-versions'];
const VersionEnvelope = Type.Object({ model_version: ModelVersionOut });
const VersionRef = { name: Type.String(), version: VersionIn };
const VersionQueryRef = { name: Type.String(), version: VersionQueryIn };

function versionOf(value: string | number): string {
  const text = String(value);
  if (text === '') throw new InvalidParameterError("Missing value for required parameter 'version'.");
  return text;
}

/** MLflow's model-version calls (reference §7). */
export function registerModelVersionRoutes(app: TypedApp, registry: RegistryService): void {
  app.post(
    '/model-versions/create',
    {
      schema: {
        tags,
        summary: 'Register a new version (status READY); the source is validated',
        body: Type.Object({
          name: Type.String(),
          source: Type.String(),
          run_id: Type.Optional(RunIdIn()),
          tags: Type.Optional(Type.Array(TagIn)),
          run_link: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          model_id: Type.Optional(LoggedModelIdIn),
        }),
        response: { 200: VersionEnvelope },
      },
    },
    async (req) => {
      const b = req.body;
      const input: Parameters<RegistryService['createModelVersion']>[0] = {
        name: requireString(b.name, 'name'),
        source: requireString(b.source, 'source'),
        tags: tagsFromWire(b.tags),
      };
      const runId = optionalString(b.run_id);
      if (runId !== undefined) input.runId = runId;
      const runLink = optionalString(b.run_link);
      if (runLink !== undefined) input.runLink = runLink;
      const description = optionalString(b.description);
      if (description !== undefined) input.description = description;
      const modelId = optionalString(b.model_id);
      if (modelId !== undefined) input.modelId = modelId;
      return { model_version: modelVersionToWire(await registry.createModelVersion(input)) };
    },
  );

  app.get(
    '/model-versions/get',
    {
      schema: {
        tags,
        summary: 'Get a model version',
        querystring: Type.Object(VersionQueryRef),
        response: { 200: VersionEnvelope },
      },
    },
    async (req) => ({
      model_version: modelVersionToWire(
        await registry.getModelVersion(requireString(req.query.name, 'name'), versionOf(req.query.version)),
      ),
    }),
  );

  app.patch(
    '/model-versions/update',
    {
      schema: {
        tags,
        summary: "Update a version's description",
        body: Type.Object({ ...VersionRef, description: Type.Optional(Type.String()) }),
        response: { 200: VersionEnvelope },
      },
    },
    async (req) => {
      const b = req.body;
      const version = await registry.updateModelVersion(
        requireString(b.name, 'name'),
        versionOf(b.version),
        b.description ?? '',
      );
      return { model_version: modelVersionToWire(version) };
    },
  );

  app.delete(
    '/model-versions/delete',
    {
      schema: {
        tags,
        summary: 'Delete a version (its number is never reused; its aliases go)',
        body: Type.Object(VersionRef),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await registry.deleteModelVersion(requireString(req.body.name, 'name'), versionOf(req.body.version));
      return {};
    },
  );

  app.get(
    '/model-versions/search',
    {
      schema: {
        tags,
        summary: 'Search model versions',
        querystring: Type.Object({
          filter: Type.Optional(Type.String()),
          max_results: Type.Optional(Int64()),
          order_by: Type.Optional(Type.Array(Type.String())),
          page_token: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            model_versions: Type.Optional(Type.Array(ModelVersionOut)),
            next_page_token: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async (req) => {
      const page = await registry.searchModelVersions({
        ...searchQueryOf(req.query),
        ...(await visibilityFilter(req, 'registered-model')),
      });
      return {
        model_versions: page.items.length > 0 ? page.items.map(modelVersionToWire) : undefined,
        next_page_token: page.nextPageToken || undefined,
      };
    },
  );

  app.post(
    '/model-versions/set-tag',
    {
      schema: {
        tags,
        summary: 'Set a tag on a model version',
        body: Type.Object({ ...VersionRef, key: Type.String(), value: Type.Optional(Type.String()) }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const b = req.body;
      await registry.setModelVersionTag(
        requireString(b.name, 'name'),
        versionOf(b.version),
        b.key,
        b.value ?? '',
      );
      return {};
    },
  );

  app.delete(
    '/model-versions/delete-tag',
    {
      schema: {
        tags,
        summary: 'Delete a tag of a model version (a missing tag is fine)',
        body: Type.Object({ ...VersionRef, key: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const b = req.body;
      await registry.deleteModelVersionTag(requireString(b.name, 'name'), versionOf(b.version), b.key);
      return {};
    },
  );

  app.post(
    '/model-versions/transition-stage',
    {
      schema: {
        tags,
        summary: 'Move a version to None, Staging, Production or Archived',
        body: Type.Object({
          ...VersionRef,
          stage: Type.String(),
          archive_existing_versions: Type.Optional(BoolIn),
        }),
        response: { 200: VersionEnvelope },
      },
    },
    async (req) => {
      const b = req.body;
      const archive = parseBool(b.archive_existing_versions, 'archive_existing_versions') ?? false;
      const version = await registry.transitionModelVersionStage(
        requireString(b.name, 'name'),
        versionOf(b.version),
        requireString(b.stage, 'stage'),
        archive,
        actorOf(req),
      );
      return { model_version: modelVersionToWire(version) };
    },
  );

  app.get(
    '/model-versions/get-download-uri',
    {
      schema: {
        tags,
        summary: "Where a version's files are",
        querystring: Type.Object(VersionQueryRef),
        response: { 200: Type.Object({ artifact_uri: Type.String() }) },
      },
    },
    async (req) => ({
      artifact_uri: await registry.getModelVersionDownloadUri(
        requireString(req.query.name, 'name'),
        versionOf(req.query.version),
      ),
    }),
  );
}

/** What the version download route reads files with. */
export interface VersionArtifactDeps {
  /** The server's store: versions recorded as `mlflow-artifacts:/...`. */
  artifacts: ArtifactStore;
  /** With `tracking`: versions recorded at a local path (registered with `--no-serve-artifacts`). */
  roots?: ArtifactRoots;
  tracking?: Pick<TrackingService, 'getRunInfo' | 'getLoggedModel'>;
}

/** The local artifact root of the run, else the logged model, a version came from (where its files must lie). */
async function sourceRootOf(
  tracking: Pick<TrackingService, 'getRunInfo' | 'getLoggedModel'>,
  version: ModelVersion,
): Promise<string | undefined> {
  const orNothing = async (lookup: () => Promise<string>): Promise<string | undefined> => {
    try {
      return await lookup();
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };
  const fromRun = version.runId
    ? await orNothing(async () => (await tracking.getRunInfo(version.runId!)).artifactUri)
    : undefined;
  if (fromRun !== undefined && localPathOf(fromRun) !== null) return fromRun;
  return version.modelId
    ? orNothing(async () => (await tracking.getLoggedModel(version.modelId!)).artifactUri)
    : undefined;
}

/** The artifact root (run's, then logged model's) in a bucket that holds a version stored at `s3://...`. */
async function bucketRootHolding(
  tracking: Pick<TrackingService, 'getRunInfo' | 'getLoggedModel'>,
  version: ModelVersion,
): Promise<string | undefined> {
  const lookups: (() => Promise<string>)[] = [];
  if (version.runId) lookups.push(async () => (await tracking.getRunInfo(version.runId!)).artifactUri);
  if (version.modelId)
    lookups.push(async () => (await tracking.getLoggedModel(version.modelId!)).artifactUri);
  for (const lookup of lookups) {
    try {
      const root = await lookup();
      if (isS3Uri(root) && remoteLocationInside(version.storageLocation, root)) return root;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return undefined;
}

/**
 * `GET /model-versions/get-artifact?name=&version=&path=` (the MLflow web UI's route): one file of a version,
 * read through the artifact store and only from inside it, or, for a version recorded at a local path (registered
 * with `--no-serve-artifacts`), from that path, only inside the local artifact root of the run or logged model it
 * came from (`ArtifactRoots.openInside`: no path or link leaves it). A version in a bucket (clients writing to the
 * server's `s3://` default artifact root with `--no-serve-artifacts`) is read the same way: only inside the bucket
 * root of the run or logged model it came from, and only in the server's own S3 roots. Other versions (remote
 * stores), and any path that would leave the version's folder, get 400 INVALID_PARAMETER_VALUE.
 */
export function registerModelVersionArtifactRoute(
  app: TypedApp,
  registry: RegistryService,
  deps: VersionArtifactDeps,
): void {
  const { artifacts, roots, tracking } = deps;
  app.get(
    '/model-versions/get-artifact',
    {
      schema: {
        tags,
        summary: "Download one file of a version's artifacts",
        querystring: Type.Object({ ...VersionQueryRef, path: Type.String() }),
      },
    },
    async (req, reply) =>
      withMlflowPathErrors(async () => {
        if (req.raw.url?.includes('#') === true)
          throw new InvalidParameterError("Invalid path: '#' is not allowed");
        const q = req.query;
        const name = requireString(q.name, 'name');
        const number = versionOf(q.version);
        const found = await registry.getModelVersion(name, number);
        if (roots && tracking && localPathOf(found.storageLocation) !== null) {
          // Stored at a local path: read only inside the artifact root of the run or logged model it came from.
          const path = parseArtifactRequestPath(q.path, 'relative');
          if (path === '')
            throw new InvalidParameterError(`Invalid path: ${q.path} (names the version's folder)`);
          const sourceRoot = await sourceRootOf(tracking, found);
          if (sourceRoot === undefined) {
            throw new InvalidParameterError(
              `Model version ${name}/${number} is stored at a local path but names no run or logged model whose ` +
                'artifact folder holds it; its files are not served.',
            );
          }
          const root = roots.openInside(found.storageLocation, sourceRoot);
          return sendArtifact(reply, root.store, joinArtifactPaths(root.path, path), req.headers);
        }
        if (roots && tracking && isS3Uri(found.storageLocation)) {
          const path = parseArtifactRequestPath(q.path, 'relative');
          if (path === '')
            throw new InvalidParameterError(`Invalid path: ${q.path} (names the version's folder)`);
          if ((await bucketRootHolding(tracking, found)) === undefined) {
            throw new InvalidParameterError(
              `Model version ${name}/${number} is stored in a bucket but names no run or logged model whose ` +
                'artifact folder holds it; its files are not served.',
            );
          }
          const root = roots.open(found.storageLocation);
          return sendArtifact(reply, root.store, joinArtifactPaths(root.path, path), req.headers);
        }
        const storePath = await registry.getModelVersionArtifactPath(name, number, q.path);
        return sendArtifact(reply, artifacts, storePath, req.headers);
      }),
  );
}

const mlflow = apiPaths.mlflow;

/** Who may call the model-version routes: the registered model decides. */
export const modelVersionPolicies: PolicyTable = {
  // A new version must not point at files the caller may not read (another user's run or logged model).
  [`POST ${mlflow}/model-versions/create`]: needs(
    model('update', modelBody),
    experiment('read', { by: 'model-version-source' }),
  ),
  [`GET ${mlflow}/model-versions/get`]: needs(model('read', modelQuery)),
  [`GET ${mlflow}/model-versions/search`]: signedIn,
  [`PATCH ${mlflow}/model-versions/update`]: needs(model('update', modelBody)),
  [`POST ${mlflow}/model-versions/transition-stage`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/model-versions/delete`]: needs(model('delete', modelBody)),
  [`POST ${mlflow}/model-versions/set-tag`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/model-versions/delete-tag`]: needs(model('delete', modelBody)),
  [`GET ${mlflow}/model-versions/get-download-uri`]: needs(model('read', modelQuery)),
  [`GET ${mlflow}/model-versions/get-artifact`]: needs(model('read', modelQuery)),
  [`GET /model-versions/get-artifact`]: needs(model('read', modelQuery)),
};
