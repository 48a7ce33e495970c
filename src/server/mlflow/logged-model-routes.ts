import { readableOf } from '../authz/index.js';
import { Type } from '@sinclair/typebox';
import type { LoggedModelOrderBy, TrackingService } from '../../tracking/index.js';
import type { TypedApp } from '../typed-app.js';
import {
  loggedModelStatusNames,
  loggedModelToWire,
  optionalString,
  parseBool,
  parseLoggedModelStatus,
  requireString,
  tagsFromWire,
} from './wire.js';
import {
  BoolIn,
  Empty,
  EnumIn,
  ExperimentIdIn,
  ExperimentIdItem,
  Int64,
  LoggedModelIdIn,
  LoggedModelIdItem,
  LoggedModelOut,
  RunIdIn,
  TagIn,
} from './wire-schemas.js';
import {
  apiPaths,
  experiment,
  experimentBody,
  loggedModelParam,
  needs,
  signedIn,
} from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';

const tags = ['logged-models'];
const ModelEnvelope = Type.Object({ model: LoggedModelOut });
const ModelIdParams = Type.Object({ model_id: LoggedModelIdItem });

/** MLflow 3's logged-model calls (reference §3.3); every `log_model` of a 3.x client goes through them. */
export function registerLoggedModelRoutes(app: TypedApp, tracking: TrackingService): void {
  app.post(
    '/logged-models',
    {
      schema: {
        tags,
        summary: 'Create a logged model (status LOGGED_MODEL_PENDING)',
        body: Type.Object({
          experiment_id: ExperimentIdIn(),
          name: Type.Optional(Type.String()),
          model_type: Type.Optional(Type.String()),
          source_run_id: Type.Optional(RunIdIn()),
          params: Type.Optional(Type.Array(TagIn)),
          tags: Type.Optional(Type.Array(TagIn)),
        }),
        response: { 200: ModelEnvelope },
      },
    },
    async (req) => {
      const b = req.body;
      const input: Parameters<TrackingService['createLoggedModel']>[0] = {
        experimentId: requireString(b.experiment_id, 'experiment_id'),
      };
      const name = optionalString(b.name);
      if (name !== undefined) input.name = name;
      const modelType = optionalString(b.model_type);
      if (modelType !== undefined) input.modelType = modelType;
      const sourceRunId = optionalString(b.source_run_id);
      if (sourceRunId !== undefined) input.sourceRunId = sourceRunId;
      if (b.params) input.params = tagsFromWire(b.params);
      if (b.tags) input.tags = tagsFromWire(b.tags);
      return { model: loggedModelToWire(await tracking.createLoggedModel(input)) };
    },
  );

  app.post(
    '/logged-models/search',
    {
      schema: {
        tags,
        summary: 'Search logged models',
        body: Type.Object({
          experiment_ids: Type.Array(ExperimentIdItem),
          filter: Type.Optional(Type.String()),
          datasets: Type.Optional(
            Type.Array(
              Type.Object({ dataset_name: Type.String(), dataset_digest: Type.Optional(Type.String()) }),
              {
                description:
                  'only models with a metric logged on one of these datasets (and digest, when given); metric ' +
                  'filters then compare the values on these datasets',
              },
            ),
          ),
          max_results: Type.Optional(Int64()),
          order_by: Type.Optional(
            Type.Array(
              Type.Object({
                field_name: Type.String(),
                ascending: Type.Optional(BoolIn),
                dataset_name: Type.Optional(Type.String()),
                dataset_digest: Type.Optional(Type.String()),
              }),
            ),
          ),
          page_token: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            models: Type.Optional(Type.Array(LoggedModelOut)),
            next_page_token: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async (req) => {
      const b = req.body;
      // Only experiments the caller may read are searched; asking only for others finds nothing.
      const experimentIds = await readableOf(req, 'experiment', b.experiment_ids);
      if (b.experiment_ids.length > 0 && experimentIds.length === 0) return {};
      const query: Parameters<TrackingService['searchLoggedModels']>[0] = { experimentIds };
      if (b.filter) query.filter = b.filter;
      if (b.datasets && b.datasets.length > 0) {
        query.datasets = b.datasets.map((d) =>
          d.dataset_digest !== undefined && d.dataset_digest !== ''
            ? { datasetName: d.dataset_name, datasetDigest: d.dataset_digest }
            : { datasetName: d.dataset_name },
        );
      }
      if (b.max_results !== undefined) query.maxResults = b.max_results;
      if (b.page_token) query.pageToken = b.page_token;
      if (b.order_by && b.order_by.length > 0) {
        query.orderBy = b.order_by.map((o, i) => {
          const order: LoggedModelOrderBy = { fieldName: o.field_name };
          const ascending = parseBool(o.ascending, `order_by[${i}].ascending`);
          if (ascending !== undefined) order.ascending = ascending;
          if (o.dataset_name) order.datasetName = o.dataset_name;
          if (o.dataset_digest) order.datasetDigest = o.dataset_digest;
          return order;
        });
      }
      const page = await tracking.searchLoggedModels(query);
      return {
        models: page.items.length > 0 ? page.items.map(loggedModelToWire) : undefined,
        next_page_token: page.nextPageToken || undefined,
      };
    },
  );

  app.get(
    '/logged-models/:model_id',
    {
      schema: {
        tags,
        summary: 'Get a logged model',
        params: ModelIdParams,
        querystring: Type.Object({ allow_deleted: Type.Optional(BoolIn) }),
        response: { 200: ModelEnvelope },
      },
    },
    async (req) => {
      const allowDeleted = parseBool(req.query.allow_deleted, 'allow_deleted') === true;
      return {
        model: loggedModelToWire(await tracking.getLoggedModel(req.params.model_id, { allowDeleted })),
      };
    },
  );

  app.patch(
    '/logged-models/:model_id',
    {
      schema: {
        tags,
        summary: 'Finalize a logged model: LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED',
        params: ModelIdParams,
        body: Type.Object({
          model_id: Type.Optional(LoggedModelIdIn),
          status: EnumIn(loggedModelStatusNames),
        }),
        response: { 200: ModelEnvelope },
      },
    },
    async (req) => {
      const status = parseLoggedModelStatus(requireString(req.body.status, 'status'));
      return { model: loggedModelToWire(await tracking.finalizeLoggedModel(req.params.model_id, status)) };
    },
  );

  app.delete(
    '/logged-models/:model_id',
    {
      schema: {
        tags,
        summary: 'Soft-delete a logged model',
        params: ModelIdParams,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.deleteLoggedModel(req.params.model_id);
      return {};
    },
  );

  app.patch(
    '/logged-models/:model_id/tags',
    {
      schema: {
        tags,
        summary: 'Set tags on a logged model',
        params: ModelIdParams,
        body: Type.Object({ tags: Type.Optional(Type.Array(TagIn)) }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.setLoggedModelTags(req.params.model_id, tagsFromWire(req.body.tags));
      return {};
    },
  );

  app.delete(
    '/logged-models/:model_id/tags/:tag_key',
    {
      schema: {
        tags,
        summary: 'Delete a tag of a logged model',
        params: Type.Object({ model_id: LoggedModelIdItem, tag_key: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.deleteLoggedModelTag(req.params.model_id, req.params.tag_key);
      return {};
    },
  );

  app.post(
    '/logged-models/:model_id/params',
    {
      schema: {
        tags,
        summary: 'Log parameters of a logged model',
        params: ModelIdParams,
        body: Type.Object({
          model_id: Type.Optional(LoggedModelIdIn),
          params: Type.Optional(Type.Array(TagIn)),
        }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.logLoggedModelParams(req.params.model_id, tagsFromWire(req.body.params));
      return {};
    },
  );
}

const mlflow = apiPaths.mlflow;

/** Who may call the logged-model routes: the model's experiment decides. */
export const loggedModelPolicies: PolicyTable = {
  [`POST ${mlflow}/logged-models`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/logged-models/search`]: signedIn,
  [`GET ${mlflow}/logged-models/:model_id`]: needs(experiment('read', loggedModelParam)),
  [`PATCH ${mlflow}/logged-models/:model_id`]: needs(experiment('update', loggedModelParam)),
  [`DELETE ${mlflow}/logged-models/:model_id`]: needs(experiment('delete', loggedModelParam)),
  [`POST ${mlflow}/logged-models/:model_id/params`]: needs(experiment('update', loggedModelParam)),
  [`PATCH ${mlflow}/logged-models/:model_id/tags`]: needs(experiment('update', loggedModelParam)),
  [`DELETE ${mlflow}/logged-models/:model_id/tags/:tag_key`]: needs(experiment('update', loggedModelParam)),
};
