import { randomUUID } from 'node:crypto';
import { PostgresAdapter, type Kysely, type Selectable } from 'kysely';
import type { Database, DatabaseHandle } from '../../db/index.js';
import { isUniqueViolation } from '../../db/index.js';
import { InvalidParameterError, NotFoundError, AlreadyExistsError, RoundLoop } from '../../shared/index.js';
import { CATCH_UP_POLICIES, chooseFires, DEFAULT_GRACE_MS, type CatchUpPolicy } from './catch-up.js';
import { CronTimes } from './cron-times.js';
import type { ScheduleTables } from './schedule-tables.js';
import type { PipelineSchedule, ScheduleFire, ScheduleInput, ScheduleStarter } from './schedule-types.js';

type Db = Kysely<Database & ScheduleTables>;

/** At most this many fire times are looked at per catch-up (the rest are counted as at least this many missed). */
const CATCH_UP_SCAN = 1000;
/** A backfill starts at most this many runs; a longer range is refused (split it). */
export const MAX_BACKFILL_RUNS = 1000;
/** A fire claimed this long ago and still `starting` belonged to a server that stopped: it fails (never restarts). */
const STARTING_LOST_MS = 10 * 60_000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ScheduleServiceOptions {
  handle: Pick<DatabaseHandle, 'db'>;
  starter: ScheduleStarter;
  /** Epoch ms. */
  now(): number;
  /** Who claims fires (host:pid:random in a server). */
  owner: string;
  graceMs?: number;
}

function toSchedule(row: Selectable<ScheduleTables['pipeline_schedules']>): PipelineSchedule {
  return {
    scheduleId: row.schedule_id,
    name: row.name,
    pipelineName: row.pipeline_name,
    ...(row.pipeline_version !== null ? { pipelineVersion: Number(row.pipeline_version) } : {}),
    cron: row.cron,
    timezone: row.timezone,
    params: JSON.parse(row.params) as Record<string, unknown>,
    catchUp: row.catch_up as CatchUpPolicy,
    catchUpCap: Number(row.catch_up_cap),
    maxConcurrent: Number(row.max_concurrent),
    enabled: Number(row.enabled) === 1,
    ...(row.next_fire_at !== null ? { nextFireAt: Number(row.next_fire_at) } : {}),
    ...(row.last_fire_at !== null ? { lastFireAt: Number(row.last_fire_at) } : {}),
    missed: Number(row.missed),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

function toFire(row: Selectable<ScheduleTables['pipeline_schedule_fires']>): ScheduleFire {
  return {
    fireId: row.fire_id,
    scheduleId: row.schedule_id,
    fireTime: Number(row.fire_time),
    source: row.source as ScheduleFire['source'],
    state: row.state as ScheduleFire['state'],
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}

function positiveInt(value: number | undefined, field: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidParameterError(
      `Invalid value for ${field}: ${value} (expected an integer from 1 to ${max})`,
    );
  }
  return value;
}

/** `{{scheduled_time}}` in a string parameter becomes the fire time (ISO 8601, UTC). */
export function paramsForFire(params: Record<string, unknown>, fireTime: number): Record<string, unknown> {
  const iso = new Date(fireTime).toISOString();
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      k,
      typeof v === 'string' ? v.replaceAll('{{scheduled_time}}', iso) : v,
    ]),
  );
}

/**
 * Cron schedules of pipelines (issue 12, point 7): stored in the database (migration 0019), run by the server's
 * background loop (`tick`). Several servers on one database start each scheduled time once: a due schedule is
 * claimed in a transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite) that advances it
 * and records its fire times (unique per schedule, time and source), and a fire is started by the one server that
 * moved it from `pending` to `starting` under the schedule's concurrency cap.
 *
 * @example
 * await schedules.create({ name: 'nightly', pipelineName: 'train', cron: '0 2 * * *', timezone: 'Europe/Berlin', createdBy: 'alice' });
 * await schedules.tick(); // in the server's loop
 */
export class ScheduleService {
  readonly #db: Db;
  readonly #options: ScheduleServiceOptions;
  readonly #postgres: boolean;
  readonly #loop = new RoundLoop(() => this.tick());

  constructor(options: ScheduleServiceOptions) {
    this.#db = options.handle.db.withTables<ScheduleTables>();
    this.#options = options;
    this.#postgres = this.#db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** Stores a schedule; its first fire is the first cron time after now (no catch-up of the past). */
  async create(input: ScheduleInput): Promise<PipelineSchedule> {
    if (!NAME.test(input.name)) {
      throw new InvalidParameterError(
        `Invalid value for name: '${input.name.slice(0, 64)}' (letters, digits, '.', '_', '-'; up to 128)`,
      );
    }
    const catchUp = input.catchUp ?? 'latest';
    if (!CATCH_UP_POLICIES.includes(catchUp)) {
      throw new InvalidParameterError(
        `Invalid value for catch_up: '${String(catchUp).slice(0, 32)}' (expected ${CATCH_UP_POLICIES.join(', ')})`,
      );
    }
    const times = new CronTimes(input.cron, input.timezone ?? 'UTC');
    const now = this.#options.now();
    const row = {
      schedule_id: randomUUID(),
      name: input.name,
      pipeline_name: input.pipelineName,
      pipeline_version: input.pipelineVersion ?? null,
      cron: input.cron,
      timezone: times.timezone,
      params: JSON.stringify(input.params ?? {}),
      catch_up: catchUp,
      catch_up_cap: positiveInt(input.catchUpCap, 'catch_up_cap', 10, MAX_BACKFILL_RUNS),
      max_concurrent: positiveInt(input.maxConcurrent, 'max_concurrent', 1, 100),
      enabled: 1,
      next_fire_at: times.nextAfter(now) ?? null,
      last_fire_at: null,
      missed: 0,
      created_by: input.createdBy,
      created_at: now,
    };
    try {
      await this.#db.insertInto('pipeline_schedules').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AlreadyExistsError(`Schedule '${input.name}' already exists`);
      }
      throw err;
    }
    return toSchedule(row);
  }

  async get(name: string): Promise<PipelineSchedule> {
    const row = await this.#db
      .selectFrom('pipeline_schedules')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError(`Schedule '${name.slice(0, 128)}' does not exist`);
    return toSchedule(row);
  }

  /** Every schedule, or those of one pipeline, by name. */
  async list(pipelineName?: string): Promise<PipelineSchedule[]> {
    let query = this.#db.selectFrom('pipeline_schedules').selectAll().orderBy('name');
    if (pipelineName !== undefined) query = query.where('pipeline_name', '=', pipelineName);
    return (await query.execute()).map(toSchedule);
  }

  /** Deletes a schedule and its fires not started yet (runs already started go on). */
  async delete(name: string): Promise<void> {
    const schedule = await this.get(name);
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('pipeline_schedule_fires')
        .where('schedule_id', '=', schedule.scheduleId)
        .execute();
      await trx.deleteFrom('pipeline_schedules').where('schedule_id', '=', schedule.scheduleId).execute();
    });
  }

  /** The schedule's fire times (newest first, at most `limit`). */
  async fires(name: string, limit = 100): Promise<ScheduleFire[]> {
    const schedule = await this.get(name);
    const rows = await this.#db
      .selectFrom('pipeline_schedule_fires')
      .selectAll()
      .where('schedule_id', '=', schedule.scheduleId)
      .orderBy('fire_time', 'desc')
      .orderBy('source')
      .limit(limit)
      .execute();
    return rows.map(toFire);
  }

  /**
   * Queues one run per cron time in `[fromMs, toMs]`, at most `maxConcurrent` of them running at once (started by
   * the loop, oldest first). A time already backfilled is not queued again. More than MAX_BACKFILL_RUNS times are
   * refused.
   */
  async backfill(input: {
    name: string;
    fromMs: number;
    toMs: number;
    maxConcurrent?: number;
  }): Promise<{ queued: number; fireTimes: number[] }> {
    const schedule = await this.get(input.name);
    if (!Number.isFinite(input.fromMs) || !Number.isFinite(input.toMs) || input.fromMs > input.toMs) {
      throw new InvalidParameterError('Invalid backfill range: `from` must be a time before `to`');
    }
    const cap = positiveInt(input.maxConcurrent, 'max_concurrent', 1, 100);
    const times = new CronTimes(schedule.cron, schedule.timezone).between(
      input.fromMs,
      input.toMs,
      MAX_BACKFILL_RUNS + 1,
    );
    if (times.length > MAX_BACKFILL_RUNS) {
      throw new InvalidParameterError(
        `Invalid backfill range: more than ${MAX_BACKFILL_RUNS} scheduled times; split the range`,
      );
    }
    const now = this.#options.now();
    let queued = 0;
    for (const fireTime of times) {
      const result = await this.#db
        .insertInto('pipeline_schedule_fires')
        .values(this.#fireRow(schedule.scheduleId, fireTime, 'backfill', cap, now))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      queued += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return { queued, fireTimes: times };
  }

  /**
   * Runs `tick` now and every `intervalMs` until `stopLoop` (a server does, once it listens). A round that fails
   * is reported and the loop goes on.
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

  /** One round of the background loop: record due times, follow started runs, start what the caps allow. */
  async tick(): Promise<{ started: string[] }> {
    await this.#recordDue();
    await this.#followStarted();
    return { started: await this.#startPending() };
  }

  #fireRow(scheduleId: string, fireTime: number, source: ScheduleFire['source'], cap: number, now: number) {
    return {
      fire_id: randomUUID(),
      schedule_id: scheduleId,
      fire_time: fireTime,
      source,
      max_concurrent: cap,
      state: 'pending',
      run_id: null,
      error: null,
      claimed_by: null,
      created_at: now,
      started_at: null,
    };
  }

  /** Claims due schedules, applies their catch-up policy, records the times to start and the next due time. */
  async #recordDue(): Promise<void> {
    const now = this.#options.now();
    const grace = this.#options.graceMs ?? DEFAULT_GRACE_MS;
    await this.#db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('pipeline_schedules')
        .selectAll()
        .where('enabled', '=', 1)
        .where('next_fire_at', '<=', now)
        .orderBy('next_fire_at')
        .limit(50);
      if (this.#postgres) query = query.forUpdate().skipLocked();
      for (const row of await query.execute()) {
        const schedule = toSchedule(row);
        const times = new CronTimes(schedule.cron, schedule.timezone);
        let due = times.between(schedule.nextFireAt ?? now, now, CATCH_UP_SCAN);
        if (due.length === CATCH_UP_SCAN) {
          // A long downtime: the most recent times matter; the count of missed ones stops at the scan's size.
          due = [
            ...due.slice(0, CATCH_UP_SCAN - schedule.catchUpCap),
            ...times.latest(schedule.catchUpCap, now),
          ];
        }
        const { start, missed } = chooseFires(schedule.catchUp, schedule.catchUpCap, due, now, grace);
        for (const fireTime of start) {
          await trx
            .insertInto('pipeline_schedule_fires')
            .values(this.#fireRow(schedule.scheduleId, fireTime, 'cron', schedule.maxConcurrent, now))
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        await trx
          .updateTable('pipeline_schedules')
          .set({
            next_fire_at: times.nextAfter(now) ?? null,
            last_fire_at: start.at(-1) ?? row.last_fire_at,
            missed: schedule.missed + missed,
          })
          .where('schedule_id', '=', schedule.scheduleId)
          .execute();
      }
    });
  }

  /** Marks fires whose runs ended as finished, and fires lost while starting as failed. */
  async #followStarted(): Promise<void> {
    const rows = await this.#db
      .selectFrom('pipeline_schedule_fires')
      .select(['fire_id', 'run_id'])
      .where('state', '=', 'started')
      .execute();
    const runIds = rows.flatMap((r) => (r.run_id !== null ? [r.run_id] : []));
    if (runIds.length > 0) {
      const ended = await this.#options.starter.finished(runIds);
      const done = rows.filter((r) => r.run_id !== null && ended.has(r.run_id)).map((r) => r.fire_id);
      if (done.length > 0) {
        await this.#db
          .updateTable('pipeline_schedule_fires')
          .set({ state: 'finished' })
          .where('fire_id', 'in', done)
          .where('state', '=', 'started')
          .execute();
      }
    }
    await this.#db
      .updateTable('pipeline_schedule_fires')
      .set({ state: 'failed', error: 'the server starting this run stopped before it started' })
      .where('state', '=', 'starting')
      .where('started_at', '<', this.#options.now() - STARTING_LOST_MS)
      .execute();
  }

  /** Moves pending fires to `starting` within each schedule's cap (one server wins each), then starts them. */
  async #startPending(): Promise<string[]> {
    const groups = await this.#db
      .selectFrom('pipeline_schedule_fires')
      .select(['schedule_id', 'source'])
      .where('state', '=', 'pending')
      .groupBy(['schedule_id', 'source'])
      .execute();
    const started: string[] = [];
    for (const group of groups) {
      const now = this.#options.now();
      const claimed = await this.#db.transaction().execute(async (trx) => {
        let lock = trx
          .selectFrom('pipeline_schedules')
          .selectAll()
          .where('schedule_id', '=', group.schedule_id);
        if (this.#postgres) lock = lock.forUpdate().skipLocked();
        const row = await lock.executeTakeFirst();
        if (row === undefined) return undefined;
        const active = await trx
          .selectFrom('pipeline_schedule_fires')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where('schedule_id', '=', group.schedule_id)
          .where('source', '=', group.source)
          .where('state', 'in', ['starting', 'started'])
          .executeTakeFirstOrThrow();
        const pending = await trx
          .selectFrom('pipeline_schedule_fires')
          .selectAll()
          .where('schedule_id', '=', group.schedule_id)
          .where('source', '=', group.source)
          .where('state', '=', 'pending')
          .orderBy('fire_time')
          .limit(100)
          .execute();
        const cap = Number(pending[0]?.max_concurrent ?? 1);
        const take = pending.slice(0, Math.max(0, cap - Number(active.n)));
        if (take.length === 0) return undefined;
        await trx
          .updateTable('pipeline_schedule_fires')
          .set({ state: 'starting', claimed_by: this.#options.owner, started_at: now })
          .where(
            'fire_id',
            'in',
            take.map((f) => f.fire_id),
          )
          .where('state', '=', 'pending')
          .execute();
        return { schedule: toSchedule(row), fires: take.map(toFire) };
      });
      if (claimed === undefined) continue;
      for (const fire of claimed.fires) {
        const { schedule } = claimed;
        try {
          const runId = await this.#options.starter.start({
            pipelineName: schedule.pipelineName,
            ...(schedule.pipelineVersion !== undefined ? { version: schedule.pipelineVersion } : {}),
            params: paramsForFire(schedule.params, fire.fireTime),
            createdBy: schedule.createdBy,
          });
          await this.#db
            .updateTable('pipeline_schedule_fires')
            .set({ state: 'started', run_id: runId })
            .where('fire_id', '=', fire.fireId)
            .execute();
          started.push(runId);
        } catch (err) {
          await this.#db
            .updateTable('pipeline_schedule_fires')
            .set({
              state: 'failed',
              error: (err instanceof Error ? err.message : String(err)).slice(0, 1000),
            })
            .where('fire_id', '=', fire.fireId)
            .execute();
        }
      }
    }
    return started;
  }
}
