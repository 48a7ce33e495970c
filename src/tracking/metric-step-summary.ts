import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { chunks } from './row-mappers.js';

type Db = Kysely<Database>;

/**
 * A run's distinct steps of one metric key in summary (a row of `metric_step_summaries`, migration 0023):
 * `count` steps from `first` to `last`, and `gcd`, the greatest common divisor of `step - first` over them (0 for
 * one step; `null` when unknown, for a history summarised by the migration that was not a grid then).
 */
export interface StepSummary {
  count: number;
  first: number;
  last: number;
  gcd: number | null;
}

/** A run's distinct steps when they are exactly `first, first + stride, …, last`. */
export interface StepGrid {
  first: number;
  last: number;
  stride: number;
}

function gcdOf(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * The grid a summary describes, or `undefined` when its steps are not one: `count` distinct steps that are all
 * on the lattice `first + i × gcd` within [first, last] fill it exactly when `count - 1 = (last - first) / gcd`.
 *
 * Example: `{ count: 4, first: 0, last: 30, gcd: 10 }` → `{ first: 0, last: 30, stride: 10 }`;
 * `{ count: 3, first: 0, last: 30, gcd: 10 }` (a step missing) → `undefined`.
 */
export function gridOf(summary: StepSummary): StepGrid | undefined {
  const { count, first, last, gcd } = summary;
  // steps beyond 2^53 are not exact in JavaScript: read from the database as before
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return undefined;
  if (count === 1 && first === last) return { first, last, stride: 1 };
  if (count < 2 || gcd === null || gcd <= 0) return undefined;
  if ((last - first) / gcd !== count - 1) return undefined;
  return { first, last, stride: gcd };
}

/** Whether a grid holds a step. */
function onGrid(grid: StepGrid, step: number): boolean {
  return step >= grid.first && step <= grid.last && (step - grid.first) % grid.stride === 0;
}

/**
 * The summary once `added`, steps that were not among the summarised ones (distinct), are logged too.
 *
 * Example: `{ count: 3, first: 0, last: 2, gcd: 1 }` plus `[5, 4, 3]` → `{ count: 6, first: 0, last: 5, gcd: 1 }`.
 */
export function withNewSteps(summary: StepSummary | undefined, added: readonly number[]): StepSummary {
  if (added.length === 0) {
    if (summary === undefined) throw new Error('withNewSteps: no summary and no step');
    return summary;
  }
  // gcd of the differences from any one member: the old first step, or the first new one for a new summary
  const anchor = summary?.first ?? added[0]!;
  let gcd = summary === undefined ? 0 : summary.gcd;
  let first = summary?.first ?? anchor;
  let last = summary?.last ?? anchor;
  for (const step of added) {
    if (gcd !== null) gcd = gcdOf(gcd, step - anchor);
    if (step < first) first = step;
    if (step > last) last = step;
  }
  return { count: (summary?.count ?? 0) + added.length, first, last, gcd };
}

function toSummary(r: {
  step_count: number | string;
  first_step: number | string;
  last_step: number | string;
  step_gcd: number | string | null;
}): StepSummary {
  return {
    count: Number(r.step_count),
    first: Number(r.first_step),
    last: Number(r.last_step),
    gcd: r.step_gcd === null ? null : Number(r.step_gcd),
  };
}

/** Keys (and their steps) per query when looking up which steps a run already has: far below bound-parameter limits. */
const lookupChunk = 500;

/** SQL for `metric_step_summaries`, kept in the transaction of every write to `metrics`. */
export const metricStepSummaryStore = {
  /**
   * Brings the summaries of a run's keys up to date with `steps` (per key, the steps about to be inserted): call
   * inside the write's transaction, BEFORE the points are inserted. On PostgreSQL each key's summary row is locked
   * first (an upsert that leaves it as it was), so that concurrent writers of the same run and key take turns and
   * each one reads the summary and the steps the other committed (READ COMMITTED); SQLite's transactions hold the
   * write lock from their start (BEGIN IMMEDIATE, src/db/sqlite-dialect.ts), so a read is enough there. A
   * step is new unless the summary's grid holds it or, for a summary that is not a grid, the metrics table has
   * it already.
   */
  async recordSteps(db: Db, runId: string, steps: ReadonlyMap<string, ReadonlySet<number>>): Promise<void> {
    if (steps.size === 0) return;
    const keys = [...steps.keys()].sort();
    const current = new Map<string, StepSummary>();
    const columns = ['key', 'step_count', 'first_step', 'last_step', 'step_gcd'] as const;
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    for (const slice of chunks(keys, 1000)) {
      const rows = postgres
        ? await db
            .insertInto('metric_step_summaries')
            .values(
              slice.map((key) => ({
                run_uuid: runId,
                key,
                step_count: 0,
                first_step: 0,
                last_step: 0,
                step_gcd: 0,
              })),
            )
            .onConflict((oc) =>
              oc
                .columns(['run_uuid', 'key'])
                .doUpdateSet({ step_count: sql<number>`metric_step_summaries.step_count` }),
            )
            .returning(columns)
            .execute()
        : // SQLite: the transaction holds the database's write lock since its BEGIN IMMEDIATE
          await db
            .selectFrom('metric_step_summaries')
            .select(columns)
            .where('run_uuid', '=', runId)
            .where('key', 'in', slice)
            .execute();
      for (const r of rows) if (Number(r.step_count) > 0) current.set(r.key, toSummary(r));
    }

    // Keys whose summary cannot tell which steps exist: looked up in the metrics table, keys with the same steps
    // together (the usual batch: several keys at the same steps).
    const lookups = new Map<string, { keys: string[]; steps: number[] }>();
    for (const key of keys) {
      const summary = current.get(key);
      if (summary === undefined || gridOf(summary) !== undefined) continue;
      const list = [...steps.get(key)!].sort((a, b) => a - b);
      const id = list.join(',');
      const group = lookups.get(id);
      if (group === undefined) lookups.set(id, { keys: [key], steps: list });
      else group.keys.push(key);
    }
    const existing = new Set<string>();
    for (const { keys: group, steps: list } of lookups.values()) {
      for (const keySlice of chunks(group, lookupChunk)) {
        for (const stepSlice of chunks(list, lookupChunk)) {
          const rows = await db
            .selectFrom('metrics')
            .select(['key', 'step'])
            .distinct()
            .where('run_uuid', '=', runId)
            .where('key', 'in', keySlice)
            .where('step', 'in', stepSlice)
            .execute();
          for (const r of rows) existing.add(`${Number(r.step)}\u0000${r.key}`);
        }
      }
    }

    const updated = keys.map((key) => {
      const summary = current.get(key);
      const grid = summary === undefined ? undefined : gridOf(summary);
      const added = [...steps.get(key)!].filter((step) =>
        summary === undefined
          ? true
          : grid !== undefined
            ? !onGrid(grid, step)
            : !existing.has(`${step}\u0000${key}`),
      );
      const next = withNewSteps(summary, added);
      return {
        run_uuid: runId,
        key,
        step_count: next.count,
        first_step: next.first,
        last_step: next.last,
        step_gcd: next.gcd,
      };
    });
    for (const slice of chunks(updated, 1000)) {
      await db
        .insertInto('metric_step_summaries')
        .values(slice)
        .onConflict((oc) =>
          oc.columns(['run_uuid', 'key']).doUpdateSet((eb) => ({
            step_count: eb.ref('excluded.step_count'),
            first_step: eb.ref('excluded.first_step'),
            last_step: eb.ref('excluded.last_step'),
            step_gcd: eb.ref('excluded.step_gcd'),
          })),
        )
        .execute();
    }
  },

  /** The summaries of one key of several runs, by run id (a run without the key, or without a row, is absent). */
  async ofRuns(db: Db, runIds: readonly string[], key: string): Promise<Map<string, StepSummary>> {
    const out = new Map<string, StepSummary>();
    for (const slice of chunks([...new Set(runIds)], 1000)) {
      const rows = await db
        .selectFrom('metric_step_summaries')
        .select(['run_uuid', 'step_count', 'first_step', 'last_step', 'step_gcd'])
        .where('run_uuid', 'in', slice)
        .where('key', '=', key)
        .execute();
      for (const r of rows) if (Number(r.step_count) > 0) out.set(r.run_uuid, toSummary(r));
    }
    return out;
  },
};
