import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest, type DatabaseHandle } from '../db/index.js';
import { openUnmigratedTestDatabase, testEngines } from '../db/test-support/test-databases.js';
import { buildRunSearchQuery } from '../search/index.js';
import { metricStore } from './metric-store.js';

async function latestValues(handle: DatabaseHandle): Promise<[string, string, number, number][]> {
  const rows = await sql<{ run_uuid: string; key: string; value: number; step: number | string }>`
    select run_uuid, key, value, step from latest_metrics order by run_uuid, key`.execute(handle.db);
  return rows.rows.map((r) => [r.run_uuid, r.key, Number(r.value), Number(r.step)]);
}

/** The plan PostgreSQL gives `query` when it may not scan tables whole (tiny test tables would be). */
async function indexPlan(handle: DatabaseHandle, query: string): Promise<string> {
  return handle.db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    await sql`set local enable_bitmapscan = off`.execute(trx);
    const plan = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(query)}`.execute(trx);
    return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe.each(testEngines)('migration 0030 (search covering indexes) on %s', (engine) => {
  it('keeps latest values and their search, and on PostgreSQL lets the walk and the probes read indexes only', async () => {
    const { handle, dispose } = await openUnmigratedTestDatabase(engine, 'search0030');
    try {
      expect((await migrateTo(handle, '0029-monitoring-sketches')).at(-1)).toBe('0029-monitoring-sketches');
      await sql`insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time,
          last_update_time) values (1, 'e1', 'a/1', 'active', 1, 1)`.execute(handle.db);
      for (const [id, value] of [
        ['r1', 0.5],
        ['r2', 0.9],
        ['r3', 0.7],
      ] as const) {
        await sql`insert into runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time,
            lifecycle_stage, artifact_uri) values (${id}, 1, ${id}, 'u', 'FINISHED', 10, 11, 'active',
            ${`a/${id}`})`.execute(handle.db);
        await sql`insert into latest_metrics (run_uuid, key, value, is_nan, timestamp, step, experiment_id)
          values (${id}, 'm', ${value}, 0, 1, 0, 1)`.execute(handle.db);
      }

      expect(await migrateToLatest(handle)).toContain('0030-search-covering-indexes');
      expect(await latestValues(handle)).toEqual([
        ['r1', 'm', 0.5, 0],
        ['r2', 'm', 0.9, 0],
        ['r3', 'm', 0.7, 0],
      ]);

      // the primary key still decides what a new value replaces (ON CONFLICT (run_uuid, key))
      await metricStore.upsertLatest(handle.db, 'r1', [{ key: 'm', value: 0.95, timestamp: 2, step: 1 }]);
      await metricStore.upsertLatest(handle.db, 'r3', [{ key: 'm', value: 0.1, timestamp: 0, step: 0 }]);
      await metricStore.upsertLatest(handle.db, 'r3', [{ key: 'n', value: 3, timestamp: 2, step: 0 }]);
      expect(await latestValues(handle)).toEqual([
        ['r1', 'm', 0.95, 1],
        ['r2', 'm', 0.9, 0],
        ['r3', 'm', 0.7, 0],
        ['r3', 'n', 3, 0],
      ]);
      const page = await buildRunSearchQuery(handle.db, {
        experimentIds: [1],
        viewType: 'ACTIVE_ONLY',
        filter: 'metrics.m > 0.6',
        orderBy: ['metrics.m DESC'],
        offset: 0,
        limit: 3,
      }).execute();
      expect(page.map((r) => r.run_uuid)).toEqual(['r1', 'r2', 'r3']);

      if (engine === 'postgres') {
        await sql`vacuum analyze latest_metrics`.execute(handle.db);
        expect(
          await indexPlan(
            handle,
            `select run_uuid from latest_metrics where experiment_id = 1 and key = 'm' and is_nan = 0
             order by value desc`,
          ),
        ).toMatch(/Index Only Scan Backward using latest_metrics_experiment_key_value/);
        expect(
          await indexPlan(
            handle,
            `select value, is_nan, timestamp, step from latest_metrics where run_uuid = 'r2' and key = 'm'`,
          ),
        ).toMatch(/Index Only Scan using latest_metrics_pk/);
      }
    } finally {
      await dispose();
    }
  });
});
