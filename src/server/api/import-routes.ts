import { Type } from '@sinclair/typebox';
import {
  createTrackingImportService,
  loggedModelStatuses,
  runStatuses,
  type RunInfo,
  type TrackingImportService,
} from '../../tracking/index.js';
import { ExperimentIdItem, LoggedModelIdItem, RunIdIn, RunIdItem } from '../id-schemas.js';
import { adminOnly, apiPaths } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';

const prefix = `${apiPaths.native}/import`;
const tags = ['import'];
const EpochMs = (description: string) => Type.Integer({ minimum: 0, description });

const RunInfoOut = Type.Object({
  run_id: Type.String(),
  experiment_id: Type.String(),
  run_name: Type.String(),
  user_id: Type.String(),
  status: Type.String(),
  start_time: Type.Integer(),
  end_time: Type.Union([Type.Integer(), Type.Null()]),
  lifecycle_stage: Type.String(),
  artifact_uri: Type.String(),
});

function runInfoToWire(info: RunInfo) {
  return {
    run_id: info.runId,
    experiment_id: info.experimentId,
    run_name: info.runName,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    end_time: info.endTime,
    lifecycle_stage: info.lifecycleStage,
    artifact_uri: info.artifactUri,
  };
}

/**
 * The import door of `bosun import`: a run or logged model created under the id another MLflow server gave it,
 * with its times and status. Administrators only (and audited, as every change is), so ordinary clients can
 * never pick or take over an id: the MLflow routes always make new ones. Repeating a call with the same id and
 * experiment answers `created: false`; the same id in another experiment is refused (`RESOURCE_ALREADY_EXISTS`).
 * Example: `registerImportRoutes(app, createTrackingImportService({ handle }))`.
 */
export function registerImportRoutes(app: TypedApp, imports: TrackingImportService): void {
  app.post(
    `${prefix}/runs`,
    {
      schema: {
        tags,
        summary:
          'Create a run under a given id, with its times and status (administrators; for bosun import)',
        body: Type.Object({
          run_id: RunIdItem,
          experiment_id: ExperimentIdItem,
          run_name: Type.String({ minLength: 1 }),
          user_id: Type.Optional(Type.String()),
          status: Type.String({ enum: [...runStatuses] }),
          start_time: EpochMs('epoch milliseconds'),
          end_time: Type.Optional(
            Type.Union([EpochMs('epoch milliseconds; absent or null while running'), Type.Null()]),
          ),
        }),
        response: {
          200: Type.Object({
            created: Type.Boolean({
              description: 'false when the run was already there (a repeated import)',
            }),
            run_info: RunInfoOut,
          }),
        },
      },
    },
    async (req) => {
      const b = req.body;
      const outcome = await imports.importRun({
        runId: b.run_id,
        experimentId: b.experiment_id,
        runName: b.run_name,
        userId: b.user_id ?? '',
        status: b.status as RunInfo['status'],
        startTime: b.start_time,
        endTime: b.end_time ?? null,
      });
      return { created: outcome.created, run_info: runInfoToWire(outcome.value) };
    },
  );

  app.post(
    `${prefix}/logged-models`,
    {
      schema: {
        tags,
        summary:
          'Create a logged model under a given id, with its times and status (administrators; for bosun import)',
        body: Type.Object({
          model_id: LoggedModelIdItem,
          experiment_id: ExperimentIdItem,
          name: Type.String({ minLength: 1 }),
          source_run_id: Type.Optional(RunIdIn()),
          model_type: Type.Optional(Type.String()),
          status: Type.String({ enum: [...loggedModelStatuses] }),
          creation_timestamp_ms: EpochMs('epoch milliseconds'),
          last_updated_timestamp_ms: EpochMs('epoch milliseconds'),
        }),
        response: {
          200: Type.Object({
            created: Type.Boolean(),
            model: Type.Object({
              model_id: Type.String(),
              experiment_id: Type.String(),
              artifact_uri: Type.String(),
              lifecycle_stage: Type.String(),
            }),
          }),
        },
      },
    },
    async (req) => {
      const b = req.body;
      const outcome = await imports.importLoggedModel({
        modelId: b.model_id,
        experimentId: b.experiment_id,
        name: b.name,
        ...(b.source_run_id ? { sourceRunId: b.source_run_id } : {}),
        ...(b.model_type ? { modelType: b.model_type } : {}),
        status: b.status as (typeof loggedModelStatuses)[number],
        creationTime: b.creation_timestamp_ms,
        lastUpdatedTime: b.last_updated_timestamp_ms,
      });
      const m = outcome.value;
      return {
        created: outcome.created,
        model: {
          model_id: m.modelId,
          experiment_id: m.experimentId,
          artifact_uri: m.artifactUri,
          lifecycle_stage: m.lifecycleStage,
        },
      };
    },
  );
}

/** Only administrators may create runs and logged models under ids of their choosing. */
export const importPolicies: PolicyTable = {
  [`POST ${prefix}/runs`]: adminOnly,
  [`POST ${prefix}/logged-models`]: adminOnly,
};

/** The routes `bosun import` keeps MLflow's run and logged-model ids with. */
export const importRoutes: RoutePlugin = {
  name: 'import',
  policies: importPolicies,
  register(app, services) {
    registerImportRoutes(app, createTrackingImportService({ handle: services.database }));
  },
};
