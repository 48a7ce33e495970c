import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';

/** Everything that happens in the registry and is kept on record (and sent to webhooks). */
export type RegistryEventType =
  | 'registered_model.created'
  | 'registered_model.updated'
  | 'registered_model.renamed'
  | 'registered_model.deleted'
  | 'model_version.created'
  | 'model_version.updated'
  | 'model_version.deleted'
  | 'model_version.scanned'
  | 'model_version.stage_changed'
  | 'alias.set'
  | 'alias.removed'
  | 'tag.set'
  | 'tag.deleted'
  | 'policy.set'
  | 'policy.deleted'
  | 'promotion.refused'
  | 'approval.requested'
  | 'approval.approved'
  | 'approval.rejected';

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

export interface RegistryEvent extends RegistryEventInput {
  id: number;
  createdAt: number;
}

/**
 * Where the registry records its events. `record` is called inside the registry change's own transaction
 * (pass the transaction as `db`), so an event exists exactly when its change does; webhook deliveries for it
 * are queued in the same transaction and sent after commit.
 * Example: `await events.record(trx, { type: 'alias.set', modelName: 'rf', version: '3', payload: { alias: 'champion' } })`
 */
export interface RegistryEventSink {
  record(db: Kysely<Database>, event: RegistryEventInput): Promise<RegistryEvent>;
}
