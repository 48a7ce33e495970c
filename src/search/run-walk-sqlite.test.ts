import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { buildRunSearchQuery } from './index.js';
import { openSqliteTestDatabase } from './test-support/databases.js';
import { walkContract } from './test-support/walk-contract.js';

walkContract('SQLite', openSqliteTestDatabase);

describe('run search general plan on SQLite', () => {
  it('reads the runs a filter lists by primary key, not every run of the experiment', async () => {
    const tdb = await openSqliteTestDatabase();
    try {
      const captured: CompiledQuery[] = [];
      const db = tdb.handle.db.withPlugin({
        transformQuery: (args) => {
          captured.push(tdb.handle.db.getExecutor().compileQuery(args.node, args.queryId));
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      // ordered by a param: no index walk, the general plan answers
      await buildRunSearchQuery(db, {
        experimentIds: [1],
        viewType: 'ACTIVE_ONLY',
        filter: "params.p = 'a' and metrics.m > 0",
        orderBy: ['params.p ASC'],
        offset: 0,
        limit: 10,
      }).execute();
      expect(captured).toHaveLength(1);
      const query = captured[0] as CompiledQuery;
      const plan = await tdb.handle.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      const steps = plan.rows.map((r) => r.detail);
      expect(steps).toContainEqual(
        expect.stringMatching(/^SEARCH runs USING INDEX sqlite_autoindex_runs_1 \(run_uuid=\?\)/),
      );
      expect(steps.join('\n')).not.toMatch(/runs_experiment_start/);
    } finally {
      await tdb.dispose();
    }
  });
});
