import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../db/index.js';
import type { Clock } from '../shared/index.js';
import type { TrackingService } from '../tracking/index.js';
import type { RegistryEventSink, TypedRegistryEventInput } from './events/event-types.js';
import { findModel, findVersion } from './lookups.js';
import type { ModelVersionRow } from './model-version-store.js';
import type { RegisteredModelRow } from './registered-model-store.js';
import type { ModelStage } from './types.js';

/** What the registry reads from tracking: runs and logged models that versions come from. */
export type TrackingLookups = Pick<TrackingService, 'getRun' | 'getLoggedModel'>;

/** Where a promotion puts a version: an alias, or a stage. */
export type PromotionTarget = { kind: 'alias'; alias: string } | { kind: 'stage'; stage: ModelStage };

/** One alias or stage change, as the promotion gate sees it (inside the change's transaction). */
export interface PromotionRequest {
  model: RegisteredModelRow;
  version: ModelVersionRow;
  target: PromotionTarget;
  /** Who asked, when known (an assertion until authentication lands). */
  actor?: string;
}

/**
 * Governance hooks into the registry (promotion policies, scanning). The registry calls them; it does not know
 * what they do. Absent hooks change nothing (plain MLflow behaviour).
 */
export interface RegistryHooks {
  /** Inside the alias/stage change's transaction, before the change is written; throws to refuse it. */
  checkPromotion(db: Kysely<Database>, request: PromotionRequest): Promise<void>;
  /**
   * After a promotion's transaction failed with `error` (rolled back): records a refusal in a transaction of
   * its own, so that it is kept although the change is not.
   */
  promotionFailed(error: unknown, actor: string | undefined): Promise<void>;
  /** After a version's creation committed (scans its files); never throws for bad content. */
  versionCreated(version: {
    registeredModelId: number;
    name: string;
    version: number;
    storageLocation: string;
  }): Promise<void>;
  /** Inside the version's delete transaction. */
  versionDeleted(db: Kysely<Database>, key: { registeredModelId: number; version: number }): Promise<void>;
  /** Inside the model's delete transaction. */
  modelDeleted(db: Kysely<Database>, registeredModelId: number): Promise<void>;
  /** Whether clients may not set or delete this version tag (it is written by governance only). */
  isReservedVersionTag(key: string): boolean;
}

/**
 * What the registry services share: the database, the clock, the event sink (the platform outbox in
 * production) and the tracking lookups.
 */
export class RegistryContext {
  constructor(
    readonly handle: DatabaseHandle,
    readonly clock: Clock,
    readonly events: RegistryEventSink,
    readonly tracking: TrackingLookups,
    readonly hooks?: RegistryHooks,
  ) {}

  /**
   * Runs an alias or stage change in one transaction, gated by the promotion hook; a refusal is recorded
   * after the rollback.
   */
  async promotion<T>(actor: string | undefined, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      return await this.transaction(fn);
    } catch (error) {
      await this.hooks?.promotionFailed(error, actor);
      throw error;
    }
  }

  get db(): Kysely<Database> {
    return this.handle.db;
  }

  /** Runs `fn` in one transaction: all of its writes (and their events) land, or none do. */
  transaction<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.handle.db.transaction().execute(fn);
  }

  /** Records a registry event in the change's transaction `db` (payload checked against the catalogue). */
  async record(db: Kysely<Database>, event: TypedRegistryEventInput): Promise<void> {
    await this.events.record(db, event);
  }

  model(db: Kysely<Database>, name: string): Promise<RegisteredModelRow> {
    return findModel(db, name);
  }

  version(
    db: Kysely<Database>,
    name: string,
    version: string,
  ): Promise<{ model: RegisteredModelRow; row: ModelVersionRow }> {
    return findVersion(db, name, version);
  }
}
