import { actorOf, visibilityFilter } from '../authz/index.js';
import { Type } from '@sinclair/typebox';
import type { RegistryService, SearchRegistryQuery } from '../../registry/index.js';
import type { TypedApp } from '../typed-app.js';
import {
  ModelVersionOut,
  RegisteredModelOut,
  modelVersionToWire,
  registeredModelToWire,
} from './registry-wire.js';
import { optionalString, requireString, tagsFromWire } from './wire.js';
import { Empty, Int64, TagIn, VersionIn } from './wire-schemas.js';
import { apiPaths, body, model, modelBody, modelQuery, needs, signedIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';

const tags = ['registered-models'];
const ModelEnvelope = Type.Object({ registered_model: RegisteredModelOut });
const NameIn = { name: Type.String() };
const SearchIn = Type.Object({
  filter: Type.Optional(Type.String()),
  max_results: Type.Optional(Int64()),
  order_by: Type.Optional(Type.Array(Type.String())),
  page_token: Type.Optional(Type.String()),
});
const LatestIn = Type.Object({ ...NameIn, stages: Type.Optional(Type.Array(Type.String())) });
const LatestOut = { 200: Type.Object({ model_versions: Type.Optional(Type.Array(ModelVersionOut)) }) };

/** The search query of a GET, as the service takes it. */
export function searchQueryOf(q: {
  filter?: string | undefined;
  max_results?: number | undefined;
  order_by?: string[] | undefined;
  page_token?: string | undefined;
}): SearchRegistryQuery {
  const query: SearchRegistryQuery = {};
  if (q.filter) query.filter = q.filter;
  if (q.max_results !== undefined) query.maxResults = q.max_results;
  if (q.order_by && q.order_by.length > 0) query.orderBy = q.order_by;
  if (q.page_token) query.pageToken = q.page_token;
  return query;
}

/** MLflow's registered-model calls (reference §7). */
export function registerRegisteredModelRoutes(app: TypedApp, registry: RegistryService): void {
  app.post(
    '/registered-models/create',
    {
      schema: {
        tags,
        summary: 'Create a registered model',
        body: Type.Object({
          ...NameIn,
          tags: Type.Optional(Type.Array(TagIn)),
          description: Type.Optional(Type.String()),
          deployment_job_id: Type.Optional(Type.String({ description: 'accepted, not used' })),
        }),
        response: { 200: ModelEnvelope },
      },
    },
    async (req) => {
      const b = req.body;
      const description = optionalString(b.description);
      const model = await registry.createRegisteredModel({
        name: requireString(b.name, 'name'),
        ...(description !== undefined ? { description } : {}),
        tags: tagsFromWire(b.tags),
      });
      return { registered_model: registeredModelToWire(model) };
    },
  );

  app.get(
    '/registered-models/get',
    {
      schema: {
        tags,
        summary: 'Get a registered model',
        querystring: Type.Object(NameIn),
        response: { 200: ModelEnvelope },
      },
    },
    async (req) => ({
      registered_model: registeredModelToWire(
        await registry.getRegisteredModel(requireString(req.query.name, 'name')),
      ),
    }),
  );

  app.post(
    '/registered-models/rename',
    {
      schema: {
        tags,
        summary: 'Rename a registered model (its versions follow)',
        body: Type.Object({ ...NameIn, new_name: Type.String() }),
        response: { 200: ModelEnvelope },
      },
    },
    async (req) => {
      const name = requireString(req.body.name, 'name');
      const model = await registry.renameRegisteredModel(name, requireString(req.body.new_name, 'new_name'));
      return { registered_model: registeredModelToWire(model) };
    },
  );

  app.patch(
    '/registered-models/update',
    {
      schema: {
        tags,
        summary: "Update a registered model's description",
        body: Type.Object({
          ...NameIn,
          description: Type.Optional(Type.String()),
          deployment_job_id: Type.Optional(Type.String()),
        }),
        response: { 200: ModelEnvelope },
      },
    },
    async (req) => {
      const model = await registry.updateRegisteredModel(
        requireString(req.body.name, 'name'),
        req.body.description ?? '',
      );
      return { registered_model: registeredModelToWire(model) };
    },
  );

  app.delete(
    '/registered-models/delete',
    {
      schema: {
        tags,
        summary: 'Delete a registered model with its versions',
        body: Type.Object(NameIn),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await registry.deleteRegisteredModel(requireString(req.body.name, 'name'));
      return {};
    },
  );

  app.get(
    '/registered-models/search',
    {
      schema: {
        tags,
        summary: 'Search registered models',
        querystring: SearchIn,
        response: {
          200: Type.Object({
            registered_models: Type.Optional(Type.Array(RegisteredModelOut)),
            next_page_token: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async (req) => {
      const page = await registry.searchRegisteredModels({
        ...searchQueryOf(req.query),
        ...(await visibilityFilter(req, 'registered-model')),
      });
      return {
        registered_models: page.items.length > 0 ? page.items.map(registeredModelToWire) : undefined,
        next_page_token: page.nextPageToken || undefined,
      };
    },
  );

  const latest = async (body: { name: string; stages?: string[] | undefined }) => {
    const versions = await registry.getLatestVersions(requireString(body.name, 'name'), body.stages ?? []);
    return { model_versions: versions.length > 0 ? versions.map(modelVersionToWire) : undefined };
  };
  app.post(
    '/registered-models/get-latest-versions',
    {
      schema: { tags, summary: 'Latest version per stage', body: LatestIn, response: LatestOut },
    },
    async (req) => latest(req.body),
  );
  app.get(
    '/registered-models/get-latest-versions',
    {
      schema: { tags, summary: 'Latest version per stage', querystring: LatestIn, response: LatestOut },
    },
    async (req) => latest(req.query),
  );

  app.post(
    '/registered-models/set-tag',
    {
      schema: {
        tags,
        summary: 'Set a tag on a registered model',
        body: Type.Object({ ...NameIn, key: Type.String(), value: Type.Optional(Type.String()) }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const b = req.body;
      await registry.setRegisteredModelTag(requireString(b.name, 'name'), b.key, b.value ?? '');
      return {};
    },
  );

  app.delete(
    '/registered-models/delete-tag',
    {
      schema: {
        tags,
        summary: 'Delete a tag of a registered model (a missing tag is fine)',
        body: Type.Object({ ...NameIn, key: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await registry.deleteRegisteredModelTag(requireString(req.body.name, 'name'), req.body.key);
      return {};
    },
  );

  app.post(
    '/registered-models/alias',
    {
      schema: {
        tags,
        summary: 'Point an alias at a version',
        body: Type.Object({ ...NameIn, alias: Type.String(), version: VersionIn }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const b = req.body;
      await registry.setRegisteredModelAlias(
        requireString(b.name, 'name'),
        b.alias,
        String(b.version),
        actorOf(req),
      );
      return {};
    },
  );

  app.delete(
    '/registered-models/alias',
    {
      schema: {
        tags,
        summary: 'Remove an alias (a missing alias is fine)',
        body: Type.Object({ ...NameIn, alias: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await registry.deleteRegisteredModelAlias(requireString(req.body.name, 'name'), req.body.alias);
      return {};
    },
  );

  app.get(
    '/registered-models/alias',
    {
      schema: {
        tags,
        summary: 'The version an alias points at (`latest`: the highest version)',
        querystring: Type.Object({ ...NameIn, alias: Type.String() }),
        response: { 200: Type.Object({ model_version: ModelVersionOut }) },
      },
    },
    async (req) => ({
      model_version: modelVersionToWire(
        await registry.getModelVersionByAlias(requireString(req.query.name, 'name'), req.query.alias),
      ),
    }),
  );
}

const mlflow = apiPaths.mlflow;

function modelNameOf(payload: unknown): string | undefined {
  const registered = (payload as { registered_model?: { name?: unknown } } | null)?.registered_model;
  return typeof registered?.name === 'string' ? registered.name : undefined;
}

/** Who may call the registered-model routes; grants follow a model's creation, renaming and deletion. */
export const registeredModelPolicies: PolicyTable = {
  [`POST ${mlflow}/registered-models/create`]: {
    require: [{ kind: 'signed-in' }],
    after: { kind: 'grant-creator', resource: 'registered-model', idFromResponse: modelNameOf },
  },
  [`GET ${mlflow}/registered-models/get`]: needs(model('read', modelQuery)),
  [`GET ${mlflow}/registered-models/search`]: signedIn,
  [`POST ${mlflow}/registered-models/rename`]: {
    require: [model('update', modelBody)],
    after: { kind: 'rename-model-grants', from: body('name'), to: body('new_name') },
  },
  [`PATCH ${mlflow}/registered-models/update`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/registered-models/delete`]: {
    require: [model('delete', modelBody)],
    after: { kind: 'drop-model-grants', name: body('name') },
  },
  [`POST ${mlflow}/registered-models/set-tag`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/registered-models/delete-tag`]: needs(model('update', modelBody)),
  [`GET ${mlflow}/registered-models/get-latest-versions`]: needs(model('read', modelQuery)),
  [`POST ${mlflow}/registered-models/get-latest-versions`]: needs(model('read', modelBody)),
  [`POST ${mlflow}/registered-models/alias`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/registered-models/alias`]: needs(model('delete', modelBody)),
  [`GET ${mlflow}/registered-models/alias`]: needs(model('read', modelQuery)),
};
