/** An event's details: a JSON object (stored as JSON text). */
export type EventPayload = Record<string, unknown>;

/** What one event type is about (its subject kind, e.g. `registered_model`) and what its payload holds. */
export interface EventSpec {
  readonly subject: string;
  readonly payload: EventPayload;
}

/**
 * A catalogue of event types: type name → spec. Each domain declares its own in its own folder (the
 * registry's: src/registry/events/registry-event-catalogue.ts) as a type alias, and src/platform/platform-catalogue.ts
 * joins them. Example:
 * `type PipelineEvents = { 'pipeline_run.succeeded': { subject: 'pipeline'; payload: { runId: string } } }`.
 */
export type EventCatalogue = Record<string, EventSpec>;

/** The event type names of a catalogue. */
export type EventTypeOf<C extends EventCatalogue> = keyof C & string;

/**
 * What a producer appends. The subject kind is not given: the catalogue fixes it per type. `subject` names the
 * thing (a model name), `subjectVersion` which version of it when the event concerns one.
 */
export interface NewEvent<T extends string = string> {
  type: T;
  subject: string;
  subjectVersion?: string;
  /** Who caused it (user name), when known. */
  actor?: string;
  payload: EventPayload;
}

/**
 * A `NewEvent` whose payload has the type the catalogue declares for its event type: what producers write,
 * so that the compiler checks each payload against the catalogue. Consumers read payloads back as plain JSON
 * objects (`EventPayload`): a stored event may predate a change of its payload type.
 */
export type CatalogueEvent<C extends EventCatalogue> = {
  [K in EventTypeOf<C>]: NewEvent<K> & { payload: C[K]['payload'] };
}[EventTypeOf<C>];

/** The subject kind of every event type of a catalogue: the run-time side of the catalogue. */
export type SubjectKinds<C extends EventCatalogue> = { readonly [K in EventTypeOf<C>]: C[K]['subject'] };

/**
 * The run-time list of a catalogue's event types, with their subject kinds. Built from a `SubjectKinds`
 * object literal, which the compiler checks complete (a type missing from it, or one it has that the
 * catalogue lacks, fails compilation).
 * Example: `new EventTypes<RegistryEvents>({ 'alias.set': 'registered_model', ... })`.
 */
export class EventTypes<C extends EventCatalogue> {
  /** Every event type, in the order the subject-kind object lists them. */
  readonly all: readonly EventTypeOf<C>[];
  private readonly known: ReadonlySet<string>;

  constructor(private readonly kinds: SubjectKinds<C>) {
    this.all = Object.keys(kinds) as EventTypeOf<C>[];
    this.known = new Set(this.all);
  }

  has(type: string): type is EventTypeOf<C> {
    return this.known.has(type);
  }

  subjectKindOf<T extends EventTypeOf<C>>(type: T): C[T]['subject'] {
    return this.kinds[type];
  }
}
