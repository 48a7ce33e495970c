import type { Kysely } from 'kysely';
import {
  checkExperimentLocation,
  isProxiedArtifactUri,
  keysOverlap,
  locationKey,
  reservedExperimentFolder,
  resolveRelativeLocation,
  type ArtifactLocationPolicy,
  type LocationKey,
} from '../artifacts/index.js';
import { isUniqueViolation, type Database } from '../db/index.js';
import {
  AlreadyExistsError,
  InvalidParameterError,
  InvalidStateError,
  int32Max,
  isExperimentId,
  NotFoundError,
} from '../shared/index.js';
import { experimentLocationDialectOf } from './experiment-location-dialect.js';
import { defaultPrefix, experimentStore } from './experiment-store.js';
import { limits } from './limits.js';
import { runStore } from './run-store.js';
import { isVisible, paginate } from '../search/index.js';
import type { TrackingContext } from './tracking-context.js';
import type {
  DatasetSummary,
  DefaultExperimentLocation,
  SearchDatasetsQuery,
  SearchExperimentsQuery,
  TrackingService,
} from './tracking-service-contract.js';
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
  | 'adoptDefaultExperimentLocation'
  | 'searchDatasetSummaries'
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
    const location = input.artifactLocation
      ? resolveRelativeLocation(
          validateArtifactLocation(input.artifactLocation),
          this.locations.workingDirectory,
        )
      : null;
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

  async adoptDefaultExperimentLocation(): Promise<DefaultExperimentLocation> {
    const wanted = `${defaultPrefix(this.ctx.defaultArtifactRoot)}0`;
    return this.ctx.transaction(async (db) => {
      const current = (await this.ctx.experiment(db, '0')).artifactLocation;
      if (current === wanted) return { location: current, changed: false };
      const kept = (why: string): DefaultExperimentLocation => ({
        location: current,
        changed: false,
        kept: `The Default experiment keeps its artifact location '${current}' although the default artifact root makes it '${wanted}': ${why}`,
      });
      if (await experimentStore.holdsEntities(db, 0)) {
        return kept('it holds runs or logged models whose artifacts are stored there.');
      }
      const key = locationKey(wanted, this.locations.artifactsDestination);
      if (key !== null) {
        await experimentLocationDialectOf(db).lockCustomLocations(db);
        for (const other of await experimentStore.customLocations(db, this.ctx.defaultArtifactRoot)) {
          const otherKey = locationKey(other.artifactLocation, this.locations.artifactsDestination);
          if (other.experimentId !== '0' && otherKey !== null && keysOverlap(key, otherKey)) {
            return kept(`it overlaps the artifact location of experiment ${other.experimentId}.`);
          }
        }
      }
      await experimentStore.setArtifactLocation(db, 0, wanted);
      return { location: wanted, changed: true };
    });
  }

  async searchDatasetSummaries(query: SearchDatasetsQuery): Promise<DatasetSummary[]> {
    const { experimentIds } = query;
    if (experimentIds.length === 0) {
      throw new InvalidParameterError('SearchDatasets request must specify at least one experiment_id.');
    }
    if (experimentIds.length > limits.datasetSearchMaxExperiments) {
      throw new InvalidParameterError(
        `SearchDatasets request cannot specify more than ${limits.datasetSearchMaxExperiments} experiment_ids. ` +
          `Received ${experimentIds.length} experiment_ids.`,
      );
    }
    for (const id of experimentIds) {
      if (!isExperimentId(id)) {
        throw new InvalidParameterError(
          `Invalid value '${String(id).slice(0, 40)}' for parameter 'experiment_ids' supplied: experiment IDs ` +
            `are integers from 0 to ${int32Max}, written without sign, leading zeros or blanks.`,
        );
      }
    }
    const visible = experimentIds.filter(
      (id) => query.visibility === undefined || isVisible(query.visibility, id),
    );
    const ids = [...new Set(visible.map(parseExperimentId))];
    const summaries = new Map<string, DatasetSummary>();
    // Uses with different input tags can share a context: read a few more rows than answers are kept.
    const uses = await experimentStore.datasetUses(this.ctx.db, ids, limits.datasetSummariesMax * 4);
    for (const use of uses) {
      const context = datasetContext(use.tags);
      const summary: DatasetSummary = {
        experimentId: use.experimentId,
        name: use.name,
        digest: use.digest,
        ...(context !== undefined ? { context } : {}),
      };
      summaries.set(JSON.stringify([use.experimentId, use.name, use.digest, context ?? null]), summary);
      if (summaries.size >= limits.datasetSummariesMax) break;
    }
    return [...summaries.values()];
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

/** The `mlflow.data.context` tag (`training`, `eval`...) of a dataset input's tags, stored as JSON text. */
function datasetContext(tagsJson: string): string | undefined {
  let tags: unknown;
  try {
    tags = JSON.parse(tagsJson);
  } catch {
    return undefined;
  }
  if (!Array.isArray(tags)) return undefined;
  for (const tag of tags as unknown[]) {
    if (typeof tag !== 'object' || tag === null) continue;
    const { key, value } = tag as { key?: unknown; value?: unknown };
    if (key === 'mlflow.data.context' && typeof value === 'string') return value;
  }
  return undefined;
}

function duplicate(name: string): AlreadyExistsError {
  return new AlreadyExistsError(
    `Experiment(name=${name}) already exists. Error: experiment name must be unique`,
  );
}
