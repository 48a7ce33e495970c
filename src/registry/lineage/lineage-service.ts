import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/index.js';
import {
  trackingQueries,
  type LoggedModel,
  type Run,
  type Tag,
  type TrackingService,
} from '../../tracking/index.js';
import type { RegistryService } from '../registry-service-contract.js';
import { lineageQueries } from './lineage-queries.js';
import type {
  CodeVersion,
  DatasetLineage,
  DatasetRef,
  LineageDataset,
  LineageService,
  LoggedModelLineage,
  ModelVersionLineage,
  ModelVersionRef,
  RunLineage,
} from './types.js';

export interface LineageServiceOptions {
  db: Kysely<Database>;
  tracking: Pick<TrackingService, 'getRun' | 'getLoggedModel'>;
  registry: Pick<RegistryService, 'getModelVersion'>;
}

/** MLflow's run tags naming the code version (set by `mlflow.start_run` and by projects). */
export const codeVersionTags = {
  gitCommit: 'mlflow.source.git.commit',
  gitBranch: 'mlflow.source.git.branch',
  repoUrl: 'mlflow.source.git.repoURL',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
} as const;

const datasetContextTag = 'mlflow.data.context';

function tagValue(tags: readonly Tag[], key: string): string | null {
  return tags.find((t) => t.key === key)?.value ?? null;
}

function isNotFound(error: unknown): boolean {
  return error instanceof BosunError && error.code === 'RESOURCE_DOES_NOT_EXIST';
}

/** `fn()`, or null when it throws a not-found error (a run or logged model purged after registration). */
async function orNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export function codeVersionOf(tags: readonly Tag[]): CodeVersion {
  return {
    gitCommit: tagValue(tags, codeVersionTags.gitCommit),
    gitBranch: tagValue(tags, codeVersionTags.gitBranch),
    repoUrl: tagValue(tags, codeVersionTags.repoUrl),
    sourceName: tagValue(tags, codeVersionTags.sourceName),
    sourceType: tagValue(tags, codeVersionTags.sourceType),
  };
}

function runLineage(run: Run): RunLineage {
  const byKey = <T extends { key: string }>(items: readonly T[]): T[] =>
    [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const datasets = run.inputs.datasetInputs.map((input): LineageDataset => ({
    name: input.dataset.name,
    digest: input.dataset.digest,
    sourceType: input.dataset.sourceType,
    source: input.dataset.source,
    context: tagValue(input.tags, datasetContextTag),
  }));
  return {
    runId: run.info.runId,
    experimentId: run.info.experimentId,
    runName: run.info.runName,
    userId: run.info.userId,
    status: run.info.status,
    startTime: run.info.startTime,
    endTime: run.info.endTime,
    params: byKey(run.data.params),
    metrics: byKey(run.data.metrics),
    code: codeVersionOf(run.data.tags),
    datasets,
  };
}

function loggedModelLineage(model: LoggedModel): LoggedModelLineage {
  return {
    modelId: model.modelId,
    experimentId: model.experimentId,
    name: model.name,
    artifactUri: model.artifactUri,
    params: model.params,
  };
}

/**
 * Builds the lineage service over the tracking and registry services and the database they share.
 * Example: `const lineage = createLineageService({ db: handle.db, tracking, registry });`
 */
export function createLineageService(options: LineageServiceOptions): LineageService {
  const { db, tracking, registry } = options;
  return {
    async modelVersion(name: string, version: string): Promise<ModelVersionLineage> {
      const mv = await registry.getModelVersion(name, version);
      const loggedModel =
        mv.modelId !== undefined ? await orNull(() => tracking.getLoggedModel(mv.modelId ?? '')) : null;
      // A version registered from `models:/m-...` may carry only the logged model; its run is the model's source.
      const runId = mv.runId ?? loggedModel?.sourceRunId;
      const run = runId !== undefined ? await orNull(() => tracking.getRun(runId)) : null;
      return {
        modelVersion: {
          name: mv.name,
          version: mv.version,
          source: mv.source,
          storageLocation: mv.storageLocation,
          currentStage: mv.currentStage,
          runId: runId ?? null,
          modelId: mv.modelId ?? null,
        },
        run: run === null ? null : runLineage(run),
        loggedModel: loggedModel === null ? null : loggedModelLineage(loggedModel),
      };
    },

    async run(runId: string): Promise<ModelVersionRef[]> {
      if (typeof runId !== 'string' || runId.trim() === '') {
        throw new InvalidParameterError('A run id is required');
      }
      if (!(await trackingQueries.runExists(db, runId))) {
        throw new NotFoundError(`Run with id=${runId} not found`);
      }
      return lineageQueries.versionsFromRun(db, runId);
    },

    async dataset(ref: DatasetRef): Promise<DatasetLineage> {
      if (typeof ref.name !== 'string' || ref.name === '') {
        throw new InvalidParameterError('A dataset name is required');
      }
      if (ref.digest !== undefined && ref.digest === '') {
        throw new InvalidParameterError('A dataset digest may not be empty (omit it to match every digest)');
      }
      const [runs, modelVersions] = await Promise.all([
        trackingQueries.runsUsingDataset(db, ref),
        lineageQueries.versionsFromDataset(db, ref),
      ]);
      return { runs, modelVersions };
    },
  };
}
