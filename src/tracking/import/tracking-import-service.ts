import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../../db/index.js';
import { AlreadyExistsError, InvalidParameterError, NotFoundError } from '../../shared/index.js';
import { experimentStore } from '../experiment-store.js';
import { limits } from '../limits.js';
import { toLoggedModelBase } from '../row-mappers.js';
import { runStore } from '../run-store.js';
import {
  loggedModelStatuses,
  runStatuses,
  type Experiment,
  type LoggedModelStatus,
  type RunInfo,
  type RunStatus,
} from '../types.js';
import { parseExperimentId, validateLength, validateLoggedModelId, validateRunId } from '../validation.js';

type Db = Kysely<Database>;

/** A run as another MLflow server recorded it: its id, times and status are kept. */
export interface ImportRunInput {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
}

/** A logged model as another MLflow server recorded it: its id, times and status are kept. */
export interface ImportLoggedModelInput {
  modelId: string;
  experimentId: string;
  name: string;
  sourceRunId?: string;
  modelType?: string;
  status: LoggedModelStatus;
  creationTime: number;
  lastUpdatedTime: number;
}

/** What an import call did: `created` is false when the same id was already there (a repeated import). */
export interface ImportOutcome<T> {
  created: boolean;
  value: T;
}

/** The imported logged model as stored (what `bosun import` needs to find its artifact root). */
export interface ImportedLoggedModel {
  modelId: string;
  experimentId: string;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
}

/**
 * Creates runs and logged models under the ids another MLflow server gave them, for `bosun import`. Everything
 * else about an imported run (params, metrics, tags, inputs, artifacts) goes through the ordinary API; only the
 * id, times and status need this door, which the server opens to administrators alone.
 *
 * Both calls are idempotent: the same id in the same experiment answers `created: false` (and takes the times
 * and status given), the same id in another experiment is refused, so an import can be repeated or resumed.
 * Example: `await service.importRun({ runId: 'a1b2...', experimentId: '3', runName: 'fit', userId: 'ana',
 * status: 'FINISHED', startTime: 1700000000000, endTime: 1700000005000 })`.
 */
export interface TrackingImportService {
  importRun(input: ImportRunInput): Promise<ImportOutcome<RunInfo>>;
  importLoggedModel(input: ImportLoggedModelInput): Promise<ImportOutcome<ImportedLoggedModel>>;
}

function epochMs(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidParameterError(`Invalid value for parameter '${field}': expected epoch milliseconds.`);
  }
  return value;
}

function runStatus(value: string): RunStatus {
  const found = runStatuses.find((s) => s === value);
  if (!found) {
    throw new InvalidParameterError(
      `Invalid value for parameter 'status': expected one of ${runStatuses.join(', ')}, got '${value}'.`,
    );
  }
  return found;
}

function loggedModelStatus(value: string): LoggedModelStatus {
  const found = loggedModelStatuses.find((s) => s === value);
  if (!found) {
    throw new InvalidParameterError(
      `Invalid value for parameter 'status': expected one of ${loggedModelStatuses.join(', ')}, got '${value}'.`,
    );
  }
  return found;
}

async function activeExperiment(db: Db, experimentId: string): Promise<Experiment> {
  const experiment = await experimentStore.findById(db, parseExperimentId(experimentId));
  if (!experiment) throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
  if (experiment.lifecycleStage !== 'active') {
    throw new InvalidParameterError(
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
    );
  }
  return experiment;
}

function below(location: string, tail: string): string {
  return `${location.replace(/\/+$/, '')}/${tail}`;
}

/**
 * Builds the import service over an open, migrated database.
 * Example: `const imports = createTrackingImportService({ handle, nowMs: () => Date.now() });`
 */
export function createTrackingImportService(options: { handle: DatabaseHandle }): TrackingImportService {
  const { handle } = options;
  const transaction = <T>(fn: (db: Db) => Promise<T>): Promise<T> => handle.db.transaction().execute(fn);

  return {
    async importRun(input) {
      const runId = validateRunId(input.runId);
      const runName = validateLength('run_name', input.runName, limits.runNameLength);
      const status = runStatus(input.status);
      const startTime = epochMs('start_time', input.startTime);
      const endTime = input.endTime === null ? null : epochMs('end_time', input.endTime);
      return transaction(async (db) => {
        const experiment = await activeExperiment(db, input.experimentId);
        const existing = await runStore.findInfo(db, runId);
        if (existing) {
          if (existing.experimentId !== experiment.experimentId) {
            throw new AlreadyExistsError(
              `Run with id=${runId} already exists in experiment ${existing.experimentId}, not in experiment ${experiment.experimentId}.`,
            );
          }
          await db
            .updateTable('runs')
            .set({ status, start_time: startTime, end_time: endTime, user_id: input.userId, name: runName })
            .where('run_uuid', '=', runId)
            .execute();
          const updated = await runStore.findInfo(db, runId);
          return { created: false, value: updated ?? existing };
        }
        const info: RunInfo = {
          runId,
          experimentId: experiment.experimentId,
          runName,
          userId: input.userId,
          status,
          startTime,
          endTime,
          lifecycleStage: 'active',
          artifactUri: below(experiment.artifactLocation, `${runId}/artifacts`),
        };
        await runStore.insert(db, info, [{ key: 'mlflow.runName', value: runName }]);
        return { created: true, value: info };
      });
    },

    async importLoggedModel(input) {
      const modelId = validateLoggedModelId(input.modelId);
      if (input.sourceRunId !== undefined) validateRunId(input.sourceRunId);
      const status = loggedModelStatus(input.status);
      const creationTime = epochMs('creation_timestamp_ms', input.creationTime);
      const lastUpdatedTime = epochMs('last_updated_timestamp_ms', input.lastUpdatedTime);
      const name = validateLength('name', input.name, limits.runNameLength);
      return transaction(async (db) => {
        const experiment = await activeExperiment(db, input.experimentId);
        const row = await db
          .selectFrom('logged_models')
          .selectAll()
          .where('model_id', '=', modelId)
          .executeTakeFirst();
        if (row) {
          const existing = toLoggedModelBase(row);
          if (existing.experimentId !== experiment.experimentId) {
            throw new AlreadyExistsError(
              `Logged model with ID '${modelId}' already exists in experiment ${existing.experimentId}, not in experiment ${experiment.experimentId}.`,
            );
          }
          await db
            .updateTable('logged_models')
            .set({ status, creation_time: creationTime, last_updated_time: lastUpdatedTime })
            .where('model_id', '=', modelId)
            .execute();
          return {
            created: false,
            value: {
              modelId,
              experimentId: existing.experimentId,
              artifactUri: existing.artifactUri,
              lifecycleStage: existing.lifecycleStage,
            },
          };
        }
        const artifactUri = below(experiment.artifactLocation, `models/${modelId}/artifacts`);
        await db
          .insertInto('logged_models')
          .values({
            model_id: modelId,
            experiment_id: Number(experiment.experimentId),
            name,
            artifact_location: artifactUri,
            creation_time: creationTime,
            last_updated_time: lastUpdatedTime,
            source_run_id: input.sourceRunId ?? null,
            status,
            status_message: null,
            model_type: input.modelType || null,
            lifecycle_stage: 'active',
          })
          .execute();
        return {
          created: true,
          value: { modelId, experimentId: experiment.experimentId, artifactUri, lifecycleStage: 'active' },
        };
      });
    },
  };
}
