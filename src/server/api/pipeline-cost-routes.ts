import { Type } from '@sinclair/typebox';
import {
  modelVersionCostToWire,
  pipelineCostToWire,
  runCostToWire,
  type PipelineService,
} from '../../pipelines/index.js';
import type { LineageService } from '../../registry/lineage/index.js';
import { InvalidParameterError, NotFoundError } from '../../shared/index.js';
import { mayRead } from '../authz/index.js';
import { RunIdItem, VersionParam } from '../id-schemas.js';
import { apiPaths, experiment, model, modelParam, needs, params, runIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';
import { Nullable } from './wire-schemas.js';

const prefix = `${apiPaths.native}/pipelines`;
const tags = ['pipelines'];

const usd = (what: string) =>
  Nullable(Type.Number({ description: `${what} in USD; null: unknown (no class)` }));
/** A cost roll-up (also the `cost` of a pipeline run's answer). */
export const RollUpOut = Type.Object({
  cost_usd: usd('what the attempts cost (wall hours x their class price)'),
  saved_usd: usd('what cache hits saved (the cost of the step runs they reused)'),
  wall_ms: Type.Integer(),
  cpu_ms: Type.Integer({ description: 'user + system CPU time of the step process trees' }),
  peak_rss_bytes: Nullable(Type.Integer({ description: 'the largest max RSS of one step process' })),
  steps: Type.Integer({ description: 'step runs that ran or were taken from the cache' }),
  unpriced_steps: Type.Integer({ description: 'step runs that ran with no resource class: cost unknown' }),
  cached_steps: Type.Integer(),
});
/** What a step run used and cost (also fields of the step runs in a pipeline run's answer). */
export const StepUsageOut = Type.Object({
  resource_class: Nullable(Type.String()),
  wall_ms: Nullable(Type.Integer()),
  cpu_ms: Nullable(Type.Integer()),
  peak_rss_bytes: Nullable(Type.Integer()),
  cost_usd: Nullable(Type.Number()),
  saved_usd: Nullable(Type.Number()),
});
const StepCostOut = Type.Object({
  step: Type.String(),
  item_index: Nullable(Type.Integer()),
  state: Type.String(),
  attempt: Type.Integer(),
  cached_from: Nullable(Type.String()),
  ...StepUsageOut.properties,
});
const NameParam = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
});
const TimeIn = Type.String({
  maxLength: 64,
  description: 'epoch milliseconds or an ISO 8601 date/time (2026-12-01, 2026-12-01T09:00:00Z)',
});

/** A time bound as epoch ms: digits are milliseconds, anything else an ISO 8601 date; 400 otherwise. */
export function parseTimeBound(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new InvalidParameterError(
      `Invalid ${name} '${text}': expected epoch milliseconds or an ISO 8601 date such as 2026-12-01`,
    );
  }
  return ms;
}

/**
 * Cost roll-ups of pipelines: per pipeline run (`GET .../runs/{run_id}/cost`), per pipeline over a time range
 * (`GET .../definitions/{name}/cost?from=&to=`, runs created in [from, to)), and per registered model version
 * built by a pipeline (`GET .../models/{name}/versions/{version}/cost`).
 */
export function registerPipelineCostRoutes(
  app: TypedApp,
  pipelines: PipelineService,
  lineage: LineageService,
): void {
  app.get(
    `${prefix}/runs/:run_id/cost`,
    {
      schema: {
        tags,
        summary: "A pipeline run's cost: every attempt of every step (retries included) and cache savings",
        params: Type.Object({ run_id: RunIdItem }),
        response: {
          200: Type.Object({
            run_id: Type.String(),
            pipeline: Type.String(),
            status: Type.String(),
            total: RollUpOut,
            steps: Type.Array(StepCostOut),
          }),
        },
      },
    },
    async (req) => runCostToWire(await pipelines.costs.ofRun(req.params.run_id)),
  );

  app.get(
    `${prefix}/definitions/:name/cost`,
    {
      schema: {
        tags,
        summary: "A pipeline's cost over its runs created in [from, to) (default: all)",
        params: Type.Object({ name: NameParam }),
        querystring: Type.Object({ from: Type.Optional(TimeIn), to: Type.Optional(TimeIn) }),
        response: {
          200: Type.Object({
            pipeline: Type.String(),
            from: Nullable(Type.Integer()),
            to: Nullable(Type.Integer()),
            runs: Type.Integer(),
            total: RollUpOut,
          }),
        },
      },
    },
    async (req) => {
      const from = parseTimeBound(req.query.from, 'from');
      const to = parseTimeBound(req.query.to, 'to');
      return pipelineCostToWire(
        await pipelines.costs.ofPipeline(req.params.name, {
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
        }),
      );
    },
  );

  app.get(
    `${prefix}/models/:name/versions/:version/cost`,
    {
      schema: {
        tags,
        summary:
          'The cost of the pipeline run that built a registered model version (through its source run)',
        description:
          "404 when the version has no source run or its run was not made by a pipeline. `steps` is empty when the caller may not read the pipeline's experiment.",
        params: Type.Object({ name: Type.String({ minLength: 1 }), version: VersionParam }),
        response: {
          200: Type.Object({
            name: Type.String(),
            version: Type.String(),
            source_run_id: Type.String(),
            pipeline_run_id: Type.String(),
            pipeline: Type.String(),
            total: RollUpOut,
            steps: Type.Array(StepCostOut),
          }),
        },
      },
    },
    async (req) => {
      const { name, version } = req.params;
      const found = await lineage.modelVersion(name, version);
      const sourceRunId = found.modelVersion.runId;
      if (sourceRunId === null) {
        throw new NotFoundError(
          `Model '${name}' version ${version} has no source run: it has no pipeline cost`,
        );
      }
      const cost = await pipelines.costs.ofSourceRun(sourceRunId);
      const withSteps = await mayRead(req, 'experiment', cost.cost.run.experimentId);
      return modelVersionCostToWire(name, version, cost, withSteps);
    },
  );
}

/** READ on the pipeline's experiment for run and pipeline costs; READ on the registered model for a version's. */
export const pipelineCostPolicies: PolicyTable = {
  [`GET ${prefix}/runs/:run_id/cost`]: needs(experiment('read', runIn(params('run_id')))),
  [`GET ${prefix}/definitions/:name/cost`]: needs(
    experiment('read', { by: 'experiment-name', from: params('name') }),
  ),
  [`GET ${prefix}/models/:name/versions/:version/cost`]: needs(model('read', modelParam)),
};

/** The cost routes of pipelines. */
export const pipelineCostRoutes: RoutePlugin = {
  name: 'pipeline-costs',
  policies: pipelineCostPolicies,
  register(app, services) {
    registerPipelineCostRoutes(app, services.pipelines, services.lineage);
  },
};
