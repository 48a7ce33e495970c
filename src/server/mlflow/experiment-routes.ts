import type { FastifyRequest } from 'fastify';
import { visibilityFilter } from '../authz/index.js';
import { Type } from '@sinclair/typebox';
import type { TrackingService } from '../../tracking/index.js';
import type { TypedApp } from '../typed-app.js';
import {
  experimentToWire,
  optionalString,
  parseViewType,
  requireString,
  tagsFromWire,
  viewTypeNames,
} from './wire.js';
import { Empty, EnumIn, ExperimentIdIn, ExperimentOut, PageFields, TagIn } from './wire-schemas.js';
import {
  apiPaths,
  experiment,
  experimentBody,
  experimentQuery,
  needs,
  query,
  responseField,
  signedIn,
} from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';

const tags = ['experiments'];

const SearchExperimentsFields = {
  ...PageFields,
  filter: Type.Optional(Type.String()),
  order_by: Type.Optional(Type.Array(Type.String())),
  view_type: Type.Optional(EnumIn(viewTypeNames)),
};
const SearchExperimentsIn = Type.Object(SearchExperimentsFields);
const SearchExperimentsOut = Type.Object({
  experiments: Type.Optional(Type.Array(ExperimentOut)),
  next_page_token: Type.Optional(Type.String()),
});
const ExperimentIdField = Type.Object({ experiment_id: ExperimentIdIn() });
const ExperimentEnvelope = Type.Object({ experiment: ExperimentOut });

/** MLflow's experiment calls (reference §3.1). */
export function registerExperimentRoutes(app: TypedApp, tracking: TrackingService): void {
  app.post(
    '/experiments/create',
    {
      schema: {
        tags,
        summary: 'Create an experiment',
        body: Type.Object({
          name: Type.String(),
          artifact_location: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(TagIn)),
        }),
        response: { 200: Type.Object({ experiment_id: Type.String() }) },
      },
    },
    async (req) => {
      const b = req.body;
      const input: Parameters<TrackingService['createExperiment']>[0] = {
        name: requireString(b.name, 'name'),
      };
      const location = optionalString(b.artifact_location);
      if (location !== undefined) input.artifactLocation = location;
      if (b.tags) input.tags = tagsFromWire(b.tags);
      return { experiment_id: await tracking.createExperiment(input) };
    },
  );

  app.get(
    '/experiments/get',
    {
      schema: {
        tags,
        summary: 'Get an experiment by id (deleted ones too)',
        querystring: ExperimentIdField,
        response: { 200: ExperimentEnvelope },
      },
    },
    async (req) => {
      const id = requireString(req.query.experiment_id, 'experiment_id');
      return { experiment: experimentToWire(await tracking.getExperiment(id)) };
    },
  );

  app.get(
    '/experiments/get-by-name',
    {
      schema: {
        tags,
        summary: 'Get an experiment by name; 404 RESOURCE_DOES_NOT_EXIST when there is none',
        querystring: Type.Object({ experiment_name: Type.String() }),
        response: { 200: ExperimentEnvelope },
      },
    },
    async (req) => {
      const name = requireString(req.query.experiment_name, 'experiment_name');
      return { experiment: experimentToWire(await tracking.getExperimentByName(name)) };
    },
  );

  const search = async (
    request: FastifyRequest,
    q: {
      max_results?: number | undefined;
      page_token?: string | undefined;
      filter?: string | undefined;
      order_by?: string[] | undefined;
      view_type?: string | undefined;
    },
  ) => {
    const query: Parameters<TrackingService['searchExperiments']>[0] = {
      ...(await visibilityFilter(request, 'experiment')),
    };
    if (q.max_results !== undefined) query.maxResults = q.max_results;
    if (q.page_token) query.pageToken = q.page_token;
    if (q.filter) query.filter = q.filter;
    if (q.order_by && q.order_by.length > 0) query.orderBy = q.order_by;
    const viewType = parseViewType(q.view_type, 'view_type');
    if (viewType !== undefined) query.viewType = viewType;
    const page = await tracking.searchExperiments(query);
    return {
      experiments: page.items.length > 0 ? page.items.map(experimentToWire) : undefined,
      next_page_token: page.nextPageToken || undefined,
    };
  };
  app.post(
    '/experiments/search',
    {
      schema: {
        tags,
        summary: 'Search experiments',
        body: SearchExperimentsIn,
        response: { 200: SearchExperimentsOut },
      },
    },
    async (req) => search(req, req.body),
  );
  app.get(
    '/experiments/search',
    {
      schema: {
        tags,
        summary: 'Search experiments (query-string form)',
        querystring: SearchExperimentsIn,
        response: { 200: SearchExperimentsOut },
      },
    },
    async (req) => search(req, req.query),
  );

  app.post(
    '/experiments/update',
    {
      schema: {
        tags,
        summary: 'Rename an experiment',
        body: Type.Object({ experiment_id: ExperimentIdIn(), new_name: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const id = requireString(req.body.experiment_id, 'experiment_id');
      await tracking.renameExperiment(id, requireString(req.body.new_name, 'new_name'));
      return {};
    },
  );

  app.post(
    '/experiments/delete',
    {
      schema: {
        tags,
        summary: 'Soft-delete an experiment and its runs',
        body: ExperimentIdField,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.deleteExperiment(requireString(req.body.experiment_id, 'experiment_id'));
      return {};
    },
  );

  app.post(
    '/experiments/restore',
    {
      schema: {
        tags,
        summary: 'Restore a deleted experiment and its runs',
        body: ExperimentIdField,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.restoreExperiment(requireString(req.body.experiment_id, 'experiment_id'));
      return {};
    },
  );

  app.post(
    '/experiments/set-experiment-tag',
    {
      schema: {
        tags,
        summary: 'Set a tag on an experiment',
        body: Type.Object({
          experiment_id: ExperimentIdIn(),
          key: Type.String(),
          value: Type.Optional(Type.String()),
        }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const b = req.body;
      await tracking.setExperimentTag(requireString(b.experiment_id, 'experiment_id'), b.key, b.value ?? '');
      return {};
    },
  );

  app.post(
    '/experiments/delete-experiment-tag',
    {
      schema: {
        tags,
        summary: 'Delete a tag of an experiment',
        body: Type.Object({ experiment_id: ExperimentIdIn(), key: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.deleteExperimentTag(
        requireString(req.body.experiment_id, 'experiment_id'),
        req.body.key,
      );
      return {};
    },
  );
}

const mlflow = apiPaths.mlflow;

/** Who may call the experiment routes: creators get MANAGE on what they create. */
export const experimentPolicies: PolicyTable = {
  [`POST ${mlflow}/experiments/create`]: {
    require: [{ kind: 'signed-in' }],
    after: { kind: 'grant-creator', resource: 'experiment', idFromResponse: responseField('experiment_id') },
  },
  [`GET ${mlflow}/experiments/get`]: needs(experiment('read', experimentQuery)),
  [`GET ${mlflow}/experiments/get-by-name`]: needs(
    experiment('read', { by: 'experiment-name', from: query('experiment_name') }),
  ),
  [`GET ${mlflow}/experiments/search`]: signedIn,
  [`POST ${mlflow}/experiments/search`]: signedIn,
  [`POST ${mlflow}/experiments/update`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/experiments/set-experiment-tag`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/experiments/delete-experiment-tag`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/experiments/delete`]: needs(experiment('delete', experimentBody)),
  [`POST ${mlflow}/experiments/restore`]: needs(experiment('delete', experimentBody)),
};
