import { Type } from '@sinclair/typebox';
import type { TrackingService } from '../../tracking/index.js';
import type { TypedApp } from '../typed-app.js';
import { metricsToWire, requireString, resolveRunId } from './wire.js';
import { Int64, MetricOut, PageFields, RunIdItem, RunRef } from './wire-schemas.js';
import { apiPaths, experiment, needs, query, runQuery } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';

const tags = ['metrics'];

/** MLflow's metric history calls (reference §3.2). */
export function registerMetricRoutes(app: TypedApp, tracking: TrackingService): void {
  app.get(
    '/metrics/get-history',
    {
      schema: {
        tags,
        summary: 'Every logged value of one metric of a run, paginated',
        querystring: Type.Object({ ...RunRef, metric_key: Type.String(), ...PageFields }),
        response: {
          200: Type.Object({
            metrics: Type.Optional(Type.Array(MetricOut)),
            next_page_token: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const query: Parameters<TrackingService['getMetricHistory']>[0] = {
        runId: resolveRunId(q),
        metricKey: requireString(q.metric_key, 'metric_key'),
      };
      if (q.max_results !== undefined) query.maxResults = q.max_results;
      if (q.page_token) query.pageToken = q.page_token;
      const page = await tracking.getMetricHistory(query);
      return { metrics: metricsToWire(page.items), next_page_token: page.nextPageToken || undefined };
    },
  );

  app.get(
    '/metrics/get-history-bulk-interval',
    {
      schema: {
        tags,
        summary: 'Metric history of several runs, sampled evenly over steps (used by the UI)',
        querystring: Type.Object({
          run_ids: Type.Array(RunIdItem),
          metric_key: Type.String(),
          start_step: Type.Optional(Int64()),
          end_step: Type.Optional(Int64()),
          max_results: Type.Optional(Int64()),
        }),
        response: { 200: Type.Object({ metrics: Type.Optional(Type.Array(MetricOut)) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const query: Parameters<TrackingService['getMetricHistoryBulkInterval']>[0] = {
        runIds: q.run_ids,
        metricKey: requireString(q.metric_key, 'metric_key'),
      };
      if (q.start_step !== undefined) query.startStep = q.start_step;
      if (q.end_step !== undefined) query.endStep = q.end_step;
      if (q.max_results !== undefined) query.maxResults = q.max_results;
      return { metrics: metricsToWire(await tracking.getMetricHistoryBulkInterval(query)) };
    },
  );
}

const mlflow = apiPaths.mlflow;

/** Who may read metric histories: READ on the runs' experiments. */
export const metricPolicies: PolicyTable = {
  [`GET ${mlflow}/metrics/get-history`]: needs(experiment('read', runQuery)),
  [`GET ${mlflow}/metrics/get-history-bulk-interval`]: needs(
    experiment('read', { by: 'run-ids', from: query('run_ids') }),
  ),
};
