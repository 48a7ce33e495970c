import { Type } from '@sinclair/typebox';
import type { SampledHistory, TrackingService } from '../../tracking/index.js';
import { RunIdItem } from '../id-schemas.js';
import { apiPaths, experiment, needs, query } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import { doubleToWire, requireString } from '../mlflow/wire.js';
import { Int64 } from '../mlflow/wire-schemas.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';

const path = '/metrics/sampled-histories';
const tags = ['metrics'];

const WireDouble = Type.Union([Type.Number(), Type.String({ enum: ['NaN', 'Infinity', '-Infinity'] })]);

const SampledHistoryOut = Type.Object({
  run_id: Type.String(),
  steps: Type.Array(Type.Integer()),
  values: Type.Array(WireDouble, { description: 'NaN and ±Infinity as strings, as on MLflow’s wire' }),
  timestamps: Type.Array(Type.Integer(), { description: 'ms since the epoch' }),
});

/** A double array in wire form: finite numbers as they are, NaN and ±Infinity as MLflow's strings. */
function doublesToWire(values: readonly number[]): (number | string)[] {
  return values.every(Number.isFinite) ? (values as number[]) : values.map(doubleToWire);
}

/** The compact wire form of sampled histories (snake_case, one object per run, no repeated keys). */
export function sampledHistoriesToWire(histories: readonly SampledHistory[]) {
  return histories.map((h) => ({
    run_id: h.runId,
    steps: h.steps,
    values: doublesToWire(h.values),
    timestamps: h.timestamps,
  }));
}

/**
 * `GET /api/bosun/v1/metrics/sampled-histories`: what MLflow's `metrics/get-history-bulk-interval` answers (same
 * parameters, checks, sampling and permissions), in columns per run. 100 runs × 1,000 points are 100,000 objects
 * of five fields on MLflow's route; here they are three number arrays per run, about a third of the bytes to
 * write and parse. The web UI's charts read it.
 */
export function registerMetricHistoryRoutes(app: TypedApp, tracking: TrackingService): void {
  app.get(
    `${apiPaths.native}${path}`,
    {
      schema: {
        tags,
        summary:
          'Metric history of several runs sampled evenly over steps (get-history-bulk-interval’s points), in columns',
        querystring: Type.Object({
          run_ids: Type.Array(RunIdItem, { description: 'at most 100 runs' }),
          metric_key: Type.String(),
          start_step: Type.Optional(Int64()),
          end_step: Type.Optional(Int64()),
          max_results: Type.Optional(Int64('steps per run, 1 to 2,500 (default 2,500)')),
        }),
        response: { 200: Type.Object({ histories: Type.Array(SampledHistoryOut) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const sampled: Parameters<TrackingService['getSampledHistories']>[0] = {
        runIds: q.run_ids,
        metricKey: requireString(q.metric_key, 'metric_key'),
      };
      if (q.start_step !== undefined) sampled.startStep = q.start_step;
      if (q.end_step !== undefined) sampled.endStep = q.end_step;
      if (q.max_results !== undefined) sampled.maxResults = q.max_results;
      return { histories: sampledHistoriesToWire(await tracking.getSampledHistories(sampled)) };
    },
  );
}

/** Who may read sampled histories: READ on every asked run's experiment, as for get-history-bulk-interval. */
export const metricHistoryPolicies: PolicyTable = {
  [`GET ${apiPaths.native}${path}`]: needs(experiment('read', { by: 'run-ids', from: query('run_ids') })),
};

/** The charts' compact metric histories. */
export const metricHistoryRoutes: RoutePlugin = {
  name: 'metric-history',
  policies: metricHistoryPolicies,
  register(app, services) {
    registerMetricHistoryRoutes(app, services.tracking);
  },
};
