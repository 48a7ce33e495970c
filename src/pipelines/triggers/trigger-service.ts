import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, DatabaseHandle } from '../../db/index.js';
import { isUniqueViolation } from '../../db/index.js';
import { eventQueries, type OutboxEvent } from '../../events/index.js';
import {
  AlreadyExistsError,
  InvalidParameterError,
  InvalidStateError,
  NotFoundError,
  RoundLoop,
} from '../../shared/index.js';
import { resolveParams } from '../executor/run-values.js';
import { checkRunnable } from '../service/pipeline-service.js';
import type { PipelineDefinition } from '../store/pipeline-store-types.js';
import { eventFields } from './event-fields.js';
import { TRIGGER_CONTEXT_ERROR_TAG, toAttachment, type TriggerContextSource } from './trigger-context.js';
import { checkParamMapping, coerceParam, renderParams } from './param-template.js';
import { matchesEvent } from './trigger-match.js';
import { filterToWire, parseFilter } from './trigger-filter.js';
import type { TriggerTables } from './trigger-tables.js';
import {
  TRIGGER_KINDS,
  TriggerTokenError,
  type FiringState,
  type PipelineTrigger,
  type RunAttachment,
  type TriggerFiring,
  type TriggerKind,
  type TriggerStarter,
} from './trigger-types.js';

type Db = Kysely<Database & TriggerTables>;
type TriggerRow = Selectable<TriggerTables['pipeline_triggers']>;
type FiringRow = Selectable<TriggerTables['pipeline_trigger_firings']>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const KEY = /^[A-Za-z0-9._:-]{1,128}$/;
/** A firing claimed this long ago and still `starting` belonged to a server that stopped: it fails (never restarts). */
const STARTING_LOST_MS = 10 * 60_000;
/** Firings started per claim round. */
const BATCH = 50;

export interface TriggerServiceOptions {
  handle: Pick<DatabaseHandle, 'db'>;
  /** Where pipeline definitions are read (the pipeline store). */
  definitions: { getDefinition(name: string, version?: number): Promise<PipelineDefinition> };
  starter: TriggerStarter;
  /** Epoch ms. */
  now(): number;
  /** Who claims firings (host:pid:random in a server). */
  owner: string;
  /**
   * What an event attaches to the run it starts, before any step starts (the composition root wires the
   * monitoring alert's drift report, see docs/monitoring.md "Retrain on drift"). Without it: the trigger tags only.
   */
  context?: TriggerContextSource;
}

/** What `create` answers: the trigger, and a webhook trigger's bearer token (shown this once, stored hashed). */
export interface CreatedTrigger {
  trigger: PipelineTrigger;
  token?: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 1000);

function toTrigger(row: TriggerRow): PipelineTrigger {
  const kind = row.kind as TriggerKind;
  return {
    triggerId: row.trigger_id,
    name: row.name,
    kind,
    pipelineName: row.pipeline_name,
    ...(row.pipeline_version !== null ? { pipelineVersion: Number(row.pipeline_version) } : {}),
    filter: parseFilter(kind, JSON.parse(row.filter)),
    params: JSON.parse(row.params) as Record<string, unknown>,
    enabled: Number(row.enabled) === 1,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

function toFiring(row: FiringRow, triggerName: string): TriggerFiring {
  return {
    triggerId: row.trigger_id,
    triggerName,
    eventKey: row.event_key,
    ...(row.event_id !== null ? { eventId: Number(row.event_id) } : {}),
    state: row.state as FiringState,
    ...(row.params !== null ? { params: JSON.parse(row.params) as Record<string, unknown> } : {}),
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    createdAt: Number(row.created_at),
  };
}

/**
 * Pipeline triggers (issue 12, point 7): a registry event (a new model version -> evaluate it), a monitoring
 * alert, or an authenticated webhook call (CI) starts a pipeline run with parameters mapped from the event.
 * Events reach triggers through the `pipeline-triggers` event consumer (trigger-consumer.ts), which records one
 * firing per (trigger, event) in the consumer's own transaction; the firings' primary key makes a second delivery
 * of an event record (and start) nothing. A server's loop (`tick`) then starts pending firings: each is claimed by
 * one server (`pending` -> `starting`, compare-and-set), so with several servers every firing starts one run.
 *
 * @example
 * const { token } = await triggers.create({ name: 'ci', kind: 'webhook', pipelineName: 'train', params: {}, createdBy: 'alice' });
 * await triggers.fireWebhook('ci', token, { params: { commit: 'abc123' } });
 */
export class TriggerService {
  readonly #db: Db;
  readonly #options: TriggerServiceOptions;
  readonly #loop = new RoundLoop(() => this.tick());

  constructor(options: TriggerServiceOptions) {
    this.#db = options.handle.db.withTables<TriggerTables>();
    this.#options = options;
  }

  /**
   * Stores a trigger after checking its filter and its parameter mapping against the pipeline's declared
   * parameters (of the pinned version, or the latest). A webhook trigger gets a bearer token, answered once.
   */
  async create(input: {
    name: string;
    kind: string;
    pipelineName: string;
    pipelineVersion?: number;
    filter?: unknown;
    params?: unknown;
    createdBy: string;
  }): Promise<CreatedTrigger> {
    if (!NAME.test(input.name)) {
      throw new InvalidParameterError(
        `Invalid value for name: '${input.name.slice(0, 64)}' (letters, digits, '.', '_', '-'; up to 128)`,
      );
    }
    if (!(TRIGGER_KINDS as readonly string[]).includes(input.kind)) {
      throw new InvalidParameterError(
        `Invalid value for kind: '${input.kind.slice(0, 32)}' (expected ${TRIGGER_KINDS.join(', ')})`,
      );
    }
    const kind = input.kind as TriggerKind;
    const filter = parseFilter(kind, input.filter);
    const params = input.params ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new InvalidParameterError('Invalid value for params: expected a JSON object');
    }
    const definition = await this.#options.definitions.getDefinition(
      input.pipelineName,
      input.pipelineVersion,
    );
    const { spec } = checkRunnable(definition.spec);
    checkParamMapping(kind, params as Record<string, unknown>, spec.params ?? {}, input.pipelineName);
    const token = kind === 'webhook' ? `bpt_${randomBytes(32).toString('base64url')}` : undefined;
    const row: TriggerRow = {
      trigger_id: randomUUID(),
      name: input.name,
      kind,
      pipeline_name: input.pipelineName,
      pipeline_version: input.pipelineVersion ?? null,
      filter: JSON.stringify(filterToWire(filter)),
      params: JSON.stringify(params),
      token_hash: token !== undefined ? sha256(token) : null,
      enabled: 1,
      created_by: input.createdBy,
      created_at: this.#options.now(),
    };
    try {
      await this.#db.insertInto('pipeline_triggers').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(`Trigger '${input.name}' already exists`);
      throw err;
    }
    return { trigger: toTrigger(row), ...(token !== undefined ? { token } : {}) };
  }

  async get(name: string): Promise<PipelineTrigger> {
    return toTrigger(await this.#row(name));
  }

  /** Every trigger, or those of one pipeline, by name. */
  async list(pipelineName?: string): Promise<PipelineTrigger[]> {
    let query = this.#db.selectFrom('pipeline_triggers').selectAll().orderBy('name');
    if (pipelineName !== undefined) query = query.where('pipeline_name', '=', pipelineName);
    return (await query.execute()).map(toTrigger);
  }

  /** Turns a trigger on or off (a disabled trigger records no firing; firings already recorded still start). */
  async setEnabled(name: string, enabled: boolean): Promise<PipelineTrigger> {
    const row = await this.#row(name);
    await this.#db
      .updateTable('pipeline_triggers')
      .set({ enabled: enabled ? 1 : 0 })
      .where('trigger_id', '=', row.trigger_id)
      .execute();
    return toTrigger({ ...row, enabled: enabled ? 1 : 0 });
  }

  /** Deletes a trigger and its firings (runs already started go on). */
  async delete(name: string): Promise<void> {
    const row = await this.#row(name);
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('pipeline_trigger_firings').where('trigger_id', '=', row.trigger_id).execute();
      await trx.deleteFrom('pipeline_triggers').where('trigger_id', '=', row.trigger_id).execute();
    });
  }

  /** The trigger's firings, newest first (at most `limit`). */
  async firings(name: string, limit = 100): Promise<TriggerFiring[]> {
    const row = await this.#row(name);
    const rows = await this.#db
      .selectFrom('pipeline_trigger_firings')
      .selectAll()
      .where('trigger_id', '=', row.trigger_id)
      .orderBy('created_at', 'desc')
      .orderBy('event_key', 'desc')
      .limit(Math.max(1, Math.min(limit, 1000)))
      .execute();
    return rows.map((r) => toFiring(r, row.name));
  }

  /**
   * Records a firing for every enabled event trigger each event matches (events older than the trigger are
   * not its), in the event consumer's transaction `trx`. An event already recorded for a trigger records
   * nothing. A mapping the event cannot fill is recorded as a failed firing. Answers the pending firings added.
   */
  async recordEvents(trx: Kysely<Database>, events: readonly OutboxEvent[]): Promise<number> {
    const db = trx.withTables<TriggerTables>();
    const rows = await db
      .selectFrom('pipeline_triggers')
      .selectAll()
      .where('enabled', '=', 1)
      .where('kind', 'in', ['registry_event', 'monitoring_alert'])
      .execute();
    // A stored filter that no longer reads (an event type gone from the catalogue) skips its trigger: a throw
    // here would stop the consumer, and every other trigger with it.
    const triggers = rows.flatMap((row) => {
      try {
        return [toTrigger(row)];
      } catch {
        return [];
      }
    });
    if (triggers.length === 0) return 0;
    let pending = 0;
    for (const event of events) {
      const fields = eventFields(event);
      for (const trigger of triggers) {
        if (event.createdAt < trigger.createdAt) continue;
        if (!(await matchesEvent(trx, trigger.filter, event, fields))) continue;
        let params: Record<string, unknown> | undefined;
        let error: string | undefined;
        try {
          params = renderParams(trigger.params, fields, {});
        } catch (err) {
          error = message(err);
        }
        const result = await db
          .insertInto('pipeline_trigger_firings')
          .values({
            trigger_id: trigger.triggerId,
            event_key: `event:${event.id}`,
            event_id: event.id,
            state: error === undefined ? 'pending' : 'failed',
            params: params !== undefined ? JSON.stringify(params) : null,
            run_id: null,
            error: error ?? null,
            claimed_by: null,
            started_at: null,
            created_at: this.#options.now(),
          })
          .onConflict((oc) => oc.columns(['trigger_id', 'event_key']).doNothing())
          .executeTakeFirst();
        if (error === undefined) pending += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
    }
    return pending;
  }

  /**
   * A webhook call: checks the bearer token (401 for a missing or wrong one, or a trigger that is not a webhook
   * trigger: the answer does not tell which), merges the body's parameters over the trigger's, checks them
   * against the pipeline's declared parameters and starts the run. `key` (an idempotency key: a CI job id) makes a
   * repeated call answer the first call's firing and start nothing.
   */
  async fireWebhook(
    name: string,
    token: string | undefined,
    input: { params?: Record<string, unknown>; key?: string },
  ): Promise<{ firing: TriggerFiring; duplicate: boolean }> {
    const row = await this.#db
      .selectFrom('pipeline_triggers')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (row === undefined || row.kind !== 'webhook' || row.token_hash === null || token === undefined) {
      throw new TriggerTokenError();
    }
    const expected = Buffer.from(row.token_hash, 'hex');
    const given = Buffer.from(sha256(token), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new TriggerTokenError();
    const trigger = toTrigger(row);
    if (!trigger.enabled) throw new InvalidStateError(`Trigger '${trigger.name}' is disabled`);
    if (input.key !== undefined && !KEY.test(input.key)) {
      throw new InvalidParameterError(
        "Invalid value for key: use up to 128 letters, digits, '.', '_', ':' and '-'",
      );
    }
    const eventKey = `webhook:${input.key ?? randomUUID()}`;
    const earlier = await this.#firing(trigger.triggerId, eventKey);
    if (earlier !== undefined) return { firing: toFiring(earlier, trigger.name), duplicate: true };
    // Checked before anything is recorded: a refused call answers 400 and starts nothing.
    const params = await this.#resolve(trigger, { ...trigger.params, ...(input.params ?? {}) });
    try {
      await this.#db
        .insertInto('pipeline_trigger_firings')
        .values({
          trigger_id: trigger.triggerId,
          event_key: eventKey,
          event_id: null,
          // Claimed by this server at once: the loop never sees it pending, so this call answers its run.
          state: 'starting',
          params: JSON.stringify(params),
          run_id: null,
          error: null,
          claimed_by: this.#options.owner,
          started_at: this.#options.now(),
          created_at: this.#options.now(),
        })
        .execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const first = await this.#firing(trigger.triggerId, eventKey);
      if (first !== undefined) return { firing: toFiring(first, trigger.name), duplicate: true };
      throw err;
    }
    await this.#run(trigger.triggerId, eventKey);
    const fired = await this.#firing(trigger.triggerId, eventKey);
    if (fired === undefined) throw new NotFoundError(`Trigger '${trigger.name}' was deleted meanwhile`);
    return { firing: toFiring(fired, trigger.name), duplicate: false };
  }

  /**
   * Runs `tick` now and every `intervalMs` until `stopLoop` (a server does, once it listens); `wake` runs one
   * sooner (the event consumer does after recording firings). A round that fails is reported and the loop goes on.
   */
  startLoop(intervalMs: number, onError: (err: unknown) => void): void {
    this.#loop.start(intervalMs, onError);
  }

  /** Runs a round of the loop now (after the current one, if one is running); nothing when no loop runs. */
  wake(): void {
    this.#loop.wake();
  }

  /** Stops the loop and waits for its current round. */
  async stopLoop(): Promise<void> {
    await this.#loop.stop();
  }

  /** One round: fails firings lost while starting, then starts the pending ones this server claims. */
  async tick(): Promise<{ started: string[] }> {
    await this.#db
      .updateTable('pipeline_trigger_firings')
      .set({ state: 'failed', error: 'the server starting this run stopped before it started' })
      .where('state', '=', 'starting')
      .where('started_at', '<', this.#options.now() - STARTING_LOST_MS)
      .execute();
    const started: string[] = [];
    for (;;) {
      const pending = await this.#db
        .selectFrom('pipeline_trigger_firings')
        .select(['trigger_id', 'event_key'])
        .where('state', '=', 'pending')
        .orderBy('created_at')
        .limit(BATCH)
        .execute();
      for (const f of pending) {
        const runId = await this.#start(f.trigger_id, f.event_key);
        if (runId !== undefined) started.push(runId);
      }
      if (pending.length < BATCH) return { started };
    }
  }

  async #row(name: string): Promise<TriggerRow> {
    const row = await this.#db
      .selectFrom('pipeline_triggers')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError(`Trigger '${name.slice(0, 128)}' does not exist`);
    return row;
  }

  #firing(triggerId: string, eventKey: string): Promise<FiringRow | undefined> {
    return this.#db
      .selectFrom('pipeline_trigger_firings')
      .selectAll()
      .where('trigger_id', '=', triggerId)
      .where('event_key', '=', eventKey)
      .executeTakeFirst();
  }

  /** The run's parameters: values read as their declared types, then checked as a run start checks them. */
  async #resolve(trigger: PipelineTrigger, given: Record<string, unknown>): Promise<Record<string, unknown>> {
    const definition = await this.#options.definitions.getDefinition(
      trigger.pipelineName,
      trigger.pipelineVersion,
    );
    const { spec } = checkRunnable(definition.spec);
    const declared = spec.params ?? {};
    const params = Object.fromEntries(
      Object.entries(given).map(([k, v]) => [k, coerceParam(declared[k], k, v)]),
    );
    resolveParams(spec, params);
    return params;
  }

  /** Claims one pending firing (one server wins) and starts its run; answers the run id when it started here. */
  async #start(triggerId: string, eventKey: string): Promise<string | undefined> {
    const claim = await this.#db
      .updateTable('pipeline_trigger_firings')
      .set({ state: 'starting', claimed_by: this.#options.owner, started_at: this.#options.now() })
      .where('trigger_id', '=', triggerId)
      .where('event_key', '=', eventKey)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) !== 1) return undefined;
    return this.#run(triggerId, eventKey);
  }

  /**
   * What the run of a firing carries from its trigger: tags naming the trigger and its event, and what the context
   * source makes of the event (an alert's drift report). A source that throws is recorded as a tag, never a lost run.
   */
  async #attachment(trigger: PipelineTrigger, firing: FiringRow): Promise<RunAttachment> {
    const base = [
      { key: 'bosun.trigger.name', value: trigger.name },
      { key: 'bosun.trigger.kind', value: trigger.kind },
      { key: 'bosun.trigger.event_key', value: firing.event_key },
    ];
    if (firing.event_id === null || this.#options.context === undefined) return { tags: base, files: [] };
    try {
      const id = Number(firing.event_id);
      const recorded = (await eventQueries.recordedEvents(this.#options.handle.db, [id])).get(id);
      if (recorded === undefined) throw new Error(`event ${id} is no longer in the outbox`);
      const payload = JSON.parse(recorded.payload) as Record<string, unknown>;
      const context = await this.#options.context({
        trigger,
        event: { id, type: recorded.type, subject: recorded.subject, payload },
      });
      if (context === undefined) return { tags: base, files: [] };
      const attachment = toAttachment(context);
      return { tags: [...base, ...attachment.tags], files: attachment.files };
    } catch (err) {
      return { tags: [...base, { key: TRIGGER_CONTEXT_ERROR_TAG, value: message(err) }], files: [] };
    }
  }

  /** Starts the run of a firing this server holds (`starting`) and records its run id or the error. */
  async #run(triggerId: string, eventKey: string): Promise<string | undefined> {
    const finish = (set: { state: FiringState; run_id?: string; error?: string; params?: string }) =>
      this.#db
        .updateTable('pipeline_trigger_firings')
        .set(set)
        .where('trigger_id', '=', triggerId)
        .where('event_key', '=', eventKey)
        .execute();
    try {
      const row = await this.#db
        .selectFrom('pipeline_triggers')
        .selectAll()
        .where('trigger_id', '=', triggerId)
        .executeTakeFirst();
      const firing = await this.#firing(triggerId, eventKey);
      if (row === undefined || firing === undefined) return undefined;
      const trigger = toTrigger(row);
      const given = firing.params !== null ? (JSON.parse(firing.params) as Record<string, unknown>) : {};
      const params = await this.#resolve(trigger, given);
      const attach = await this.#attachment(trigger, firing);
      const runId = await this.#options.starter.start({
        pipelineName: trigger.pipelineName,
        ...(trigger.pipelineVersion !== undefined ? { version: trigger.pipelineVersion } : {}),
        params,
        createdBy: trigger.createdBy,
        attach,
      });
      await finish({ state: 'started', run_id: runId, params: JSON.stringify(params) });
      return runId;
    } catch (err) {
      await finish({ state: 'failed', error: message(err) });
      return undefined;
    }
  }
}
