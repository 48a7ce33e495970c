import { readableOf } from '../authz/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import { Type } from '@sinclair/typebox';
import type { LogBatchInput, TrackingService } from '../../tracking/index.js';
import type { Metric } from '../../tracking/index.js';
import type { TypedApp } from '../typed-app.js';
import {
  datasetInputsFromWire,
  metricFromWire,
  optionalString,
  parseRunStatus,
  parseViewType,
  resolveRunId,
  runInfoToWire,
  runStatusNames,
  runToWire,
  tagsFromWire,
  viewTypeNames,
} from './wire.js';
import {
  DatasetInputIn,
  DoubleIn,
  Empty,
  EnumIn,
  ExperimentIdIn,
  ExperimentIdItem,
  Int64,
  LoggedModelIdIn,
  MetricIn,
  ModelInputIn,
  ModelOutputIn,
  PageFields,
  RunInfoOut,
  RunOut,
  RunRef,
  TagIn,
} from './wire-schemas.js';
import { apiPaths, body, experiment, needs, runBody, runQuery, signedIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';

const tags = ['runs'];
const RunEnvelope = Type.Object({ run: RunOut });
const KeyValue = { key: Type.String(), value: Type.Optional(Type.String()) };

/** MLflow's run calls (reference §3.2), metrics history aside. */
export function registerRunRoutes(app: TypedApp, tracking: TrackingService): void {
  app.post(
    '/runs/create',
    {
      schema: {
        tags,
        summary: 'Create a run',
        body: Type.Object({
          experiment_id: Type.Optional(ExperimentIdIn('empty or absent: the Default experiment "0"')),
          user_id: Type.Optional(Type.String()),
          run_name: Type.Optional(Type.String()),
          start_time: Type.Optional(Int64('milliseconds since the epoch')),
          tags: Type.Optional(Type.Array(TagIn)),
        }),
        response: { 200: RunEnvelope },
      },
    },
    async (req) => {
      const b = req.body;
      const input: Parameters<TrackingService['createRun']>[0] = {};
      const experimentId = optionalString(b.experiment_id);
      if (experimentId !== undefined) input.experimentId = experimentId;
      const userId = optionalString(b.user_id);
      if (userId !== undefined) input.userId = userId;
      const runName = optionalString(b.run_name);
      if (runName !== undefined) input.runName = runName;
      if (b.start_time !== undefined) input.startTime = b.start_time;
      if (b.tags) input.tags = tagsFromWire(b.tags);
      return { run: runToWire(await tracking.createRun(input)) };
    },
  );

  app.get(
    '/runs/get',
    {
      schema: {
        tags,
        summary: 'Get a run (deleted ones too)',
        querystring: Type.Object(RunRef),
        response: { 200: RunEnvelope },
      },
    },
    async (req) => ({ run: runToWire(await tracking.getRun(resolveRunId(req.query))) }),
  );

  app.post(
    '/runs/update',
    {
      schema: {
        tags,
        summary: "Update a run's status, end time or name",
        body: Type.Object({
          ...RunRef,
          status: Type.Optional(EnumIn(runStatusNames)),
          end_time: Type.Optional(Int64()),
          run_name: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Object({ run_info: RunInfoOut }) },
      },
    },
    async (req) => {
      const b = req.body;
      const input: Parameters<TrackingService['updateRun']>[0] = { runId: resolveRunId(b) };
      if (b.status !== undefined && b.status !== '') input.status = parseRunStatus(b.status);
      if (b.end_time !== undefined) input.endTime = b.end_time;
      const runName = optionalString(b.run_name);
      if (runName !== undefined) input.runName = runName;
      return { run_info: runInfoToWire(await tracking.updateRun(input)) };
    },
  );

  app.post(
    '/runs/delete',
    { schema: { tags, summary: 'Soft-delete a run', body: Type.Object(RunRef), response: { 200: Empty } } },
    async (req) => {
      await tracking.deleteRun(resolveRunId(req.body));
      return {};
    },
  );

  app.post(
    '/runs/restore',
    {
      schema: { tags, summary: 'Restore a deleted run', body: Type.Object(RunRef), response: { 200: Empty } },
    },
    async (req) => {
      await tracking.restoreRun(resolveRunId(req.body));
      return {};
    },
  );

  app.post(
    '/runs/log-metric',
    {
      schema: {
        tags,
        summary: 'Log one metric value',
        body: Type.Object({
          ...RunRef,
          key: Type.String(),
          value: DoubleIn,
          timestamp: Int64('milliseconds since the epoch'),
          step: Type.Optional(Int64('defaults to 0')),
          model_id: Type.Optional(LoggedModelIdIn),
          dataset_name: Type.Optional(Type.String()),
          dataset_digest: Type.Optional(Type.String()),
        }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const runId = resolveRunId(req.body);
      await tracking.logMetric(runId, metricFromWire(req.body, ''));
      return {};
    },
  );

  app.post(
    '/runs/log-parameter',
    {
      schema: {
        tags,
        summary: 'Log a parameter (same value again is fine; another value is an error)',
        body: Type.Object({ ...RunRef, ...KeyValue }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.logParam(resolveRunId(req.body), req.body.key, req.body.value ?? '');
      return {};
    },
  );

  app.post(
    '/runs/set-tag',
    {
      schema: {
        tags,
        summary: 'Set a tag on a run',
        body: Type.Object({ ...RunRef, ...KeyValue }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.setTag(resolveRunId(req.body), req.body.key, req.body.value ?? '');
      return {};
    },
  );

  app.post(
    '/runs/delete-tag',
    {
      schema: {
        tags,
        summary: 'Delete a tag of a run',
        body: Type.Object({ ...RunRef, key: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await tracking.deleteTag(resolveRunId(req.body), req.body.key);
      return {};
    },
  );

  app.post(
    '/runs/log-batch',
    {
      schema: {
        tags,
        summary: 'Log metrics, params and tags of a run in one call',
        body: Type.Object({
          ...RunRef,
          metrics: Type.Optional(Type.Array(MetricIn)),
          params: Type.Optional(Type.Array(TagIn)),
          tags: Type.Optional(Type.Array(TagIn)),
        }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const b = req.body;
      const batch: LogBatchInput = {};
      if (b.metrics && b.metrics.length > 0) {
        const metrics: Metric[] = new Array<Metric>(b.metrics.length);
        for (let i = 0; i < b.metrics.length; i++)
          metrics[i] = metricFromWire(b.metrics[i]!, `metrics[${i}]`);
        batch.metrics = metrics;
      }
      if (b.params && b.params.length > 0) batch.params = tagsFromWire(b.params);
      if (b.tags && b.tags.length > 0) batch.tags = tagsFromWire(b.tags);
      await tracking.logBatch(resolveRunId(b), batch);
      return {};
    },
  );

  app.post(
    '/runs/log-inputs',
    {
      schema: {
        tags,
        summary: 'Record the datasets and models a run used',
        body: Type.Object({
          ...RunRef,
          datasets: Type.Optional(Type.Array(DatasetInputIn)),
          models: Type.Optional(Type.Array(ModelInputIn)),
        }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const b = req.body;
      const inputs: Parameters<TrackingService['logInputs']>[1] = {};
      const datasets = datasetInputsFromWire(b.datasets);
      if (datasets) inputs.datasets = datasets;
      if (b.models) inputs.models = b.models.map((m) => ({ modelId: m.model_id }));
      await tracking.logInputs(resolveRunId(b), inputs);
      return {};
    },
  );

  app.post(
    '/runs/outputs',
    {
      schema: {
        tags,
        summary: 'Record the logged models a run produced',
        body: Type.Object({ ...RunRef, models: Type.Array(ModelOutputIn) }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      const models = req.body.models.map((m) => ({ modelId: m.model_id, step: m.step ?? 0 }));
      await tracking.logOutputs(resolveRunId(req.body), models);
      return {};
    },
  );

  app.post(
    '/runs/log-model',
    {
      schema: {
        tags,
        summary: 'Record a model logged to a run (MLflow 2.x clients)',
        body: Type.Object({ ...RunRef, model_json: Type.String() }),
        response: { 200: Empty },
      },
    },
    async (req) => {
      let model: unknown;
      try {
        model = JSON.parse(req.body.model_json);
      } catch {
        throw new InvalidParameterError("Invalid value for parameter 'model_json': not valid JSON");
      }
      if (model === null || typeof model !== 'object' || Array.isArray(model)) {
        throw new InvalidParameterError("Invalid value for parameter 'model_json': expected a JSON object");
      }
      await tracking.recordLoggedModel(resolveRunId(req.body), model as Record<string, unknown>);
      return {};
    },
  );

  app.post(
    '/runs/search',
    {
      schema: {
        tags,
        summary: 'Search runs with a filter and order',
        body: Type.Object({
          ...PageFields,
          experiment_ids: Type.Optional(Type.Array(ExperimentIdItem)),
          filter: Type.Optional(Type.String()),
          run_view_type: Type.Optional(EnumIn(viewTypeNames)),
          order_by: Type.Optional(Type.Array(Type.String())),
        }),
        response: {
          200: Type.Object({
            runs: Type.Optional(Type.Array(RunOut)),
            next_page_token: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async (req) => {
      const b = req.body;
      // Only experiments the caller may read are searched; asking only for others finds nothing.
      const asked = b.experiment_ids ?? [];
      const experimentIds = await readableOf(req, 'experiment', asked);
      if (asked.length > 0 && experimentIds.length === 0) return {};
      const query: Parameters<TrackingService['searchRuns']>[0] = { experimentIds };
      if (b.filter) query.filter = b.filter;
      if (b.order_by && b.order_by.length > 0) query.orderBy = b.order_by;
      if (b.max_results !== undefined) query.maxResults = b.max_results;
      if (b.page_token) query.pageToken = b.page_token;
      const viewType = parseViewType(b.run_view_type, 'run_view_type');
      if (viewType !== undefined) query.viewType = viewType;
      const page = await tracking.searchRuns(query);
      return {
        runs: page.items.length > 0 ? page.items.map(runToWire) : undefined,
        next_page_token: page.nextPageToken || undefined,
      };
    },
  );
}

const mlflow = apiPaths.mlflow;

/** Who may call the run routes: the run's experiment decides; logged models a request names must be writable too. */
export const runPolicies: PolicyTable = {
  // Without experiment_id a run goes to the Default experiment ("0").
  [`POST ${mlflow}/runs/create`]: needs(
    experiment('update', { by: 'experiment-id', from: body('experiment_id'), orDefault: '0' }),
  ),
  [`GET ${mlflow}/runs/get`]: needs(experiment('read', runQuery)),
  [`POST ${mlflow}/runs/search`]: signedIn,
  [`POST ${mlflow}/runs/update`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/delete`]: needs(experiment('delete', runBody)),
  [`POST ${mlflow}/runs/restore`]: needs(experiment('delete', runBody)),
  [`POST ${mlflow}/runs/log-metric`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('model_id') }),
  ),
  [`POST ${mlflow}/runs/log-parameter`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/set-tag`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/delete-tag`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/log-batch`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('metrics'), nested: 'model_id' }),
  ),
  [`POST ${mlflow}/runs/log-inputs`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('models'), nested: 'model_id' }),
  ),
  [`POST ${mlflow}/runs/outputs`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('models'), nested: 'model_id' }),
  ),
  [`POST ${mlflow}/runs/log-model`]: needs(experiment('update', runBody)),
};
