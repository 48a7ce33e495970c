import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { InvalidParameterError } from '../../shared/index.js';
import { chooseFires } from './catch-up.js';
import { CronTimes } from './cron-times.js';
import { ScheduleService } from './schedule-service.js';
import type { ScheduleTables } from './schedule-tables.js';
import type { ScheduleStarter } from './schedule-types.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);

describe('CronTimes: time zones and DST', () => {
  it('fires a fixed local time once per day across both DST transitions (Europe/Berlin)', () => {
    const berlin = new CronTimes('30 2 * * *', 'Europe/Berlin');
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist: it fires at the end of the gap.
    expect(berlin.between(at('2026-03-27T00:00:00Z'), at('2026-03-30T23:59:59Z'), 10).map(iso)).toEqual([
      '2026-03-27T01:30:00.000Z', // 02:30 CET
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    // 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice: it fires once.
    expect(berlin.between(at('2026-10-24T00:00:00Z'), at('2026-10-26T23:59:59Z'), 10).map(iso)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('fires an interval pattern at every real instant through the repeated hour', () => {
    const everyHalfHour = new CronTimes('*/30 * * * *', 'Europe/Berlin');
    const times = everyHalfHour.between(at('2026-10-25T00:00:00Z'), at('2026-10-25T02:00:00Z'), 10);
    expect(times.map(iso)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
    expect(everyHalfHour.latest(2, at('2026-10-25T01:45:00Z')).map(iso)).toEqual([
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });

  it('keeps the local time when New York changes its UTC offset', () => {
    const ny = new CronTimes('0 9 * * *', 'America/New_York');
    expect(ny.between(at('2026-03-07T00:00:00Z'), at('2026-03-09T23:00:00Z'), 10).map(iso)).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('refuses a malformed pattern and an unknown time zone with a clear error', () => {
    expect(() => new CronTimes('every day', 'UTC')).toThrow(InvalidParameterError);
    expect(() => new CronTimes('61 * * * *', 'UTC')).toThrow(/Invalid value for cron/);
    expect(() => new CronTimes('0 * * * *', 'Mars/Olympus')).toThrow(/not an IANA time zone/);
  });
});

describe('chooseFires: catch-up policies', () => {
  const due = [1_000, 2_000, 3_000, 4_000];
  it('skips late times, keeps the latest, or keeps up to a cap of the most recent', () => {
    expect(chooseFires('skip', 10, due, 4_500, 1_000)).toEqual({ start: [4_000], missed: 3 });
    expect(chooseFires('skip', 10, due, 9_000, 1_000)).toEqual({ start: [], missed: 4 });
    expect(chooseFires('latest', 10, due, 9_000, 1_000)).toEqual({ start: [4_000], missed: 3 });
    expect(chooseFires('all', 3, due, 9_000, 1_000)).toEqual({ start: [2_000, 3_000, 4_000], missed: 1 });
    expect(chooseFires('all', 10, due, 9_000, 1_000)).toEqual({ start: due, missed: 0 });
  });
});

/** A starter that records what it started; runs end when the test says so. */
function fakeStarter(): ScheduleStarter & {
  starts: { runId: string; params: Record<string, unknown>; createdBy: string }[];
  ended: Set<string>;
} {
  const starts: { runId: string; params: Record<string, unknown>; createdBy: string }[] = [];
  const ended = new Set<string>();
  return {
    starts,
    ended,
    async start(input) {
      const runId = `run-${starts.length + 1}`;
      starts.push({ runId, params: input.params, createdBy: input.createdBy });
      return runId;
    },
    async finished(runIds) {
      return new Set(runIds.filter((id) => ended.has(id)));
    },
  };
}

describe.each(testEngines)('ScheduleService (%s)', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => db.dispose());

  // Each test starts from empty tables (time moves forward across tests: old schedules would fall due).
  const setup = async (startAt: number) => {
    const tables = db.handle.db.withTables<ScheduleTables>();
    await tables.deleteFrom('pipeline_schedule_fires').execute();
    await tables.deleteFrom('pipeline_schedules').execute();
    const clock = { now: startAt };
    const starter = fakeStarter();
    const schedules = new ScheduleService({
      handle: db.handle,
      starter,
      now: () => clock.now,
      owner: 'server-a',
    });
    return { clock, starter, schedules };
  };

  it('starts an on-time fire once, with the fire time as a parameter, and waits for the next', async () => {
    const { clock, starter, schedules } = await setup(at('2026-05-01T10:05:00Z'));
    const created = await schedules.create({
      name: 'hourly-on-time',
      pipelineName: 'train',
      cron: '0 * * * *',
      timezone: 'Europe/Berlin',
      params: { day: '{{scheduled_time}}', n: 3 },
      createdBy: 'alice',
    });
    expect(iso(created.nextFireAt ?? 0)).toBe('2026-05-01T11:00:00.000Z');
    expect((await schedules.tick()).started).toEqual([]);
    clock.now = at('2026-05-01T11:00:02Z');
    expect((await schedules.tick()).started).toHaveLength(1);
    expect((await schedules.tick()).started).toEqual([]);
    expect(starter.starts).toEqual([
      { runId: 'run-1', params: { day: '2026-05-01T11:00:00.000Z', n: 3 }, createdBy: 'alice' },
    ]);
    const after = await schedules.get('hourly-on-time');
    expect(iso(after.nextFireAt ?? 0)).toBe('2026-05-01T12:00:00.000Z');
    expect(after.missed).toBe(0);
  });

  it('applies the catch-up policy after a downtime: skip, latest, all up to a cap', async () => {
    const { clock, starter, schedules } = await setup(at('2026-06-01T00:10:00Z'));
    const base = { pipelineName: 'train', cron: '0 * * * *', timezone: 'UTC', createdBy: 'bob' } as const;
    await schedules.create({ ...base, name: 'cu-skip', catchUp: 'skip', params: { s: 'skip' } });
    await schedules.create({ ...base, name: 'cu-latest', catchUp: 'latest', params: { s: 'latest' } });
    await schedules.create({
      ...base,
      name: 'cu-all',
      catchUp: 'all',
      catchUpCap: 3,
      maxConcurrent: 10,
      params: { s: 'all', t: '{{scheduled_time}}' },
    });
    // Down from 00:10 to 05:20: 01:00 ... 05:00 were missed (5 times).
    clock.now = at('2026-06-01T05:20:00Z');
    await schedules.tick();
    const started = (s: string) => starter.starts.filter((x) => x.params['s'] === s);
    expect(started('skip')).toHaveLength(0);
    expect(started('latest')).toHaveLength(1);
    expect(started('all').map((x) => x.params['t'])).toEqual([
      '2026-06-01T03:00:00.000Z',
      '2026-06-01T04:00:00.000Z',
      '2026-06-01T05:00:00.000Z',
    ]);
    expect((await schedules.get('cu-skip')).missed).toBe(5);
    expect((await schedules.get('cu-latest')).missed).toBe(4);
    expect((await schedules.get('cu-all')).missed).toBe(2);
    expect((await schedules.fires('cu-latest')).map((f) => [iso(f.fireTime), f.state])).toEqual([
      ['2026-06-01T05:00:00.000Z', 'started'],
    ]);
    for (const name of ['cu-skip', 'cu-latest', 'cu-all']) {
      expect(iso((await schedules.get(name)).nextFireAt ?? 0)).toBe('2026-06-01T06:00:00.000Z');
    }
  });

  it('backfills a date range with at most max_concurrent runs at once, oldest first, once per time', async () => {
    const { starter, schedules } = await setup(at('2026-07-01T00:00:00Z'));
    await schedules.create({
      name: 'daily-backfill',
      pipelineName: 'train',
      cron: '0 6 * * *',
      timezone: 'Europe/Berlin',
      params: { day: '{{scheduled_time}}' },
      createdBy: 'carol',
    });
    const range = {
      name: 'daily-backfill',
      fromMs: at('2026-06-01T00:00:00Z'),
      toMs: at('2026-06-05T23:59:59Z'),
    };
    expect((await schedules.backfill({ ...range, maxConcurrent: 2 })).queued).toBe(5);
    // The same range again queues nothing: a time is backfilled once.
    expect((await schedules.backfill({ ...range, maxConcurrent: 2 })).queued).toBe(0);
    expect((await schedules.tick()).started).toEqual(['run-1', 'run-2']);
    expect((await schedules.tick()).started).toEqual([]);
    starter.ended.add('run-1');
    expect((await schedules.tick()).started).toEqual(['run-3']);
    starter.ended.add('run-2');
    starter.ended.add('run-3');
    expect((await schedules.tick()).started).toEqual(['run-4', 'run-5']);
    expect(starter.starts.map((s) => s.params['day'])).toEqual([
      '2026-06-01T04:00:00.000Z', // 06:00 CEST
      '2026-06-02T04:00:00.000Z',
      '2026-06-03T04:00:00.000Z',
      '2026-06-04T04:00:00.000Z',
      '2026-06-05T04:00:00.000Z',
    ]);
    await expect(
      schedules.backfill({
        name: 'daily-backfill',
        fromMs: at('2020-01-01T00:00:00Z'),
        toMs: at('2026-01-01T00:00:00Z'),
      }),
    ).rejects.toThrow(/more than 1000 scheduled times/);
    await expect(schedules.backfill({ ...range, fromMs: range.toMs + 1 })).rejects.toThrow(
      InvalidParameterError,
    );
  });

  it('refuses a bad schedule with a clear error and a duplicate name', async () => {
    const { schedules } = await setup(at('2026-07-01T00:00:00Z'));
    const base = { name: 'dup', pipelineName: 'train', cron: '0 * * * *', createdBy: 'x' };
    await schedules.create(base);
    await expect(schedules.create(base)).rejects.toThrow(/already exists/);
    await expect(schedules.create({ ...base, name: 'tz', timezone: 'Nowhere/City' })).rejects.toThrow(
      InvalidParameterError,
    );
    await expect(schedules.create({ ...base, name: 'mc', maxConcurrent: 0 })).rejects.toThrow(
      /max_concurrent/,
    );
    await schedules.delete('dup');
    await expect(schedules.get('dup')).rejects.toThrow(/does not exist/);
  });
});
