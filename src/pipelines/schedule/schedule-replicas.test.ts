import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaBarrier, runReplicaScript } from '../test-support/replica-process.js';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { ScheduleService } from './schedule-service.js';

const at = (text: string): number => Date.parse(text);

/**
 * A server's schedule loop in its own Node process on `uri`, with the clock stopped at `now`: waits until every
 * replica is ready (a file each in `dir`), ticks 6 times, prints the parameters of the runs it started.
 */
function replica(uri: string, owner: string, now: number, dir: string, replicas: number): Promise<unknown[]> {
  const script = `
    import { existsSync, readdirSync, writeFileSync } from 'node:fs';
    import { openDatabase } from './src/db/index.ts';
    import { ScheduleService } from './src/pipelines/schedule/index.ts';
    const handle = openDatabase(${JSON.stringify(uri)});
    const started = [];
    const schedules = new ScheduleService({
      handle,
      owner: ${JSON.stringify(owner)},
      now: () => ${now},
      starter: {
        async start(input) { started.push(input.params); return ${JSON.stringify(owner)} + '-' + started.length; },
        async finished() { return new Set(); },
      },
    });
    ${replicaBarrier(dir, owner, replicas)}
    for (let i = 0; i < 6; i++) await schedules.tick();
    await handle.close();
    process.stdout.write(JSON.stringify(started));
  `;
  return runReplicaScript(script);
}

describe.each(testEngines)('schedules with two server processes on one database (%s)', (engine) => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-schedule-replicas-'));
  });
  afterAll(async () => {
    await db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts each scheduled time once and keeps the concurrency cap across servers', async () => {
    const schedules = new ScheduleService({
      handle: db.handle,
      owner: 'setup',
      now: () => at('2026-08-01T00:00:30Z'),
      starter: {
        start: () => Promise.reject(new Error('not here')),
        finished: async () => new Set(),
      },
    });
    const base = {
      pipelineName: 'train',
      cron: '*/5 * * * *',
      timezone: 'UTC',
      catchUp: 'all',
      catchUpCap: 50,
      createdBy: 'dave',
    } as const;
    await schedules.create({ ...base, name: 'wide', maxConcurrent: 50, params: { t: '{{scheduled_time}}' } });
    await schedules.create({
      ...base,
      name: 'capped',
      maxConcurrent: 2,
      params: { t: '{{scheduled_time}}', capped: true },
    });
    // Three hours later (36 times of each schedule are due), two servers run their loops at the same moment.
    const now = at('2026-08-01T03:00:30Z');
    expect(existsSync(dir)).toBe(true);
    writeFileSync(join(dir, 'README'), 'replica barrier');
    const [a, b] = await Promise.all([replica(db.uri, 'a', now, dir, 2), replica(db.uri, 'b', now, dir, 2)]);
    const all = [...(a ?? []), ...(b ?? [])] as Record<string, unknown>[];
    const wide = all.filter((p) => p['capped'] !== true).map((p) => p['t']);
    expect(wide).toHaveLength(36);
    expect(new Set(wide).size).toBe(36);
    expect(all.filter((p) => p['capped'] === true)).toHaveLength(2);
    const fires = await schedules.fires('wide', 100);
    expect(fires).toHaveLength(36);
    expect(fires.every((f) => f.state === 'started' && f.runId !== undefined)).toBe(true);
  });
});
