import { Type, type Static } from '@sinclair/typebox';
import type { DatasetSummary, TrackingService } from '../../tracking/index.js';
import { visibilityFilter } from '../authz/index.js';
import { apiPaths, experiment, needs, query, signedIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { TypedApp } from '../typed-app.js';
import { metricsToWire } from './wire.js';
import { Int64, MetricOut, RunIdItem } from './wire-schemas.js';

const tags = ['web UI'];

const DatasetSummaryOut = Type.Object({
  experiment_id: Type.String(),
  name: Type.String(),
  digest: Type.String(),
  context: Type.Optional(Type.String()),
});

function summaryToWire(summary: DatasetSummary): Static<typeof DatasetSummaryOut> {
  return {
    experiment_id: summary.experimentId,
    name: summary.name,
    digest: summary.digest,
    ...(summary.context !== undefined ? { context: summary.context } : {}),
  };
}

/**
 * `experiments/search-datasets`, which MLflow's web UI calls and its Python client does not; registered under both
 * MLflow prefixes by `registerMlflowRoutes`.
 */
export function registerUiTrackingRoutes(app: TypedApp, tracking: TrackingService): void {
  app.post(
    '/experiments/search-datasets',
    {
      schema: {
        tags,
        summary: 'The datasets runs of up to 20 experiments used, with their contexts',
        // Plain strings: MLflow counts them before anything else; the service checks each id's spelling.
        body: Type.Object({ experiment_ids: Type.Optional(Type.Array(Type.String())) }),
        response: {
          200: Type.Object({ dataset_summaries: Type.Optional(Type.Array(DatasetSummaryOut)) }),
        },
      },
    },
    async (req) => {
      const summaries = await tracking.searchDatasetSummaries({
        experimentIds: req.body.experiment_ids ?? [],
        ...(await visibilityFilter(req, 'experiment')),
      });
      return summaries.length === 0 ? {} : { dataset_summaries: summaries.map(summaryToWire) };
    },
  );
}

/**
 * `metrics/get-history-bulk`, which MLflow serves under `/ajax-api/2.0/mlflow` only (it has no `/api` twin, so it
 * is in the OpenAPI document under that path). Registered by `registerMlflowRoutes` in a scope with that prefix.
 */
export function registerUiOnlyTrackingRoutes(app: TypedApp, tracking: TrackingService): void {
  app.get(
    '/metrics/get-history-bulk',
    {
      schema: {
        tags,
        summary: 'Every value of one metric of up to 100 runs (at most 25000)',
        querystring: Type.Object({
          run_id: Type.Optional(Type.Array(RunIdItem)),
          metric_key: Type.Optional(Type.String()),
          max_results: Type.Optional(Int64()),
        }),
        response: { 200: Type.Object({ metrics: Type.Optional(Type.Array(MetricOut)) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const metrics = await tracking.getMetricHistoryBulk({
        runIds: q.run_id ?? [],
        metricKey: q.metric_key ?? '',
        ...(q.max_results !== undefined ? { maxResults: q.max_results } : {}),
      });
      return { metrics: metricsToWire(metrics) ?? [] };
    },
  );
}

const mlflow = apiPaths.mlflow;

/** Dataset summaries are filtered to readable experiments; metric histories need READ on every run's experiment. */
export const uiTrackingPolicies: PolicyTable = {
  [`POST ${mlflow}/experiments/search-datasets`]: signedIn,
  [`GET ${mlflow}/metrics/get-history-bulk`]: needs(
    experiment('read', { by: 'run-ids', from: query('run_id') }),
  ),
};
