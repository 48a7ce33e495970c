import type { Kysely } from 'kysely';
import {
  checkExperimentLocation,
  isProxiedArtifactUri,
  keysOverlap,
  locationKey,
  reservedExperimentFolder,
  type ArtifactLocationPolicy,
  type LocationKey,
} from '../artifacts/index.js';
import { isUniqueViolation, type Database } from '../db/index.js';
import {
  AlreadyExistsError,
  InvalidParameterError,
  InvalidStateError,
  NotFoundError,
} from '../shared/index.js';
import { experimentLocationDialectOf } from './experiment-location-dialect.js';
import { experimentStore } from './experiment-store.js';
import { limits } from './limits.js';
import { runStore } from './run-store.js';
import { paginate } from '../search/index.js';
import type { TrackingContext } from './tracking-context.js';
import type { SearchExperimentsQuery, TrackingService } from './tracking-service-contract.js';
import type { Experiment, Page, Tag } from './types.js';
import {
  parseExperimentId,
  validateArtifactLocation,
  validateExperimentName,
  validateKey,
  validateLength,
  validateMaxResults,
} from './validation.js';

function validateExperimentTag(tag: Tag): Tag {
  validateKey('tag', tag.key);
  validateLength('value', String(tag.value ?? ''), limits.experimentTagValueLength);
  return { key: tag.key, value: String(tag.value ?? '') };
}

/**
 * The location policy when the composition root gives none: inferred from the default root (a proxied default
 * root means the server serves artifacts), with no local destination, so only `mlflow-artifacts:/...` locations
 * pass while serving.
 */
function inferredPolicy(defaultArtifactRoot: string): ArtifactLocationPolicy {
  return { serveArtifacts: isProxiedArtifactUri(defaultArtifactRoot), defaultArtifactRoot };
}

/** Experiments: create, read, search, rename, soft delete and restore, tags. */
export class ExperimentService implements Pick<
  TrackingService,
  | 'createExperiment'
  | 'getExperiment'
  | 'getExperimentByName'
  | 'searchExperiments'
  | 'renameExperiment'
  | 'deleteExperiment'
  | 'restoreExperiment'
  | 'setExperimentTag'
  | 'deleteExperimentTag'
> {
  private readonly locations: ArtifactLocationPolicy;

  /** `locations` says which artifact locations experiments may have (see `checkExperimentLocation`). */
  constructor(
    private readonly ctx: TrackingContext,
    locations?: ArtifactLocationPolicy,
  ) {
    this.locations = locations ?? inferredPolicy(ctx.defaultArtifactRoot);
  }

  async createExperiment(input: { name: string; artifactLocation?: string; tags?: Tag[] }): Promise<string> {
    const name = validateExperimentName(input.name);
    const location = input.artifactLocation ? validateArtifactLocation(input.artifactLocation) : null;
    const key = location === null ? null : checkExperimentLocation(location, this.locations);
    const tags = (input.tags ?? []).map(validateExperimentTag);
    try {
      return await this.ctx.transaction(async (db) => {
        if (await experimentStore.findByName(db, name)) throw duplicate(name);
        if (location !== null && key !== null) await this.checkNoOverlap(db, location, key);
        const id = await experimentStore.insert(db, {
          name,
          artifactLocation: location,
          now: this.ctx.clock.nowMs(),
          defaultRoot: this.ctx.defaultArtifactRoot,
        });
        // Checked once the id is known (the transaction is rolled back): only the experiment itself may use
        // the folder its id names.
        const reserved = key === null ? undefined : reservedExperimentFolder(key, this.locations);
        if (location !== null && reserved !== undefined && reserved !== String(id)) {
          throw new InvalidParameterError(
            `Invalid artifact location '${location}': it lies in the folder of experiment ${reserved} ` +
              '(numbered folders of the artifact root belong to the experiment with that id).',
          );
        }
        for (const tag of tags) await experimentStore.setTag(db, id, tag);
        return String(id);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(name);
      throw error;
    }
  }

  /**
   * Refuses a location that is, contains or lies in another experiment's location (deleted ones included).
   * Serialised with every other creation of a custom location (the lock is held until `db`'s transaction ends,
   * after the insert), so two creations at the same moment cannot both pass: see experiment-location-dialect.ts.
   */
  private async checkNoOverlap(db: Kysely<Database>, location: string, key: LocationKey): Promise<void> {
    await experimentLocationDialectOf(db).lockCustomLocations(db);
    const others = await experimentStore.customLocations(db, this.ctx.defaultArtifactRoot);
    for (const other of others) {
      const otherKey = locationKey(other.artifactLocation, this.locations.artifactsDestination);
      if (otherKey !== null && keysOverlap(key, otherKey)) {
        throw new InvalidParameterError(
          `Invalid artifact location '${location}': it overlaps the artifact location of experiment ` +
            `${other.experimentId}; experiments may not share, contain or lie in each other's artifact folders.`,
        );
      }
    }
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.ctx.experiment(this.ctx.db, experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidParameterError("Missing value for required parameter 'experiment_name'.");
    }
    const experiment = await experimentStore.findByName(this.ctx.db, name);
    if (!experiment) throw new NotFoundError(`Could not find experiment with name '${name}'`);
    return experiment;
  }

  searchExperiments(query: SearchExperimentsQuery): Promise<Page<Experiment>> {
    const pageSize = validateMaxResults(
      query.maxResults,
      limits.searchMaxResults,
      limits.searchDefaultResults,
    );
    return paginate(query.pageToken, pageSize, (offset, limit) =>
      experimentStore.search(this.ctx.db, {
        viewType: query.viewType ?? 'ACTIVE_ONLY',
        ...(query.visibility !== undefined ? { visibility: query.visibility } : {}),
        ...(query.filter !== undefined ? { filter: query.filter } : {}),
        ...(query.orderBy !== undefined ? { orderBy: query.orderBy } : {}),
        offset,
        limit,
      }),
    );
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    const name = validateExperimentName(newName);
    try {
      await this.ctx.transaction(async (db) => {
        const experiment = await this.ctx.experiment(db, experimentId);
        if (experiment.lifecycleStage !== 'active') {
          throw new InvalidStateError('Cannot rename a non-active experiment.');
        }
        const holder = await experimentStore.findByName(db, name);
        if (holder && holder.experimentId !== experiment.experimentId) throw duplicate(name);
        await experimentStore.rename(db, parseExperimentId(experimentId), name, this.ctx.clock.nowMs());
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(name);
      throw error;
    }
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      const experiment = await this.ctx.experiment(db, experimentId);
      if (experiment.lifecycleStage === 'deleted') return;
      const now = this.ctx.clock.nowMs();
      const id = parseExperimentId(experimentId);
      await experimentStore.setLifecycle(db, id, 'deleted', now);
      await runStore.setLifecycle(db, { experimentId: id }, 'deleted', now);
    });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      const experiment = await this.ctx.experiment(db, experimentId);
      if (experiment.lifecycleStage === 'active') return;
      const id = parseExperimentId(experimentId);
      await runStore.setLifecycle(
        db,
        { experimentId: id, deletedTime: experiment.lastUpdateTime },
        'active',
        0,
      );
      await experimentStore.setLifecycle(db, id, 'active', this.ctx.clock.nowMs());
    });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const tag = validateExperimentTag({ key, value });
    await this.ctx.transaction(async (db) => {
      await this.ctx.activeExperiment(db, experimentId);
      await experimentStore.setTag(db, parseExperimentId(experimentId), tag);
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.ctx.transaction(async (db) => {
      await this.ctx.activeExperiment(db, experimentId);
      if (!(await experimentStore.deleteTag(db, parseExperimentId(experimentId), key))) {
        throw new NotFoundError(`No tag with name: ${key} in experiment with id ${experimentId}`);
      }
    });
  }
}

function duplicate(name: string): AlreadyExistsError {
  return new AlreadyExistsError(
    `Experiment(name=${name}) already exists. Error: experiment name must be unique`,
  );
}
