import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { RegistryEvents } from './registry-event-catalogue.js';

/** Everything that happens in the registry and is kept on record (and sent to webhooks). */
export type RegistryEventType = keyof RegistryEvents & string;

/**
 * One registry event as recorded: any registry event type with a JSON object payload. Events read back from
 * the log have this shape (a stored payload may predate a change of its type); the registry's own code
 * writes `TypedRegistryEventInput`, whose payload the compiler checks against the catalogue.
 */
export interface RegistryEventInput {
  type: RegistryEventType;
  modelName: string;
  /** Version number as text, when the event concerns one version. */
  version?: string;
  /** Who caused it (user name), when known. */
  actor?: string;
  /** Event-specific details: alias name, old and new stage, scan verdict... JSON-serialisable. */
  payload: Record<string, unknown>;
}

/** A `RegistryEventInput` whose payload has the type the catalogue declares for its event type. */
export type TypedRegistryEventInput = {
  [K in RegistryEventType]: Omit<RegistryEventInput, 'type' | 'payload'> & {
    type: K;
    payload: RegistryEvents[K]['payload'];
  };
}[RegistryEventType];

export interface RegistryEvent extends RegistryEventInput {
  id: number;
  createdAt: number;
}

/**
 * Where the registry records its events: the platform event outbox (src/events), seen through the registry's
 * names (`OutboxRegistryEventSink`). `record` is called inside the registry change's own transaction (pass the
 * transaction as `db`), so an event exists exactly when its change does; consumers (webhooks...) see it once
 * that transaction has committed.
 * Example: `await events.record(trx, { type: 'alias.set', modelName: 'rf', version: '3', payload: { alias: 'champion' } })`
 */
export interface RegistryEventSink {
  record(db: Kysely<Database>, event: RegistryEventInput): Promise<RegistryEvent>;
}
