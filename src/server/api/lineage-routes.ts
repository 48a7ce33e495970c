import type { FastifyRequest } from 'fastify';
import { mayRead, readableOf } from '../authz/index.js';
import { Type } from '@sinclair/typebox';
import type {
  LineageService,
  ModelVersionLineage,
  ModelVersionRef,
  RunLineage,
} from '../../registry/lineage/index.js';
import { metricPointToWire } from '../mlflow/wire.js';
import { RunIdItem, VersionParam } from '../id-schemas.js';
import type { TypedApp } from '../typed-app.js';
import {
  apiPaths,
  experiment,
  model,
  modelParam,
  needs,
  params,
  runIn,
  signedIn,
} from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import { Nullable } from './wire-schemas.js';

const prefix = '/api/bosun/v1/lineage';
const tags = ['lineage'];

const KeyValue = Type.Object({ key: Type.String(), value: Type.String() });
const VersionRefOut = Type.Object({ name: Type.String(), version: Type.String() });
const MetricOut = Type.Object({
  key: Type.String(),
  value: Type.Union([Type.Number(), Type.String({ enum: ['NaN', 'Infinity', '-Infinity'] })]),
  step: Type.Integer(),
  timestamp: Type.Integer(),
});
const RunOut = Type.Object({
  run_id: Type.String(),
  experiment_id: Type.String(),
  run_name: Type.String(),
  user_id: Type.String(),
  status: Type.String(),
  start_time: Type.Integer(),
  end_time: Nullable(Type.Integer()),
  params: Type.Array(KeyValue),
  metrics: Type.Array(MetricOut, { description: 'latest value of each metric' }),
  code: Type.Object({
    git_commit: Nullable(Type.String()),
    git_branch: Nullable(Type.String()),
    repo_url: Nullable(Type.String()),
    source_name: Nullable(Type.String()),
    source_type: Nullable(Type.String()),
  }),
  datasets: Type.Array(
    Type.Object({
      name: Type.String(),
      digest: Type.String(),
      source_type: Type.String(),
      source: Type.String(),
      context: Nullable(Type.String({ description: 'the mlflow.data.context tag: training, eval...' })),
    }),
  ),
});
const LineageOut = Type.Object({
  model_version: Type.Object({
    name: Type.String(),
    version: Type.String(),
    source: Type.String(),
    storage_location: Type.String(),
    current_stage: Type.String(),
    run_id: Nullable(Type.String()),
    model_id: Nullable(Type.String()),
  }),
  run: Nullable(RunOut),
  logged_model: Nullable(
    Type.Object({
      model_id: Type.String(),
      experiment_id: Type.String(),
      name: Type.String(),
      artifact_uri: Type.String(),
      params: Type.Array(KeyValue),
    }),
  ),
});

function runToWire(run: RunLineage) {
  return {
    run_id: run.runId,
    experiment_id: run.experimentId,
    run_name: run.runName,
    user_id: run.userId,
    status: run.status,
    start_time: run.startTime,
    end_time: run.endTime,
    params: run.params.map((p) => ({ key: p.key, value: p.value })),
    metrics: run.metrics.map(metricPointToWire),
    code: {
      git_commit: run.code.gitCommit,
      git_branch: run.code.gitBranch,
      repo_url: run.code.repoUrl,
      source_name: run.code.sourceName,
      source_type: run.code.sourceType,
    },
    datasets: run.datasets.map((d) => ({
      name: d.name,
      digest: d.digest,
      source_type: d.sourceType,
      source: d.source,
      context: d.context,
    })),
  };
}

/** The wire form of a version's lineage (snake_case, NaN metrics as strings as on MLflow's wire). */
export function lineageToWire(l: ModelVersionLineage) {
  const mv = l.modelVersion;
  return {
    model_version: {
      name: mv.name,
      version: mv.version,
      source: mv.source,
      storage_location: mv.storageLocation,
      current_stage: mv.currentStage,
      run_id: mv.runId,
      model_id: mv.modelId,
    },
    run: l.run === null ? null : runToWire(l.run),
    logged_model:
      l.loggedModel === null
        ? null
        : {
            model_id: l.loggedModel.modelId,
            experiment_id: l.loggedModel.experimentId,
            name: l.loggedModel.name,
            artifact_uri: l.loggedModel.artifactUri,
            params: l.loggedModel.params.map((p) => ({ key: p.key, value: p.value })),
          },
  };
}

/** The versions of registered models the caller may read. */
async function readableVersions(
  request: FastifyRequest,
  refs: readonly ModelVersionRef[],
): Promise<ModelVersionRef[]> {
  const names = new Set(await readableOf(request, 'registered-model', [...new Set(refs.map((r) => r.name))]));
  return refs.filter((r) => names.has(r.name));
}

const refsToWire = (refs: readonly ModelVersionRef[]) =>
  refs.map((r) => ({ name: r.name, version: r.version }));

/**
 * The native lineage API under /api/bosun/v1/lineage: where a model version came from (run, params, metrics,
 * datasets, code, logged model), and which versions came from a run or a dataset.
 * Example (composition root): `registerLineageRoutes(app, createLineageService({ db, tracking, registry }))`.
 */
export function registerLineageRoutes(app: TypedApp, lineage: LineageService): void {
  app.get(
    `${prefix}/models/:name/versions/:version`,
    {
      schema: {
        tags,
        summary:
          'Where a model version came from: its run (params, metrics, datasets, code) and logged model',
        params: Type.Object({ name: Type.String(), version: VersionParam }),
        response: { 200: Type.Object({ lineage: LineageOut }) },
      },
    },
    async (req) => {
      const found = await lineage.modelVersion(req.params.name, req.params.version);
      // The run and logged model belong to experiments the caller may not read: those parts stay hidden.
      const run = found.run && (await mayRead(req, 'experiment', found.run.experimentId)) ? found.run : null;
      const loggedModel =
        found.loggedModel && (await mayRead(req, 'experiment', found.loggedModel.experimentId))
          ? found.loggedModel
          : null;
      return { lineage: lineageToWire({ ...found, run, loggedModel }) };
    },
  );

  app.get(
    `${prefix}/runs/:run_id`,
    {
      schema: {
        tags,
        summary: 'The model versions that came from a run (directly or through its logged models)',
        params: Type.Object({ run_id: RunIdItem }),
        response: { 200: Type.Object({ model_versions: Type.Array(VersionRefOut) }) },
      },
    },
    async (req) => ({
      model_versions: refsToWire(await readableVersions(req, await lineage.run(req.params.run_id))),
    }),
  );

  app.get(
    `${prefix}/datasets`,
    {
      schema: {
        tags,
        summary: 'The runs that used a dataset and the model versions that came from them',
        querystring: Type.Object({
          name: Type.String({ minLength: 1 }),
          digest: Type.Optional(Type.String({ description: 'absent: every digest of the dataset' })),
        }),
        response: {
          200: Type.Object({
            runs: Type.Array(Type.Object({ run_id: Type.String(), experiment_id: Type.String() })),
            model_versions: Type.Array(VersionRefOut),
          }),
        },
      },
    },
    async (req) => {
      const { name, digest } = req.query;
      const found = await lineage.dataset(digest === undefined ? { name } : { name, digest });
      const readableExperiments = new Set(
        await readableOf(req, 'experiment', [...new Set(found.runs.map((r) => r.experimentId))]),
      );
      return {
        runs: found.runs
          .filter((r) => readableExperiments.has(r.experimentId))
          .map((r) => ({ run_id: r.runId, experiment_id: r.experimentId })),
        model_versions: refsToWire(await readableVersions(req, found.modelVersions)),
      };
    },
  );
}

const lineage = `${apiPaths.native}/lineage`;

/** Lineage answers are filtered to what the caller may read (see the handlers above). */
export const lineagePolicies: PolicyTable = {
  [`GET ${lineage}/runs/:run_id`]: needs(experiment('read', runIn(params('run_id')))),
  [`GET ${lineage}/models/:name/versions/:version`]: needs(model('read', modelParam)),
  [`GET ${lineage}/datasets`]: signedIn,
};

/** Where model versions, runs and datasets come from and go to. */
export const lineageRoutes: RoutePlugin = {
  name: 'lineage',
  policies: lineagePolicies,
  register(app, services) {
    registerLineageRoutes(app, services.lineage);
  },
};
