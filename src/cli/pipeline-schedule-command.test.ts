import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureCli } from './test-support/capture-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let db: string;

const cli = (args: string[]) =>
  captureCli([...args, '--backend-store-uri', db], { BOSUN_DATA_DIR: dir, PATH: process.env.PATH ?? '' });

const pipeline = `apiVersion: bosun.dev/v1
kind: Pipeline
name: nightly
params:
  day: { type: string, default: today }
steps:
  hello:
    command: [sh, -c, 'true']
`;

describe('bosun pipeline schedule create|list|backfill|delete (against the database)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-schedule-cli-'));
    db = `sqlite:///${join(dir, 'bosun.db')}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a schedule, lists it, queues a backfill, refuses bad input clearly, deletes it', async () => {
    const file = join(dir, 'nightly.yaml');
    writeFileSync(file, pipeline);
    expect((await cli(['pipeline', 'run', file, '--code-dir', dir])).code).toBe(0);

    const created = await cli([
      'pipeline',
      'schedule',
      'create',
      'nightly-berlin',
      '--pipeline',
      'nightly',
      '--cron',
      '0 2 * * *',
      '--timezone',
      'Europe/Berlin',
      '-p',
      'day={{scheduled_time}}',
      '--catch-up',
      'all',
      '--catch-up-cap',
      '5',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({
      schedule: {
        name: 'nightly-berlin',
        pipeline: 'nightly',
        timezone: 'Europe/Berlin',
        params: { day: '{{scheduled_time}}' },
        catch_up: 'all',
        catch_up_cap: 5,
        max_concurrent: 1,
      },
    });
    const listed = await cli(['pipeline', 'schedule', 'list']);
    expect(listed.out).toMatch(/nightly-berlin\s+nightly\s+0 2 \* \* \*\s+Europe\/Berlin\s+all/);

    const backfill = await cli([
      'pipeline',
      'schedule',
      'backfill',
      'nightly-berlin',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-03T23:00:00Z',
      '--max-concurrent',
      '2',
    ]);
    expect(backfill.out).toBe(
      "3 run(s) queued for 'nightly-berlin' (2026-01-01T01:00:00.000Z .. 2026-01-03T01:00:00.000Z)\n",
    );

    const badCron = await cli([
      'pipeline',
      'schedule',
      'create',
      'x',
      '--pipeline',
      'nightly',
      '--cron',
      'nightly',
    ]);
    expect(badCron.code).toBe(1);
    expect(badCron.err).toMatch(/Invalid value for cron: 'nightly'/);
    const badParam = await cli([
      'pipeline',
      'schedule',
      'create',
      'y',
      '--pipeline',
      'nightly',
      '--cron',
      '0 2 * * *',
      '-p',
      'nope=1',
    ]);
    expect(badParam.err).toMatch(/has no parameter 'nope'/);
    const badRange = await cli([
      'pipeline',
      'schedule',
      'backfill',
      'nightly-berlin',
      '--from',
      'soon',
      '--to',
      'later',
    ]);
    expect(badRange.err).toMatch(/Invalid --from 'soon'/);

    expect((await cli(['pipeline', 'schedule', 'delete', 'nightly-berlin'])).out).toBe(
      "schedule 'nightly-berlin' deleted\n",
    );
    expect(JSON.parse((await cli(['pipeline', 'schedule', 'list', '--json'])).out)).toEqual({
      schedules: [],
    });
  });
});
