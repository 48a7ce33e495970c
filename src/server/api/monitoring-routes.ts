import { Type } from '@sinclair/typebox';
import { InvalidParameterError } from '../../shared/index.js';
import {
  renderDriftHtml,
  renderDriftJson,
  SUMMARY_QUANTILES,
  type MonitoringService,
} from '../../monitoring/index.js';
import { registerMonitoringSketchRoutes } from './monitoring-sketch-routes.js';
import type { AuditedInput } from '../authz/policy-types.js';
import { readableOf } from '../authz/index.js';
import { nameResources } from '../audit/index.js';
import { apiPaths, model, modelParam, needs, signedIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';
import { SerialIdParam, VersionParam } from '../id-schemas.js';
import {
  AlertOut,
  alertToWire,
  ColumnTypeIn,
  FeatureValueIn,
  MonitorConfigIn,
  MonitorOut,
  monitorToWire,
  ReferenceOut,
  referenceToWire,
  ResultOut,
  resultToWire,
  TargetIn,
} from './monitoring-wire.js';

const prefix = `${apiPaths.native}/monitoring`;
const tags = ['monitoring'];
const limits = { batch: 10_000, reference: 100_000, page: 1_000 };

const ModelParams = Type.Object({ name: Type.String({ minLength: 1 }) });
const MonitorParams = Type.Object({ name: Type.String({ minLength: 1 }), monitor_id: SerialIdParam });
const Features = Type.Record(Type.String(), FeatureValueIn, { description: 'feature name → value' });
const AlertState = Type.Union([Type.Literal('firing'), Type.Literal('resolved')]);
const MaxResults = Type.Optional(Type.Integer({ minimum: 1, maximum: limits.page }));

/**
 * The native monitoring API under /api/bosun/v1/monitoring: reference datasets, prediction and label logging,
 * monitors, their runs, results and alerts. Everything lives under the registered model it monitors, so the
 * model's permissions apply (read to look, update to log and change, delete to delete).
 */
export function registerMonitoringRoutes(app: TypedApp, monitoring: MonitoringService): void {
  app.post(
    `${prefix}/models/:name/references`,
    {
      schema: {
        tags,
        summary:
          'Store a reference dataset (usually the training data) for a registered model, with its profile: ' +
          "uploaded rows, or a file the server reads from a run's artifact or logged dataset",
        params: ModelParams,
        body: Type.Object({
          name: Type.String({ minLength: 1 }),
          version: Type.Optional(VersionParam),
          logged_model_id: Type.Optional(Type.String()),
          column_types: Type.Optional(Type.Record(Type.String(), ColumnTypeIn)),
          rows: Type.Optional(Type.Array(Features, { minItems: 1, maxItems: limits.reference })),
          source: Type.Optional(
            Type.Object(
              {
                run_id: Type.String({ minLength: 1 }),
                artifact_path: Type.Optional(
                  Type.String({
                    minLength: 1,
                    description: 'a CSV, TSV, JSON lines or Parquet file of the run',
                  }),
                ),
                dataset_name: Type.Optional(
                  Type.String({
                    minLength: 1,
                    description: 'a logged dataset input whose source is a run artifact',
                  }),
                ),
              },
              { additionalProperties: false, description: 'instead of rows: read them from a run' },
            ),
          ),
        }),
        response: { 200: Type.Object({ reference: ReferenceOut }) },
      },
    },
    async (req) => {
      const b = req.body;
      const common = {
        modelName: req.params.name,
        name: b.name,
        ...(b.version !== undefined ? { version: b.version } : {}),
        ...(b.logged_model_id !== undefined ? { loggedModelId: b.logged_model_id } : {}),
        ...(b.column_types !== undefined ? { columnTypes: b.column_types } : {}),
        ...(req.user ? { actor: req.user.username } : {}),
      };
      if ((b.rows === undefined) === (b.source === undefined)) {
        throw new InvalidParameterError('Give either rows or source, not both');
      }
      const s = b.source;
      const reference =
        s !== undefined
          ? await monitoring.createReferenceFromRun({
              ...common,
              source:
                s.artifact_path !== undefined && s.dataset_name === undefined
                  ? { runId: s.run_id, artifactPath: s.artifact_path }
                  : s.dataset_name !== undefined && s.artifact_path === undefined
                    ? { runId: s.run_id, datasetName: s.dataset_name }
                    : (() => {
                        throw new InvalidParameterError(
                          'source: give run_id with either artifact_path or dataset_name',
                        );
                      })(),
            })
          : await monitoring.createReference({ ...common, rows: b.rows ?? [] });
      return { reference: referenceToWire(reference) };
    },
  );

  app.get(
    `${prefix}/models/:name/references`,
    {
      schema: {
        tags,
        summary: "A registered model's reference datasets (profiles, not data)",
        params: ModelParams,
        response: { 200: Type.Object({ references: Type.Array(ReferenceOut) }) },
      },
    },
    async (req) => ({
      references: (await monitoring.listReferences(req.params.name)).map(referenceToWire),
    }),
  );

  app.get(
    `${prefix}/models/:name/references/:reference_id`,
    {
      schema: {
        tags,
        summary: 'One reference dataset: its columns and profile',
        params: Type.Object({ name: Type.String({ minLength: 1 }), reference_id: SerialIdParam }),
        response: { 200: Type.Object({ reference: ReferenceOut }) },
      },
    },
    async (req) => ({
      reference: referenceToWire(await monitoring.getReference(req.params.name, req.params.reference_id)),
    }),
  );

  app.post(
    `${prefix}/models/:name/predictions`,
    {
      schema: {
        tags,
        summary:
          'Log a batch of predictions (features, prediction, optional label, time and request id); ' +
          'a bad record refuses the whole batch',
        params: ModelParams,
        body: Type.Object({
          version: Type.Optional(VersionParam),
          alias: Type.Optional(Type.String({ description: 'or an alias, resolved when the batch arrives' })),
          records: Type.Array(
            Type.Object({
              features: Features,
              prediction: TargetIn,
              label: Type.Optional(Type.Union([TargetIn, Type.Null()])),
              timestamp: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch milliseconds' })),
              request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            }),
            { minItems: 1, maxItems: limits.batch },
          ),
        }),
        response: { 200: Type.Object({ logged: Type.Integer(), version: Type.String() }) },
      },
    },
    async (req) => {
      const b = req.body;
      return monitoring.logPredictions({
        modelName: req.params.name,
        ...(b.version !== undefined ? { version: b.version } : {}),
        ...(b.alias !== undefined ? { alias: b.alias } : {}),
        records: b.records.map((r) => ({
          features: r.features,
          prediction: r.prediction,
          label: r.label,
          timestamp: r.timestamp,
          requestId: r.request_id,
        })),
      });
    },
  );

  app.post(
    `${prefix}/models/:name/labels`,
    {
      schema: {
        tags,
        summary: 'Join labels that arrived later to logged predictions by request id (all or nothing)',
        params: ModelParams,
        body: Type.Object({
          labels: Type.Array(
            Type.Object({ request_id: Type.String({ minLength: 1, maxLength: 256 }), label: TargetIn }),
            { minItems: 1, maxItems: limits.batch },
          ),
        }),
        response: { 200: Type.Object({ labelled: Type.Integer() }) },
      },
    },
    async (req) =>
      monitoring.logLabels(
        req.params.name,
        req.body.labels.map((l) => ({ requestId: l.request_id, label: l.label })),
      ),
  );

  app.post(
    `${prefix}/models/:name/monitors`,
    {
      schema: {
        tags,
        summary:
          'Create a monitor: a model version or alias, a reference, a window and how windows are judged',
        params: ModelParams,
        body: Type.Object({
          name: Type.String({ minLength: 1 }),
          version: Type.Optional(VersionParam),
          alias: Type.Optional(Type.String()),
          reference_id: SerialIdParam,
          window_ms: Type.Integer({
            minimum: 1,
            description: 'each run judges the window ending at its time',
          }),
          schedule_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'how often it should run' })),
          columns: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
          config: Type.Optional(MonitorConfigIn),
        }),
        response: { 200: Type.Object({ monitor: MonitorOut }) },
      },
    },
    async (req) => {
      const b = req.body;
      const c = b.config ?? {};
      const monitor = await monitoring.createMonitor({
        modelName: req.params.name,
        name: b.name,
        referenceId: b.reference_id,
        windowMs: b.window_ms,
        ...(b.version !== undefined ? { version: b.version } : {}),
        ...(b.alias !== undefined ? { alias: b.alias } : {}),
        ...(b.schedule_ms !== undefined ? { scheduleMs: b.schedule_ms } : {}),
        ...(b.columns !== undefined ? { columns: b.columns } : {}),
        config: {
          ...(c.preset !== undefined ? { preset: c.preset } : {}),
          ...(c.drift_share !== undefined ? { driftShare: c.drift_share } : {}),
          ...(c.column_thresholds !== undefined ? { columnThresholds: c.column_thresholds } : {}),
          ...(c.task !== undefined ? { task: c.task } : {}),
          ...(c.performance_thresholds !== undefined
            ? { performanceThresholds: c.performance_thresholds }
            : {}),
          ...(c.min_rows !== undefined ? { minRows: c.min_rows } : {}),
          ...(c.fire_after !== undefined ? { fireAfter: c.fire_after } : {}),
          ...(c.resolve_after !== undefined ? { resolveAfter: c.resolve_after } : {}),
          ...(c.segment_by !== undefined ? { segmentBy: c.segment_by } : {}),
          ...(c.max_segments !== undefined ? { maxSegments: c.max_segments } : {}),
          ...(c.segment_alerts !== undefined ? { segmentAlerts: c.segment_alerts } : {}),
        },
        ...(req.user ? { actor: req.user.username } : {}),
      });
      return { monitor: monitorToWire(monitor) };
    },
  );

  app.get(
    `${prefix}/models/:name/monitors`,
    {
      schema: {
        tags,
        summary: "A registered model's monitors",
        params: ModelParams,
        response: { 200: Type.Object({ monitors: Type.Array(MonitorOut) }) },
      },
    },
    async (req) => ({ monitors: (await monitoring.listMonitors(req.params.name)).map(monitorToWire) }),
  );

  app.get(
    `${prefix}/models/:name/monitors/:monitor_id`,
    {
      schema: {
        tags,
        summary: 'One monitor',
        params: MonitorParams,
        response: { 200: Type.Object({ monitor: MonitorOut }) },
      },
    },
    async (req) => ({
      monitor: monitorToWire(await monitoring.getMonitor(req.params.name, req.params.monitor_id)),
    }),
  );

  app.delete(
    `${prefix}/models/:name/monitors/:monitor_id`,
    {
      schema: {
        tags,
        summary: 'Delete a monitor with its results and alerts',
        params: MonitorParams,
        response: { 200: Type.Object({}) },
      },
    },
    async (req) => {
      await monitoring.deleteMonitor(req.params.name, req.params.monitor_id, req.user?.username);
      return {};
    },
  );

  app.post(
    `${prefix}/models/:name/monitors/:monitor_id/run`,
    {
      schema: {
        tags,
        summary:
          'Run a monitor on the window ending now (or at window_end): store the result, fire or resolve alerts',
        params: MonitorParams,
        body: Type.Optional(
          Type.Object({ window_end: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms' })) }),
        ),
        response: {
          200: Type.Object({
            result: ResultOut,
            segments: Type.Array(ResultOut, { description: "the window's segments (with segment_by)" }),
            fired: Type.Array(AlertOut),
            resolved: Type.Array(AlertOut),
          }),
        },
      },
    },
    async (req) => {
      const windowEnd = req.body?.window_end;
      const run = await monitoring.runMonitor(
        req.params.name,
        req.params.monitor_id,
        windowEnd !== undefined ? { windowEnd } : {},
      );
      return {
        result: resultToWire(run.result),
        segments: run.segments.map(resultToWire),
        fired: run.fired.map(alertToWire),
        resolved: run.resolved.map(alertToWire),
      };
    },
  );

  app.get(
    `${prefix}/models/:name/monitors/:monitor_id/results`,
    {
      schema: {
        tags,
        summary:
          "A monitor's window results, newest first (a time series of drift and performance); with segment, " +
          "that segment's numbers in each window",
        params: MonitorParams,
        querystring: Type.Object({
          max_results: MaxResults,
          segment: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
        }),
        response: { 200: Type.Object({ results: Type.Array(ResultOut) }) },
      },
    },
    async (req) => ({
      results: (
        await monitoring.listResults(
          req.params.name,
          req.params.monitor_id,
          req.query.max_results ?? 100,
          req.query.segment,
        )
      ).map(resultToWire),
    }),
  );

  app.get(
    `${prefix}/models/:name/monitors/:monitor_id/segments`,
    {
      schema: {
        tags,
        summary:
          "The segments of a monitor's windows (values of its segment_by column) and how many windows each",
        params: MonitorParams,
        response: {
          200: Type.Object({
            segments: Type.Array(Type.Object({ segment: Type.String(), windows: Type.Integer() })),
          }),
        },
      },
    },
    async (req) => ({ segments: await monitoring.listSegments(req.params.name, req.params.monitor_id) }),
  );

  app.get(
    `${prefix}/models/:name/monitors/:monitor_id/results/:result_id/report`,
    {
      schema: {
        tags,
        summary:
          "A result window's full drift report: a self-contained HTML page (per-column plots, statistics, " +
          'thresholds) or, with format=json, the same report as `bosun drift --json` prints it; with segment, ' +
          "that segment's rows against the reference rows of the same segment",
        params: Type.Object({
          name: Type.String({ minLength: 1 }),
          monitor_id: SerialIdParam,
          result_id: SerialIdParam,
        }),
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('json')])),
          segment: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
        }),
        produces: ['text/html', 'application/json'],
      },
    },
    async (req, reply) => {
      const report = await monitoring.windowReport(
        req.params.name,
        req.params.monitor_id,
        req.params.result_id,
        req.query.segment,
      );
      return req.query.format === 'json'
        ? reply.type('application/json; charset=utf-8').send(renderDriftJson(report))
        : reply.type('text/html; charset=utf-8').send(renderDriftHtml(report));
    },
  );

  registerMonitoringSketchRoutes(
    app,
    monitoring,
    `${prefix}/models/:name/monitors/:monitor_id`,
    SUMMARY_QUANTILES,
  );

  app.get(
    `${prefix}/models/:name/alerts`,
    {
      schema: {
        tags,
        summary: "A registered model's alerts (of one monitor with monitor_id), newest first",
        params: ModelParams,
        querystring: Type.Object({
          monitor_id: Type.Optional(SerialIdParam),
          state: Type.Optional(AlertState),
          max_results: MaxResults,
        }),
        response: { 200: Type.Object({ alerts: Type.Array(AlertOut) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const alerts = await monitoring.listAlerts(req.params.name, {
        ...(q.monitor_id !== undefined ? { monitorId: q.monitor_id } : {}),
        ...(q.state !== undefined ? { state: q.state } : {}),
        ...(q.max_results !== undefined ? { maxResults: q.max_results } : {}),
      });
      return { alerts: alerts.map(alertToWire) };
    },
  );

  app.get(
    `${prefix}/alerts`,
    {
      schema: {
        tags,
        summary: 'Alerts of every model the caller may read, newest first',
        querystring: Type.Object({ state: Type.Optional(AlertState), max_results: MaxResults }),
        response: { 200: Type.Object({ alerts: Type.Array(AlertOut) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const alerts = await monitoring.allAlerts({
        ...(q.state !== undefined ? { state: q.state } : {}),
        ...(q.max_results !== undefined ? { maxResults: q.max_results } : {}),
      });
      const readable = new Set(
        await readableOf(req, 'registered-model', [...new Set(alerts.map((a) => a.modelName))]),
      );
      return { alerts: alerts.filter((a) => readable.has(a.modelName)).map(alertToWire) };
    },
  );
}

/** A monitor's audit record names it as `<model>/<monitor id>`; other routes name the registered model. */
function monitorResource(input: AuditedInput) {
  const params = input.params as { name?: unknown; monitor_id?: unknown } | null;
  return { type: 'monitor', id: `${String(params?.name)}/${String(params?.monitor_id)}` };
}

const models = `${prefix}/models/:name`;
const monitor = `${models}/monitors/:monitor_id`;

/** Monitoring follows the registered model's permissions. */
export const monitoringPolicies: PolicyTable = nameResources('registry', {
  [`POST ${models}/references`]: needs(model('update', modelParam)),
  [`GET ${models}/references`]: needs(model('read', modelParam)),
  [`GET ${models}/references/:reference_id`]: needs(model('read', modelParam)),
  [`POST ${models}/predictions`]: needs(model('update', modelParam)),
  [`POST ${models}/labels`]: needs(model('update', modelParam)),
  [`POST ${models}/monitors`]: needs(model('update', modelParam)),
  [`GET ${models}/monitors`]: needs(model('read', modelParam)),
  [`GET ${monitor}`]: { ...needs(model('read', modelParam)), audit: monitorResource },
  [`DELETE ${monitor}`]: { ...needs(model('delete', modelParam)), audit: monitorResource },
  [`POST ${monitor}/run`]: { ...needs(model('update', modelParam)), audit: monitorResource },
  [`GET ${monitor}/results`]: { ...needs(model('read', modelParam)), audit: monitorResource },
  [`GET ${monitor}/segments`]: { ...needs(model('read', modelParam)), audit: monitorResource },
  [`GET ${monitor}/results/:result_id/report`]: {
    ...needs(model('read', modelParam)),
    audit: monitorResource,
  },
  [`GET ${monitor}/long-window`]: { ...needs(model('read', modelParam)), audit: monitorResource },
  [`GET ${monitor}/quantiles`]: { ...needs(model('read', modelParam)), audit: monitorResource },
  [`GET ${models}/alerts`]: needs(model('read', modelParam)),
  [`GET ${prefix}/alerts`]: signedIn,
});

/** Reference datasets, prediction logging, monitors, results and alerts. */
export const monitoringRoutes: RoutePlugin = {
  name: 'monitoring',
  policies: monitoringPolicies,
  register(app, services) {
    registerMonitoringRoutes(app, services.monitoring);
  },
};
