import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/index.js';
import { buildRunSearchQuery, walkBound } from '../index.js';
import type { ViewType } from '../view-type.js';
import type { TestDatabase } from './databases.js';

/** One generated run, as the oracle below reads it. */
interface WalkRun {
  id: string;
  experiment: number;
  start: number;
  deleted: boolean;
  /** undefined: the run has no value for `m` */
  m: number | undefined;
  p: string | undefined;
}

/** A small deterministic generator, so a failure names the same data on every run. */
function generator(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/**
 * Runs with many ties (few distinct metric values and start times), NaN and missing metrics, missing params,
 * deleted runs, and a second experiment, so every tie-break and every "missing last" rule is exercised.
 */
function walkRuns(count: number): WalkRun[] {
  const next = generator(20261207);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => ({
    id: `${Math.floor(next() * 0xffffff)
      .toString(16)
      .padStart(6, '0')}${String(i).padStart(4, '0')}`,
    experiment: i % 7 === 0 ? 2 : 1,
    start: 1000 + Math.floor(next() * 40) * 10,
    deleted: next() < 0.1,
    m: pick([undefined, Number.NaN, -1.5, 0, 0, 0.25, 0.5, 0.5, 1, 2, 1e300, -0.75]),
    p: pick([undefined, 'a', 'b', 'b', 'c']),
  }));
}

async function seedWalkRuns(db: Kysely<Database>, runs: WalkRun[]): Promise<void> {
  await db
    .insertInto('experiments')
    .values(
      [1, 2].map((id) => ({
        experiment_id: id,
        name: `walk-${id}`,
        artifact_location: `a/${id}`,
        lifecycle_stage: 'active',
        creation_time: 1,
        last_update_time: 1,
      })),
    )
    .execute();
  await db
    .insertInto('runs')
    .values(
      runs.map((r) => ({
        run_uuid: r.id,
        experiment_id: r.experiment,
        name: r.id,
        user_id: 'u',
        status: 'FINISHED',
        start_time: r.start,
        end_time: r.start + 1,
        lifecycle_stage: r.deleted ? 'deleted' : 'active',
        artifact_uri: `a/${r.experiment}/${r.id}`,
        deleted_time: r.deleted ? 5 : null,
      })),
    )
    .execute();
  const metrics = runs.flatMap((r) =>
    r.m === undefined
      ? []
      : [
          {
            run_uuid: r.id,
            experiment_id: r.experiment,
            key: 'm',
            value: Number.isNaN(r.m) ? 0 : r.m,
            is_nan: Number.isNaN(r.m) ? 1 : 0,
            timestamp: 1,
            step: 0,
          },
        ],
  );
  await db.insertInto('latest_metrics').values(metrics).execute();
  const params = runs.flatMap((r) => (r.p === undefined ? [] : [{ run_uuid: r.id, key: 'p', value: r.p }]));
  await db.insertInto('params').values(params).execute();
}

interface WalkCase {
  filter?: string;
  orderBy: string[];
  viewType: ViewType;
}

/** MLflow's order, computed in memory: the oracle every page is compared with. */
function expected(runs: WalkRun[], c: WalkCase): string[] {
  const keep = runs.filter((r) => {
    if (r.experiment !== 1) return false;
    if (c.viewType === 'ACTIVE_ONLY' && r.deleted) return false;
    if (c.viewType === 'DELETED_ONLY' && !r.deleted) return false;
    if (c.filter === "params.p = 'a'") return r.p === 'a';
    if (c.filter === "params.p = 'b'") return r.p === 'b';
    if (c.filter === 'metrics.m > 0') return r.m !== undefined && r.m > 0;
    if (c.filter === "params.p = 'none'") return false;
    if (c.filter === "params.p != 'c' and metrics.m <= 1")
      return r.p !== undefined && r.p !== 'c' && r.m !== undefined && r.m <= 1;
    if (c.filter === undefined) return true;
    throw new Error(`the oracle does not know the filter ${c.filter}`);
  });
  const metricRank = (r: WalkRun): number => (r.m === undefined ? 2 : Number.isNaN(r.m) ? 1 : 0);
  const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const byClause =
    (clause: string) =>
    (a: WalkRun, b: WalkRun): number => {
      const [field, dir] = clause.split(' ');
      const sign = dir === 'ASC' ? 1 : -1;
      if (field === 'metrics.m') {
        const ra = metricRank(a);
        const rb = metricRank(b);
        if (ra !== rb) return ra - rb;
        return ra === 0 ? sign * ((a.m as number) - (b.m as number)) : 0;
      }
      if (field === 'params.p') {
        if (a.p === undefined || b.p === undefined)
          return (a.p === undefined ? 1 : 0) - (b.p === undefined ? 1 : 0);
        return sign * cmpStr(a.p, b.p);
      }
      return sign * (a.start - b.start); // attributes.start_time
    };
  const clauses = [...c.orderBy];
  if (!clauses.some((o) => o.startsWith('attributes.start_time'))) clauses.push('attributes.start_time DESC');
  return keep
    .sort((a, b) => {
      for (const clause of clauses) {
        const d = byClause(clause)(a, b);
        if (d !== 0) return d;
      }
      return cmpStr(a.id, b.id);
    })
    .map((r) => r.id);
}

const cases: WalkCase[] = [
  { orderBy: ['metrics.m DESC'], viewType: 'ACTIVE_ONLY' },
  { orderBy: ['metrics.m ASC'], viewType: 'ACTIVE_ONLY' },
  { orderBy: ['metrics.m DESC'], viewType: 'ALL', filter: "params.p = 'a'" },
  { orderBy: ['metrics.m ASC'], viewType: 'DELETED_ONLY' },
  { orderBy: ['metrics.m DESC', 'params.p ASC'], viewType: 'ACTIVE_ONLY' },
  { orderBy: ['metrics.m ASC', 'attributes.start_time ASC'], viewType: 'ALL', filter: 'metrics.m > 0' },
  { orderBy: ['metrics.m DESC'], viewType: 'ACTIVE_ONLY', filter: "params.p != 'c' and metrics.m <= 1" },
  { orderBy: ['metrics.m DESC'], viewType: 'ACTIVE_ONLY', filter: "params.p = 'none'" },
  { orderBy: [], viewType: 'ACTIVE_ONLY', filter: "params.p = 'a'" },
  { orderBy: ['attributes.start_time DESC'], viewType: 'ALL' },
  { orderBy: ['attributes.start_time ASC'], viewType: 'ACTIVE_ONLY', filter: 'metrics.m > 0' },
  { orderBy: ['params.p DESC'], viewType: 'ACTIVE_ONLY' },
];

/**
 * The index walk that answers metric- and start-time-ordered searches (run-query.ts) must give exactly MLflow's
 * order on every page, whether the walk answers, stops at its bound, or hands over to the general plan.
 */
export function walkContract(engine: string, open: () => Promise<TestDatabase>): void {
  describe(`run search index walk on ${engine}`, () => {
    let tdb: TestDatabase;
    const runs = walkRuns(420);

    beforeAll(async () => {
      tdb = await open();
      await seedWalkRuns(tdb.handle.db, runs);
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    async function allPages(
      c: WalkCase,
      pageSize: number,
      walkEntries: number | undefined,
    ): Promise<string[]> {
      const out: string[] = [];
      for (let offset = 0; ; offset += pageSize) {
        const rows = await buildRunSearchQuery(tdb.handle.db, {
          experimentIds: [1],
          viewType: c.viewType,
          ...(c.filter !== undefined ? { filter: c.filter } : {}),
          orderBy: c.orderBy,
          offset,
          limit: pageSize,
          ...(walkEntries !== undefined ? { walkEntries } : {}),
        }).execute();
        out.push(...rows.map((r) => r.run_uuid));
        if (rows.length < pageSize) return out;
      }
    }

    it.each(cases)('pages through $orderBy / $filter / $viewType exactly as MLflow orders', async (c) => {
      const want = expected(runs, c);
      expect(want.length).toBeGreaterThan(c.filter === "params.p = 'none'" ? -1 : 10);
      for (const [pageSize, walkEntries] of [
        [7, 3],
        [7, 40],
        [50, 1],
        [50, undefined],
        [1000, undefined],
      ] as const) {
        expect({ pageSize, walkEntries, ids: await allPages(c, pageSize, walkEntries) }).toEqual({
          pageSize,
          walkEntries,
          ids: want,
        });
      }
    });

    it('bounds a walk by the page it serves', () => {
      expect(walkBound(0, 101)).toBe(2020);
      expect(walkBound(0, 11)).toBe(1000);
    });

    it('reads a metric-ordered first page from the walk index, without sorting every match', async () => {
      const captured: string[] = [];
      const db = tdb.handle.db.withPlugin({
        transformQuery: (args) => {
          captured.push(tdb.handle.db.getExecutor().compileQuery(args.node, args.queryId).sql);
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const rows = await buildRunSearchQuery(db, {
        experimentIds: [1],
        viewType: 'ACTIVE_ONLY',
        filter: "params.p = 'b'",
        orderBy: ['metrics.m DESC'],
        offset: 0,
        limit: 5,
      }).execute();
      expect(rows.map((r) => r.run_uuid)).toEqual(
        expected(runs, {
          orderBy: ['metrics.m DESC'],
          viewType: 'ACTIVE_ONLY',
          filter: "params.p = 'b'",
        }).slice(0, 5),
      );
      // the page came from one query joined to the walk index, not from the general plan's IN lists
      const page = captured.filter((q) => /\bo0\b/.test(q) && q.includes('limit'));
      expect(page).toHaveLength(1);
      expect(page[0]).toMatch(/"o0"\."experiment_id" = /);
      expect(page[0]).not.toMatch(/ in \(select/);
    });
  });
}

/** The latest_metrics rows' experiment ids, for the migration test. */
export async function latestMetricExperiments(
  db: Kysely<Database>,
): Promise<{ run_uuid: string; experiment_id: number | null }[]> {
  const rows = await sql<{ run_uuid: string; experiment_id: number | string | null }>`
    select run_uuid, experiment_id from latest_metrics order by run_uuid, key`.execute(db);
  return rows.rows.map((r) => ({
    run_uuid: r.run_uuid,
    experiment_id: r.experiment_id === null ? null : Number(r.experiment_id),
  }));
}
