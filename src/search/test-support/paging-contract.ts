import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/index.js';
import { buildRunSearchQuery, encodePageToken, searchRunPage, type RunPageQuery } from '../index.js';
import type { ViewType } from '../view-type.js';
import type { TestDatabase } from './databases.js';
import { insertRuns, makeRuns } from './paging-runs.js';

interface PagingCase {
  orderBy: string[];
  experimentIds: number[];
  filter?: string;
  viewType?: ViewType;
}

/** Every order shape the API accepts: each entity and attribute, both directions, combined, explicit run_id. */
const orders: string[][] = [
  [],
  ['metrics.m DESC'],
  ['metrics.m ASC'],
  ['params.p ASC'],
  ['params.p DESC'],
  ['tags.t DESC'],
  ['attributes.start_time ASC'],
  ['attributes.start_time DESC'],
  ['attributes.end_time ASC'],
  ['attributes.end_time DESC'],
  ['attributes.run_name ASC'],
  ['attributes.status DESC', 'attributes.user_id ASC'],
  ['attributes.artifact_uri DESC'],
  ['attributes.run_id DESC'],
  ['params.p ASC', 'metrics.m DESC'],
  ['metrics.m ASC', 'attributes.run_id DESC', 'params.p ASC'],
  ['tags.t ASC', 'attributes.end_time DESC', 'metrics.m DESC'],
  ['metrics.m DESC', 'attributes.start_time ASC'],
];

const filters = [undefined, "params.p != 'Z'", 'metrics.m > 0', "attributes.status = 'FINISHED'"];

/** Cases: every order on one experiment and on three, each with a filter and a view type taken in turn. */
const cases: PagingCase[] = orders.flatMap((orderBy, i) => {
  const filter = filters[i % filters.length];
  const viewType: ViewType = i % 5 === 4 ? 'ALL' : 'ACTIVE_ONLY';
  return [
    { orderBy, experimentIds: [1], viewType, ...(filter !== undefined ? { filter } : {}) },
    { orderBy, experimentIds: [3, 1, 2], viewType },
  ];
});

/**
 * Keyset paging (run-page.ts) must return exactly the runs of one big page, in the same order, when the search
 * is read page by page with any order the API accepts; runs created between two pages must neither repeat a run
 * nor skip one that existed before; offset tokens must still work; a forged token must be refused.
 */
export function pagingContract(engine: string, open: () => Promise<TestDatabase>): void {
  describe(`run search keyset paging on ${engine}`, () => {
    let tdb: TestDatabase;

    beforeAll(async () => {
      tdb = await open();
      await tdb.handle.db
        .insertInto('experiments')
        .values(
          [1, 2, 3].map((id) => ({
            experiment_id: id,
            name: `paging-${id}`,
            artifact_location: `a/${id}`,
            lifecycle_stage: 'active',
            creation_time: 1,
            last_update_time: 1,
          })),
        )
        .execute();
      await insertRuns(tdb.handle.db, makeRuns(240, 20261207, 'r'));
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    function query(c: PagingCase, pageSize: number, pageToken?: string): RunPageQuery {
      return {
        experimentIds: c.experimentIds,
        viewType: c.viewType ?? 'ACTIVE_ONLY',
        ...(c.filter !== undefined ? { filter: c.filter } : {}),
        orderBy: c.orderBy,
        pageSize,
        ...(pageToken !== undefined ? { pageToken } : {}),
      };
    }

    async function onePage(c: PagingCase): Promise<string[]> {
      const rows = await buildRunSearchQuery(tdb.handle.db, {
        ...query(c, 0),
        offset: 0,
        limit: 100_000,
      }).execute();
      return rows.map((r) => r.run_uuid);
    }

    /** Reads every page; `between` runs after each page (e.g. to create runs). */
    async function allPages(
      c: PagingCase,
      pageSize: number,
      opts: { walkEntries?: number; between?: (page: number) => Promise<void> } = {},
    ): Promise<string[]> {
      const out: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 1000; page++) {
        const res = await searchRunPage(tdb.handle.db, {
          ...query(c, pageSize, token),
          ...(opts.walkEntries !== undefined ? { walkEntries: opts.walkEntries } : {}),
        });
        expect(res.runIds.length).toBeLessThanOrEqual(pageSize);
        out.push(...res.runIds);
        if (res.nextPageToken === undefined) return out;
        expect(res.runIds).toHaveLength(pageSize);
        token = res.nextPageToken;
        await opts.between?.(page);
      }
      throw new Error('paging did not end');
    }

    it.each(cases)(
      'pages through $orderBy on $experimentIds ($filter) exactly as one big page',
      async (c) => {
        const want = await onePage(c);
        expect(want.length).toBeGreaterThan(15);
        for (const [pageSize, walkEntries] of [
          [9, undefined],
          [16, 3],
        ] as const) {
          const got = await allPages(c, pageSize, walkEntries !== undefined ? { walkEntries } : {});
          expect({ pageSize, walkEntries, got }).toEqual({ pageSize, walkEntries, got: want });
        }
      },
    );

    let batch = 0;
    it.each([
      { orderBy: [], experimentIds: [1] },
      { orderBy: ['metrics.m DESC'], experimentIds: [1] },
      { orderBy: ['params.p ASC', 'metrics.m DESC'], experimentIds: [1, 2] },
      { orderBy: ['attributes.end_time ASC'], experimentIds: [2, 1] },
    ] as PagingCase[])(
      'neither repeats nor skips a run when runs are created between pages ($orderBy)',
      async (c) => {
        const before = await onePage(c);
        let created = 0;
        const got = await allPages(c, 9, {
          between: async (page) => {
            // runs that sort first, last and in between, in the searched experiments
            const fresh = makeRuns(3, 900 + page, `n${batch++}x`).map((r, i) => ({
              ...r,
              experiment: c.experimentIds[i % c.experimentIds.length] as number,
              deleted: false,
              start: [5000, 1, 1150][i] as number,
              m: [1e301, -1e301, 0.5][i] as number,
              p: ['', '~', 'b'][i] as string,
              end: [null, 1, 5002][i] as number | null,
            }));
            created += fresh.length;
            await insertRuns(tdb.handle.db, fresh);
          },
        });
        expect(created).toBeGreaterThan(0);
        expect(new Set(got).size).toBe(got.length);
        const seen = new Set(got);
        expect(before.filter((id) => !seen.has(id))).toEqual([]);
        const kept = new Set(before);
        expect(got.filter((id) => kept.has(id))).toEqual(before);
      },
    );

    it('still pages by offset for an offset token, and carries a keyset token onward', async () => {
      const c: PagingCase = { orderBy: ['metrics.m DESC'], experimentIds: [2] };
      const want = await onePage(c);
      const res = await searchRunPage(tdb.handle.db, query(c, 10, encodePageToken(20)));
      expect(res.runIds).toEqual(want.slice(20, 30));
      const next = await searchRunPage(tdb.handle.db, query(c, 10, res.nextPageToken));
      expect(next.runIds).toEqual(want.slice(30, 40));
      expect(Buffer.from(res.nextPageToken as string, 'base64url').toString('utf8')).toMatch(/^\{"v":1,/);
    });

    it('refuses forged, foreign and damaged keyset tokens with InvalidParameterError', async () => {
      const c: PagingCase = { orderBy: ['metrics.m DESC', 'params.p ASC'], experimentIds: [1] };
      const first = await searchRunPage(tdb.handle.db, query(c, 5));
      const token = first.nextPageToken as string;
      const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        v: number;
        o: string;
        k: (string | null)[];
      };
      const forge = (b: object): string => Buffer.from(JSON.stringify(b)).toString('base64url');
      // keys: metric rank, metric value, param p, start_time, run id
      const withKey = (i: number, v: unknown): string =>
        forge({ ...body, k: body.k.map((x, j) => (j === i ? v : x)) });
      const bad = [
        forge({ ...body, v: 2 }),
        forge({ ...body, v: '1' }),
        forge({ ...body, o: 'x' }),
        forge({ ...body, k: body.k.slice(1) }),
        forge({ ...body, k: [...body.k, 'x'] }),
        forge({ ...body, k: { 0: 'a' } }),
        withKey(0, 'zero'),
        withKey(0, null),
        withKey(0, 0),
        withKey(1, 'NaN'),
        withKey(1, ''),
        withKey(2, 5),
        withKey(2, 'a\u0000b'),
        withKey(2, 'a\ud800b'),
        withKey(3, '1.5'),
        withKey(3, '99999999999999999999'),
        withKey(4, null),
        withKey(4, { id: 'x' }),
        token.slice(0, -3),
        `${token}!`,
      ];
      for (const t of bad) {
        await expect(searchRunPage(tdb.handle.db, query(c, 5, t)), t).rejects.toBeInstanceOf(
          InvalidParameterError,
        );
      }
      // the same token under another order (or spelled the same in other words) is refused / accepted
      await expect(
        searchRunPage(tdb.handle.db, query({ ...c, orderBy: ['metrics.m ASC', 'params.p ASC'] }, 5, token)),
      ).rejects.toThrow(/different order_by/);
      const respelled = await searchRunPage(
        tdb.handle.db,
        query({ ...c, orderBy: ['metric.m desc', 'param.p'] }, 5, token),
      );
      const plain = await searchRunPage(tdb.handle.db, query(c, 5, token));
      expect(respelled.runIds).toEqual(plain.runIds);
      expect(plain.runIds).toHaveLength(5);
    });

    it('answers a metric-ordered page over several experiments from one walk per experiment', async () => {
      const captured: string[] = [];
      const db = tdb.handle.db.withPlugin({
        transformQuery: (args) => {
          captured.push(tdb.handle.db.getExecutor().compileQuery(args.node, args.queryId).sql);
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const c: PagingCase = {
        orderBy: ['metrics.m DESC'],
        experimentIds: [1, 2, 3],
        filter: "params.p != 'Z'",
      };
      const page = await searchRunPage(db, query(c, 10));
      expect(page.runIds).toEqual((await onePage(c)).slice(0, 10));
      // (plugins also see each member as it is built: the merged page is the query sorting "u")
      const merged = captured.filter((q) => q.includes(' as "u" order by'));
      expect(merged).toHaveLength(1);
      expect((merged[0] as string).match(/"o0"\."experiment_id" = /g)).toHaveLength(3);
      expect(captured.filter((q) => / in \(select/.test(q))).toEqual([]);
    });

    it("walks from a key without parallel workers on PostgreSQL; first pages and callers' transactions as they are", async () => {
      const c: PagingCase = { orderBy: ['metrics.m DESC'], experimentIds: [1] };
      const want = await onePage(c);
      const second = (await searchRunPage(tdb.handle.db, query(c, 5))).nextPageToken;
      const statements = async (inTransaction: boolean, token: string | undefined): Promise<string[]> => {
        const seen: string[] = [];
        const spy = tdb.handle.db.withPlugin({
          transformQuery: (args) => {
            seen.push(tdb.handle.db.getExecutor().compileQuery(args.node, args.queryId).sql);
            return args.node;
          },
          transformResult: async (args) => args.result,
        });
        const page = inTransaction
          ? await spy.transaction().execute((trx) => searchRunPage(trx, query(c, 5, token)))
          : await searchRunPage(spy, query(c, 5, token));
        expect(page.runIds).toEqual(want.slice(token === undefined ? 0 : 5).slice(0, 5));
        return seen.filter((q) => q.startsWith('set ') || q.includes('"o0"."experiment_id" = '));
      };
      const alone = await statements(false, second);
      const walk = alone.findIndex((q) => q.includes('"o0"."experiment_id" = '));
      expect(walk).toBeGreaterThanOrEqual(0);
      const set = alone.indexOf('set local max_parallel_workers_per_gather = 0');
      if (engine === 'PostgreSQL') expect(set).toBeGreaterThanOrEqual(0);
      else expect(set).toBe(-1);
      expect(set).toBeLessThan(walk);
      // a first page, and a page in a caller's transaction, run as they are
      expect((await statements(false, undefined)).filter((q) => q.startsWith('set '))).toEqual([]);
      expect((await statements(true, second)).filter((q) => q.startsWith('set '))).toEqual([]);
    });

    it('starts a deep keyset page at its key: its queries are those of the first page', async () => {
      const c: PagingCase = { orderBy: ['metrics.m DESC'], experimentIds: [1] };
      const offsets = async (pageToken: string | undefined): Promise<unknown[]> => {
        const seen: unknown[] = [];
        const db = tdb.handle.db.withPlugin({
          transformQuery: (args) => {
            const compiled = tdb.handle.db.getExecutor().compileQuery(args.node, args.queryId);
            if (compiled.sql.startsWith('set ')) return args.node; // the walk session (PostgreSQL), not a read
            seen.push(/ offset \?| offset \$\d+/i.test(compiled.sql) ? compiled.parameters.at(-1) : 'none');
            return args.node;
          },
          transformResult: async (args) => args.result,
        });
        await searchRunPage(db, query(c, 5, pageToken));
        return seen;
      };
      let token: string | undefined;
      for (let i = 0; i < 12; i++) {
        token = (await searchRunPage(tdb.handle.db, query(c, 5, token))).nextPageToken;
      }
      expect(token).toBeDefined();
      const deep = await offsets(token);
      expect(deep).toEqual(await offsets(undefined));
      expect(deep).not.toContain(60);
    });
  });
}
