import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../db/index.js';
import { type Clock, InvalidParameterError, NotFoundError } from '../shared/index.js';
import { experimentStore } from './experiment-store.js';
import { runStore } from './run-store.js';
import type { Experiment, RunInfo } from './types.js';
import { parseExperimentId, validateRunId } from './validation.js';

/** What the tracking services share: the database, the clock and where new experiments put artifacts. */
export class TrackingContext {
  constructor(
    readonly handle: DatabaseHandle,
    readonly clock: Clock,
    readonly defaultArtifactRoot: string,
  ) {}

  get db(): Kysely<Database> {
    return this.handle.db;
  }

  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.handle.db.transaction().execute(fn);
  }

  async experiment(db: Kysely<Database>, experimentId: string): Promise<Experiment> {
    const experiment = await experimentStore.findById(db, parseExperimentId(experimentId));
    if (!experiment) throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
    return experiment;
  }

  async activeExperiment(db: Kysely<Database>, experimentId: string): Promise<Experiment> {
    const experiment = await this.experiment(db, experimentId);
    checkExperimentActive(experimentId, experiment.lifecycleStage);
    return experiment;
  }

  /** The experiment's row, without its tags (one statement): what creating a run in it needs. */
  async activeExperimentRow(
    db: Kysely<Database>,
    experimentId: string,
  ): Promise<{ experimentId: string; artifactLocation: string }> {
    const row = await experimentStore.findRow(db, parseExperimentId(experimentId));
    if (!row) throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
    checkExperimentActive(experimentId, row.lifecycle_stage);
    return { experimentId: String(row.experiment_id), artifactLocation: row.artifact_location };
  }

  async run(db: Kysely<Database>, runId: string): Promise<RunInfo> {
    const info = await runStore.findInfo(db, validateRunId(runId));
    if (!info) throw new NotFoundError(`Run with id=${runId} not found`);
    return info;
  }

  async activeRun(db: Kysely<Database>, runId: string): Promise<RunInfo> {
    const info = await this.run(db, runId);
    if (info.lifecycleStage !== 'active') {
      throw new InvalidParameterError(
        `The run ${runId} must be in the 'active' state. Current state is ${info.lifecycleStage}.`,
      );
    }
    return info;
  }
}

/** Runs are created and written only in an active experiment (MLflow's message when it is deleted). */
function checkExperimentActive(experimentId: string, lifecycleStage: string): void {
  if (lifecycleStage !== 'active') {
    throw new InvalidParameterError(
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${lifecycleStage}.`,
    );
  }
}
