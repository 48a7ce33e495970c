import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest, type DatabaseHandle } from '../db/index.js';
import { openUnmigratedTestDatabase, testEngines } from '../db/test-support/test-databases.js';
import { metricStore } from './metric-store.js';

/** The charts' sampled read of one run, as metricStore.columnsAtSteps sends it. */
const sampledRead = `select value, is_nan, timestamp, step from metrics
  where run_uuid = 'r1' and key = 'loss' and step in (0, 2, 4, 5)
  order by step, timestamp, value, is_nan, id`;

async function plan(handle: DatabaseHandle): Promise<string> {
  if (handle.engine === 'sqlite') {
    const rows = await sql<{ detail: string }>`explain query plan ${sql.raw(sampledRead)}`.execute(handle.db);
    return rows.rows.map((r) => r.detail).join('\n');
  }
  return handle.db.transaction().execute(async (trx) => {
    // tiny tables would be scanned whole; vacuum marks the pages all-visible as autovacuum does after a load
    await sql`set local enable_seqscan = off`.execute(trx);
    await sql`set local enable_bitmapscan = off`.execute(trx);
    const rows = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(sampledRead)}`.execute(trx);
    return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe.each(testEngines)('migration 0031 (metric values in the history index) on %s', (engine) => {
  it('keeps every point and lets the sampled read use the index alone', async () => {
    const { handle, dispose } = await openUnmigratedTestDatabase(engine, 'metric0031');
    try {
      expect((await migrateTo(handle, '0030-search-covering-indexes')).at(-1)).toBe(
        '0030-search-covering-indexes',
      );
      for (const step of [0, 1, 2, 3, 4, 5]) {
        await sql`insert into metrics (run_uuid, key, value, is_nan, timestamp, step)
          values ('r1', 'loss', ${10 - step}, 0, ${100 + step}, ${step})`.execute(handle.db);
      }
      // step 4 twice, and a NaN
      await sql`insert into metrics (run_uuid, key, value, is_nan, timestamp, step)
        values ('r1', 'loss', 0, 1, 99, 4)`.execute(handle.db);
      const before = await metricStore.columnsAtSteps(handle.db, 'r1', 'loss', [0, 2, 4, 5], 100);
      expect(before).toEqual({
        steps: [0, 2, 4, 4, 5],
        values: [10, 8, NaN, 6, 5],
        timestamps: [100, 102, 99, 104, 105],
      });
      expect(await plan(handle)).not.toMatch(/COVERING INDEX|Index Only Scan/);

      expect(await migrateToLatest(handle)).toContain('0031-metric-values-index');
      if (engine === 'postgres') await sql`vacuum analyze metrics`.execute(handle.db);
      expect(await metricStore.columnsAtSteps(handle.db, 'r1', 'loss', [0, 2, 4, 5], 100)).toEqual(before);
      const after = await plan(handle);
      expect(after).toMatch(
        engine === 'sqlite'
          ? /USING COVERING INDEX metrics_run_key_step_values/
          : /Index Only Scan using metrics_run_key_step_values/,
      );
      // nothing is sorted: the index is in the read's order
      expect(after).not.toMatch(/TEMP B-TREE|Sort/);
      expect(await metricStore.distinctSteps(handle.db, 'r1', 'loss')).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await dispose();
    }
  });
});
