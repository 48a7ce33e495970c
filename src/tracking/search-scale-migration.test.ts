import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest, type DatabaseHandle } from '../db/index.js';
import { openUnmigratedTestDatabase, testEngines } from '../db/test-support/test-databases.js';
import { buildRunSearchQuery } from '../search/index.js';
import { metricStore } from './metric-store.js';

async function latestExperiments(handle: DatabaseHandle): Promise<[string, string, number | null][]> {
  const rows = await sql<{ run_uuid: string; key: string; experiment_id: number | string | null }>`
    select run_uuid, key, experiment_id from latest_metrics order by run_uuid, key`.execute(handle.db);
  return rows.rows.map((r) => [r.run_uuid, r.key, r.experiment_id === null ? null : Number(r.experiment_id)]);
}

async function indexNames(handle: DatabaseHandle): Promise<string[]> {
  const query =
    handle.engine === 'sqlite'
      ? sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'latest_metrics'`
      : sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'latest_metrics'`;
  return (await query.execute(handle.db)).rows.map((r) => r.name);
}

describe.each(testEngines)('migration 0018 (search at scale) on %s', (engine) => {
  it('backfills the experiment of latest values written before it, and new values carry it', async () => {
    const { handle, dispose } = await openUnmigratedTestDatabase(engine, 'search0018');
    try {
      expect((await migrateTo(handle, '0017-user-disabled')).at(-1)).toBe('0017-user-disabled');
      for (const id of [1, 2]) {
        await sql`insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time,
            last_update_time) values (${id}, ${`e${id}`}, ${`a/${id}`}, 'active', 1, 1)`.execute(handle.db);
      }
      const runs: [string, number, number][] = [
        ['r1', 1, 0.5],
        ['r2', 1, 0.9],
        ['r3', 2, 0.7],
      ];
      for (const [id, experiment, value] of runs) {
        await sql`insert into runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time,
            lifecycle_stage, artifact_uri) values (${id}, ${experiment}, ${id}, 'u', 'FINISHED', 10, 11, 'active',
            ${`a/${id}`})`.execute(handle.db);
        await sql`insert into latest_metrics (run_uuid, key, value, is_nan, timestamp, step)
          values (${id}, 'm', ${value}, 0, 1, 0)`.execute(handle.db);
      }
      // a latest value whose run is gone: it keeps NULL and no search reaches it
      await sql`insert into latest_metrics (run_uuid, key, value, is_nan, timestamp, step)
        values ('gone', 'm', 2, 0, 1, 0)`.execute(handle.db);

      expect(await migrateToLatest(handle)).toContain('0018-search-scale');
      expect(await indexNames(handle)).toContain('latest_metrics_experiment_key_value');
      expect(await latestExperiments(handle)).toEqual([
        ['gone', 'm', null],
        ['r1', 'm', 1],
        ['r2', 'm', 1],
        ['r3', 'm', 2],
      ]);

      // values logged after the migration carry their run's experiment, on insert and on replacement
      await metricStore.upsertLatest(handle.db, 'r1', [{ key: 'n', value: 3, timestamp: 2, step: 0 }]);
      await metricStore.upsertLatest(handle.db, 'r3', [{ key: 'm', value: 0.95, timestamp: 2, step: 1 }]);
      expect(await latestExperiments(handle)).toContainEqual(['r1', 'n', 1]);
      expect(await latestExperiments(handle)).toContainEqual(['r3', 'm', 2]);

      // the metric-ordered search of experiment 1 sees both backfilled runs, in value order, and nothing else
      const page = await buildRunSearchQuery(handle.db, {
        experimentIds: [1],
        viewType: 'ACTIVE_ONLY',
        orderBy: ['metrics.m DESC'],
        offset: 0,
        limit: 2,
      }).execute();
      expect(page.map((r) => r.run_uuid)).toEqual(['r2', 'r1']);
    } finally {
      await dispose();
    }
  });
});
