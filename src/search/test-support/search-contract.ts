import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewType } from '../view-type.js';
import { InvalidParameterError } from '../../shared/errors.js';
import {
  buildExperimentSearchQuery,
  buildLoggedModelSearchQuery,
  buildRunSearchQuery,
  type LoggedModelOrderByInput,
} from '../index.js';
import type { TestDatabase } from './databases.js';
import { names, R, seedSearchFixtures } from './fixtures.js';

/**
 * The search contract every engine must meet: the same fixtures, the same queries, the same answers.
 * `open` provides a freshly migrated database of one engine.
 */
export function searchContract(engine: string, open: () => Promise<TestDatabase>): void {
  describe(`search on ${engine}`, () => {
    let tdb: TestDatabase;

    beforeAll(async () => {
      tdb = await open();
      await seedSearchFixtures(tdb.handle.db);
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    async function runs(
      filter?: string,
      orderBy?: string[],
      opts: { experimentIds?: number[]; viewType?: ViewType; offset?: number; limit?: number } = {},
    ): Promise<string[]> {
      const rows = await buildRunSearchQuery(tdb.handle.db, {
        experimentIds: opts.experimentIds ?? [1],
        viewType: opts.viewType ?? 'ACTIVE_ONLY',
        ...(filter !== undefined ? { filter } : {}),
        ...(orderBy !== undefined ? { orderBy } : {}),
        offset: opts.offset ?? 0,
        limit: opts.limit ?? 1000,
      }).execute();
      return names(rows);
    }

    describe('runs: scope and default order', () => {
      it('orders by start_time DESC then run_uuid ASC', async () => {
        expect(await runs()).toEqual(['r2', 'r3', 'r4', 'r1']);
      });
      it('honours the view type', async () => {
        expect(await runs(undefined, undefined, { viewType: 'DELETED_ONLY' })).toEqual(['r5']);
        expect(await runs(undefined, undefined, { viewType: 'ALL' })).toEqual(['r5', 'r2', 'r3', 'r4', 'r1']);
      });
      it('searches several experiments, and none when given none', async () => {
        expect(await runs(undefined, undefined, { experimentIds: [1, 2] })).toEqual([
          'r6',
          'r2',
          'r3',
          'r4',
          'r1',
        ]);
        expect(await runs(undefined, undefined, { experimentIds: [] })).toEqual([]);
      });
      it('applies offset and limit after ordering', async () => {
        expect(await runs(undefined, undefined, { offset: 1, limit: 2 })).toEqual(['r3', 'r4']);
        expect(await runs(undefined, undefined, { offset: 4, limit: 2 })).toEqual([]);
      });
    });

    describe('runs: metric filters on the latest value', () => {
      it('compares numbers; NaN and missing metrics never satisfy = < > <= >=', async () => {
        expect(await runs('metrics.acc > 0.8')).toEqual(['r1']);
        expect(await runs('metrics.acc >= 0.7')).toEqual(['r2', 'r1']);
        expect(await runs('metrics.acc < 1')).toEqual(['r2', 'r1']);
        expect(await runs('metrics.acc <= 0.7')).toEqual(['r2']);
        expect(await runs('metrics.acc = 0.9')).toEqual(['r1']);
        expect(await runs('metrics.acc = 0')).toEqual([]);
        expect(await runs('metric.loss < 100')).toEqual(['r1']);
      });
      it('treats NaN as different from every number', async () => {
        expect(await runs('metrics.acc != 0.9')).toEqual(['r2', 'r3']);
      });
      it('supports IS NULL / IS NOT NULL', async () => {
        expect(await runs('metrics.loss IS NULL')).toEqual(['r3', 'r4']);
        expect(await runs('metrics.loss is not null')).toEqual(['r2', 'r1']);
      });
      it('accepts negative and exponent literals', async () => {
        expect(await runs('metrics.acc > -1e3')).toEqual(['r2', 'r1']);
        expect(await runs('metrics.acc > 9e-1')).toEqual([]);
      });
    });

    describe('runs: params and tags', () => {
      it('LIKE is case-sensitive, ILIKE is not', async () => {
        expect(await runs("params.model LIKE 'GPT%'")).toEqual(['r3', 'r1']);
        expect(await runs("params.model ILIKE 'gpt%'")).toEqual(['r2', 'r3', 'r1']);
        expect(await runs("params.model LIKE 'gpt%'")).toEqual(['r2']);
      });
      it('LIKE wildcards and escapes', async () => {
        expect(await runs("params.model LIKE 'GPT_4'")).toEqual(['r1']);
        expect(await runs("params.model LIKE 'GPT\\%%'")).toEqual(['r3']);
        expect(await runs("params.model LIKE '%-%'")).toEqual(['r2', 'r1']);
        expect(await runs("params.model ILIKE 'GPT[%'")).toEqual([]);
        expect(await runs("params.glob LIKE 'a*b?[c]'")).toEqual(['r4']);
        expect(await runs("params.glob LIKE 'a_b_[c%'")).toEqual(['r4']);
        expect(await runs("params.glob LIKE 'A*B%'")).toEqual([]);
        expect(await runs("params.glob LIKE 'a?%'")).toEqual([]);
        expect(await runs("params.glob ILIKE 'A*B%'")).toEqual(['r4']);
      });
      it('= and != are case-sensitive and need the key', async () => {
        expect(await runs("tags.team = 'vision'")).toEqual(['r2']);
        expect(await runs("tags.team != 'vision'")).toEqual(['r1']);
        expect(await runs('params.lr = "0.01"')).toEqual(['r1']);
      });
      it('IS NULL / IS NOT NULL', async () => {
        expect(await runs('params.lr IS NULL')).toEqual(['r3', 'r4']);
        expect(await runs('params.lr IS NOT NULL')).toEqual(['r2', 'r1']);
        expect(await runs('tags.team IS NOT NULL')).toEqual(['r2', 'r1']);
      });
      it('quoted keys with dots', async () => {
        expect(await runs(`tags."mlflow.user" = 'alice'`)).toEqual(['r1']);
        expect(await runs("tags.`mlflow.user` = 'alice'")).toEqual(['r1']);
        expect(await runs("tags.mlflow.user = 'alice'")).toEqual(['r1']);
      });
      it('combines clauses with AND', async () => {
        expect(
          await runs("metrics.acc > 0.5 AND params.model ILIKE 'gpt%' and tags.team = 'Vision'"),
        ).toEqual(['r1']);
      });
    });

    describe('runs: attributes', () => {
      it('numeric comparisons on start_time / end_time / created', async () => {
        expect(await runs('attributes.start_time >= 2000 AND attributes.start_time < 3000')).toEqual([
          'r3',
          'r4',
        ]);
        expect(await runs('created > 1500.5')).toEqual(['r2', 'r3', 'r4']);
        expect(await runs('start_time = 2000.5')).toEqual([]);
        expect(await runs('start_time != 2000.5')).toEqual(['r2', 'r3', 'r4', 'r1']);
        expect(await runs('start_time <= 1999.9')).toEqual(['r1']);
        expect(await runs('end_time > 1000')).toEqual(['r3', 'r4', 'r1']);
        expect(await runs('start_time < 1e300')).toEqual(['r2', 'r3', 'r4', 'r1']);
      });
      it('string attributes', async () => {
        expect(await runs("attributes.status = 'FINISHED' AND user_id = 'alice'")).toEqual(['r1']);
        expect(await runs("run_name = 'alpha'")).toEqual(['r1']);
        expect(await runs("attributes.run_name ILIKE 'g%'")).toEqual(['r3']);
        expect(await runs(`"run name" = 'beta'`)).toEqual(['r2']);
        expect(await runs(`run.artifact_uri LIKE '%/${R.r4}/%'`)).toEqual(['r4']);
      });
      it('run_id IN / NOT IN', async () => {
        expect(await runs(`attributes.run_id IN ('${R.r1}', '${R.r4}')`)).toEqual(['r4', 'r1']);
        expect(await runs(`run_id NOT IN ('${R.r1}', '${R.r4}')`)).toEqual(['r2', 'r3']);
        expect(await runs(`run_id = '${R.r3}'`)).toEqual(['r3']);
      });
    });

    describe('runs: datasets', () => {
      it('filters on name, digest and context', async () => {
        expect(await runs("datasets.name = 'train-set'")).toEqual(['r3', 'r1']);
        expect(await runs("dataset.digest IN ('d2')")).toEqual(['r2']);
        expect(await runs("dataset.context = 'train'")).toEqual(['r1']);
        expect(await runs("dataset.context LIKE 'e%'")).toEqual(['r2']);
        expect(await runs("dataset.name NOT IN ('train-set')")).toEqual(['r2']);
      });
    });

    describe('runs: order by', () => {
      it('metrics: values, then NaN, then missing, in both directions', async () => {
        expect(await runs(undefined, ['metrics.acc DESC'])).toEqual(['r1', 'r2', 'r3', 'r4']);
        expect(await runs(undefined, ['metrics.acc'])).toEqual(['r2', 'r1', 'r3', 'r4']);
        expect(await runs(undefined, ['metrics.loss ASC'])).toEqual(['r1', 'r2', 'r3', 'r4']);
      });
      it('params and tags: missing keys last in both directions', async () => {
        expect(await runs(undefined, ['params.lr ASC'])).toEqual(['r1', 'r2', 'r3', 'r4']);
        expect(await runs(undefined, ['params.lr DESC'])).toEqual(['r2', 'r1', 'r3', 'r4']);
        expect(await runs(undefined, ['tags.team DESC'])).toEqual(['r2', 'r1', 'r3', 'r4']);
      });
      it('string attributes sort by code point on every engine', async () => {
        expect(await runs(undefined, ['attributes.run_name ASC'])).toEqual(['r3', 'r1', 'r2', 'r4']);
        expect(await runs(undefined, ['run_name DESC'])).toEqual(['r4', 'r2', 'r1', 'r3']);
      });
      it('nullable end_time sorts NULL last in both directions', async () => {
        expect(await runs(undefined, ['end_time DESC'])).toEqual(['r4', 'r3', 'r1', 'r2']);
        expect(await runs(undefined, ['end_time ASC'])).toEqual(['r1', 'r3', 'r4', 'r2']);
      });
      it('start_time ordering replaces the implicit one; run_uuid breaks ties', async () => {
        expect(await runs(undefined, ['attributes.start_time ASC'])).toEqual(['r1', 'r3', 'r4', 'r2']);
        expect(await runs(undefined, ['status'])).toEqual(['r3', 'r4', 'r1', 'r2']);
        expect(await runs(undefined, ['user_id', 'metrics.acc DESC'])).toEqual(['r1', 'r3', 'r2', 'r4']);
      });
      it('combines a metric filter, a param filter and a metric order', async () => {
        expect(await runs("metrics.acc > 0.1 AND params.lr LIKE '0.%'", ['metrics.acc ASC'])).toEqual([
          'r2',
          'r1',
        ]);
      });
    });

    describe('runs: injection attempts stay data', () => {
      it('SQL in values and keys matches nothing and changes nothing', async () => {
        expect(await runs("params.model = '''; DROP TABLE runs; --'")).toEqual([]);
        expect(await runs(`params."x' OR '1'='1" = 'a'`)).toEqual([]);
        expect(await runs(`tags.\`team"; drop table tags; --\` IS NOT NULL`)).toEqual([]);
        expect(await runs(undefined, [`params."lr) desc; drop table runs; --"`])).toEqual([
          'r2',
          'r3',
          'r4',
          'r1',
        ]);
        expect(await runs()).toHaveLength(4);
      });
      it('SQL syntax in the filter is rejected before reaching SQL', async () => {
        await expect(runs('1=1 OR')).rejects.toBeInstanceOf(InvalidParameterError);
        await expect(runs("params.a = 'x' OR 1=1")).rejects.toBeInstanceOf(InvalidParameterError);
        await expect(runs("params.a = 'x'; DROP TABLE runs")).rejects.toBeInstanceOf(InvalidParameterError);
        const count = await sql<{ n: number | string }>`select count(*) as n from runs`.execute(
          tdb.handle.db,
        );
        expect(Number(count.rows[0]?.n)).toBe(6);
      });
    });

    describe('experiments', () => {
      async function experiments(
        filter?: string,
        orderBy?: string[],
        viewType: ViewType = 'ACTIVE_ONLY',
        offset = 0,
        limit = 100,
      ): Promise<number[]> {
        const rows = await buildExperimentSearchQuery(tdb.handle.db, {
          viewType,
          ...(filter !== undefined ? { filter } : {}),
          ...(orderBy !== undefined ? { orderBy } : {}),
          offset,
          limit,
        }).execute();
        return rows.map((r) => Number(r.experiment_id));
      }
      it('default order is creation_time DESC, experiment_id ASC', async () => {
        expect(await experiments()).toEqual([0, 2, 1]);
        expect(await experiments(undefined, undefined, 'ALL')).toEqual([0, 3, 2, 1]);
        expect(await experiments(undefined, undefined, 'DELETED_ONLY')).toEqual([3]);
        expect(await experiments(undefined, undefined, 'ACTIVE_ONLY', 1, 1)).toEqual([2]);
      });
      it('filters on name, times and tags', async () => {
        expect(await experiments("name LIKE 'exp%'")).toEqual([1]);
        expect(await experiments("name ILIKE 'exp%'")).toEqual([2, 1]);
        expect(await experiments("attribute.name = 'Exp-Two'")).toEqual([2]);
        expect(await experiments("name != 'Default'")).toEqual([2, 1]);
        expect(await experiments('creation_time > 150 AND last_update_time <= 1000')).toEqual([2]);
        expect(await experiments("tags.team = 'vision'")).toEqual([1]);
        expect(await experiments('tags.team IS NULL')).toEqual([0, 2]);
        expect(await experiments("tags.team ILIKE 'VIS%'", undefined, 'ALL')).toEqual([3, 1]);
      });
      it('orders by name (code point), ids and times, with experiment_id tie-break', async () => {
        expect(await experiments(undefined, ['name'])).toEqual([0, 2, 1]);
        expect(await experiments(undefined, ['name DESC'])).toEqual([1, 2, 0]);
        expect(await experiments(undefined, ['experiment_id DESC'])).toEqual([2, 1, 0]);
        expect(await experiments(undefined, ['last_update_time ASC'])).toEqual([2, 1, 0]);
        expect(
          await experiments(undefined, ['lifecycle_stage'], 'ALL').catch((e: unknown) => e),
        ).toBeInstanceOf(InvalidParameterError);
      });
    });

    describe('logged models', () => {
      async function models(
        filter?: string,
        orderBy?: LoggedModelOrderByInput[],
        experimentIds: number[] = [1, 2],
      ): Promise<string[]> {
        const rows = await buildLoggedModelSearchQuery(tdb.handle.db, {
          experimentIds,
          ...(filter !== undefined ? { filter } : {}),
          ...(orderBy !== undefined ? { orderBy } : {}),
          offset: 0,
          limit: 100,
        }).execute();
        return rows.map((r) => r.model_id);
      }
      it('default order is creation DESC; deleted models are excluded', async () => {
        expect(await models()).toEqual(['m-2', 'm-1', 'm-4']);
        expect(await models(undefined, undefined, [2])).toEqual(['m-4']);
      });
      it("resolves runs:/ URIs with source_run_id = '<id>'", async () => {
        expect(await models(`source_run_id='${R.r1}'`)).toEqual(['m-1', 'm-4']);
      });
      it('filters on the latest metric point, params, tags and attributes', async () => {
        expect(await models('metrics.acc > 0.9')).toEqual(['m-1']);
        expect(await models('metrics.acc < 0.6')).toEqual([]);
        expect(await models('metrics.acc IS NULL')).toEqual(['m-4']);
        expect(await models("params.alpha = '0.5'")).toEqual(['m-1']);
        expect(await models("tags.stage LIKE 'cand%'")).toEqual(['m-1']);
        expect(await models("name LIKE 'model-%'")).toEqual(['m-2', 'm-1']);
        expect(await models("name ILIKE 'model-%'")).toEqual(['m-2', 'm-1', 'm-4']);
        expect(await models("status IN ('LOGGED_MODEL_PENDING')")).toEqual(['m-2']);
        expect(await models("model_type = 'sklearn'")).toEqual(['m-1']);
        expect(await models('creation_timestamp >= 100 AND last_updated_timestamp < 200')).toEqual(['m-1']);
        expect(await models("model_id NOT IN ('m-1')")).toEqual(['m-2', 'm-4']);
      });
      it('orders by metrics (missing last) and attributes', async () => {
        expect(await models(undefined, [{ fieldName: 'metrics.acc', ascending: true }])).toEqual([
          'm-2',
          'm-1',
          'm-4',
        ]);
        expect(await models(undefined, [{ fieldName: 'metrics.acc', ascending: false }])).toEqual([
          'm-1',
          'm-2',
          'm-4',
        ]);
        expect(
          await models(undefined, [{ fieldName: 'metrics.acc', ascending: false, datasetName: 'other-set' }]),
        ).toEqual(['m-2', 'm-1', 'm-4']);
        expect(await models(undefined, [{ fieldName: 'name' }])).toEqual(['m-4', 'm-1', 'm-2']);
        expect(await models(undefined, [{ fieldName: 'creation_time', ascending: true }])).toEqual([
          'm-4',
          'm-1',
          'm-2',
        ]);
      });
    });
  });
}
