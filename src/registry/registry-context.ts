import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../db/index.js';
import { decodePageToken, encodePageToken } from '../search/index.js';
import type { Clock } from '../shared/clock.js';
import { NotFoundError } from '../shared/errors.js';
import type { TrackingService } from '../tracking/tracking-service-contract.js';
import type { RegistryEventInput, RegistryEventSink } from './events/event-types.js';
import { modelVersionStore, type ModelVersionRow } from './model-version-store.js';
import { registeredModelStore, type RegisteredModelRow } from './registered-model-store.js';
import type { Page } from './types.js';
import { parseVersion, validateModelName } from './validation.js';

/** What the registry reads from tracking: runs and logged models that versions come from. */
export type TrackingLookups = Pick<TrackingService, 'getRun' | 'getLoggedModel'>;

/** What the registry services share: the database, the clock, the event sink and the tracking lookups. */
export class RegistryContext {
  constructor(
    readonly handle: DatabaseHandle,
    readonly clock: Clock,
    readonly events: RegistryEventSink,
    readonly tracking: TrackingLookups,
  ) {}

  get db(): Kysely<Database> {
    return this.handle.db;
  }

  /** Runs `fn` in one transaction: all of its writes (and their events) land, or none do. */
  transaction<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.handle.db.transaction().execute(fn);
  }

  async record(db: Kysely<Database>, event: RegistryEventInput): Promise<void> {
    await this.events.record(db, event);
  }

  async model(db: Kysely<Database>, name: string): Promise<RegisteredModelRow> {
    const row = await registeredModelStore.findByName(db, validateModelName(name));
    if (!row) throw new NotFoundError(`Registered Model with name=${name} not found`);
    return row;
  }

  async version(
    db: Kysely<Database>,
    name: string,
    version: string,
  ): Promise<{ model: RegisteredModelRow; row: ModelVersionRow }> {
    const number = parseVersion(version);
    const model = await this.model(db, name);
    const row = await modelVersionStore.find(db, {
      registeredModelId: model.registered_model_id,
      version: number,
    });
    if (!row) throw new NotFoundError(`Model Version (name=${name}, version=${number}) not found`);
    return { model, row };
  }
}

/** Runs a page query asking for one row more than the page holds; that extra row proves a next page. */
export async function paginate<T>(
  pageToken: string | undefined,
  pageSize: number,
  fetch: (offset: number, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const offset = decodePageToken(pageToken);
  const rows = await fetch(offset, pageSize + 1);
  if (rows.length > pageSize) {
    return { items: rows.slice(0, pageSize), nextPageToken: encodePageToken(offset + pageSize) };
  }
  return { items: rows };
}
