import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { RegistryEvent, RegistryEventInput, RegistryEventSink } from '../events/event-types.js';

/**
 * A `RegistryEventSink` for tests: keeps events in memory and refuses to record outside a transaction.
 * `failOn` makes `record` throw for one event type, to show that the change is then rolled back.
 */
export class CollectingEventSink implements RegistryEventSink {
  readonly events: RegistryEvent[] = [];
  failOn: RegistryEventInput['type'] | undefined;
  private nextId = 1;

  record(db: Kysely<Database>, event: RegistryEventInput): Promise<RegistryEvent> {
    if (event.type === this.failOn) return Promise.reject(new Error(`sink refused ${event.type}`));
    if (!db.isTransaction) return Promise.reject(new Error('events must be recorded inside a transaction'));
    const recorded: RegistryEvent = { ...event, id: this.nextId++, createdAt: Date.now() };
    this.events.push(recorded);
    return Promise.resolve(recorded);
  }

  /** Events of one model, as `type[@version]` strings, in order. */
  summary(modelName: string): string[] {
    return this.events
      .filter((e) => e.modelName === modelName)
      .map((e) => (e.version ? `${e.type}@${e.version}` : e.type));
  }
}
