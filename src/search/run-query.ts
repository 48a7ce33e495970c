import {
  sql,
  type AliasedRawBuilder,
  type Kysely,
  type RawBuilder,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import type { Database } from '../db/index.js';
import type { ViewType } from './view-type.js';
import type { RunFilterAst, RunFilterClause, RunOrderAst } from './ast.js';
import { parseRunFilter, parseRunOrderBy } from './run-filter.js';
import {
  joinOrderRows,
  orderByTerms,
  orderTable,
  runColumn,
  runSortTerms,
  runUuid,
  selectSortKeys,
  termsOfClause,
  type OrderTerm,
  type RunIdQuery,
} from './run-order.js';
import { rowSortKey, sortsAfter, type SortKey, type SortValue } from './run-sort-key.js';
import { alwaysFalse, compareInteger, compareMetric, compareString } from './sql-conditions.js';
import { searchDialectOf, type SearchDialect } from './sql-dialect.js';

export interface RunSearchQuery {
  experimentIds: number[];
  viewType: ViewType;
  filter?: string;
  orderBy?: string[];
  /** Runs skipped before the page (after `after`, when given): 0 for keyset pages. */
  offset: number;
  limit: number;
  /** Keyset paging: only runs that sort strictly after this sort key (see `rowSortKey`, `decodeRunPageStart`). */
  after?: SortKey;
  /**
   * How many index entries a bounded index walk may read before the general plan takes over; default
   * `walkBound(offset, limit)`. Tests set it small to cross the bound on few rows.
   */
  walkEntries?: number;
  /**
   * Columns computed on each run's `runs` row (aliased `r`) and returned with the page's rows in the same
   * statement (`RunSearchRow.run`): how a caller loads the page's runs without a second query (see
   * tracking/run-loader.ts).
   */
  runColumns?: readonly AliasedRawBuilder<unknown, string>[];
}

const DATASET_CONTEXT_TAG = 'mlflow.data.context';

function keyValueTable(entity: 'param' | 'tag'): RawBuilder<unknown> {
  return sql.table(orderTable[entity]);
}

/**
 * How a positive keyed clause reads its table: `list` as `run_uuid IN (subquery)` on the (key, value) indexes,
 * so a selective filter reads only matching rows (the plan for a search that must look at every run); `probe`
 * as EXISTS on the primary key (run_uuid, key), one lookup per candidate run (the plan for an index walk that
 * stops once its page is full).
 */
type ConditionStyle = 'list' | 'probe';

/**
 * One filter clause as a condition on the outer `runs` row, in the given style; `IS NULL` always uses NOT EXISTS
 * on the primary key.
 */
function runCondition(
  clause: RunFilterClause,
  dialect: SearchDialect,
  style: ConditionStyle,
): RawBuilder<SqlBool> {
  switch (clause.entity) {
    case 'metric': {
      const c = clause.condition;
      if (c.kind === 'null') {
        const exists = sql`select 1 from latest_metrics lm where lm.run_uuid = ${runUuid} and lm.key = ${clause.key}`;
        return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
      }
      const test = compareMetric(sql.ref('lm.value'), sql.ref('lm.is_nan'), c);
      return style === 'probe'
        ? sql<SqlBool>`exists (select 1 from latest_metrics lm
            where lm.run_uuid = ${runUuid} and lm.key = ${clause.key} and ${test})`
        : sql<SqlBool>`${runUuid} in (select lm.run_uuid from latest_metrics lm
            where lm.key = ${clause.key} and ${test})`;
    }
    case 'param':
    case 'tag': {
      const table = keyValueTable(clause.entity);
      const c = clause.condition;
      if (c.kind === 'null') {
        const exists = sql`select 1 from ${table} kv where kv.run_uuid = ${runUuid} and kv.key = ${clause.key}`;
        return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
      }
      const test = compareString(sql.ref('kv.value'), c, dialect);
      return style === 'probe'
        ? sql<SqlBool>`exists (select 1 from ${table} kv
            where kv.run_uuid = ${runUuid} and kv.key = ${clause.key} and ${test})`
        : sql<SqlBool>`${runUuid} in (select kv.run_uuid from ${table} kv
            where kv.key = ${clause.key} and ${test})`;
    }
    case 'attribute': {
      const column = runColumn[clause.key];
      const c = clause.condition;
      return c.kind === 'numeric' ? compareInteger(column, c) : compareString(column, c, dialect);
    }
    case 'dataset': {
      const c = clause.condition;
      const test =
        clause.key === 'context'
          ? dialect.jsonTagMatches(sql.ref('ri.tags'), DATASET_CONTEXT_TAG, (v) =>
              compareString(v, c, dialect),
            )
          : compareString(clause.key === 'name' ? sql.ref('d.name') : sql.ref('d.digest'), c, dialect);
      return sql<SqlBool>`exists (select 1 from run_inputs ri join datasets d on d.dataset_uuid = ri.dataset_uuid
        where ri.run_uuid = ${runUuid} and ${test})`;
    }
  }
}

/** The runs in scope that pass the filter, before ordering. */
function filteredRuns(
  db: Kysely<Database>,
  q: RunSearchQuery,
  filter: RunFilterAst,
  dialect: SearchDialect,
  style: ConditionStyle,
): RunIdQuery {
  let query: RunIdQuery = db.selectFrom('runs').select('runs.run_uuid');
  const listed =
    style === 'list' &&
    dialect.hideScopeFromLists &&
    filter.some((c) => c.entity !== 'attribute' && c.condition.kind !== 'null');
  const experiment = listed ? sql`+${sql.ref('runs.experiment_id')}` : sql.ref('runs.experiment_id');
  query =
    q.experimentIds.length === 0
      ? query.where(alwaysFalse)
      : query.where(sql<SqlBool>`${experiment} in (${sql.join(q.experimentIds)})`);
  if (q.viewType === 'ACTIVE_ONLY') query = query.where('runs.lifecycle_stage', '=', 'active');
  else if (q.viewType === 'DELETED_ONLY') query = query.where('runs.lifecycle_stage', '=', 'deleted');
  for (const clause of filter) query = query.where(runCondition(clause, dialect, style));
  return query;
}

/**
 * The leading sort key of a search that an index yields in order within one experiment: a metric's value
 * (index latest_metrics_experiment_key_value) or the start time (index runs_experiment_start, also MLflow's
 * default order). Undefined when the search leads with anything else.
 */
type Walk = { kind: 'metric'; key: string; ascending: boolean } | { kind: 'start_time'; ascending: boolean };

function leadingWalk(order: RunOrderAst): Walk | undefined {
  const first = order[0];
  if (first === undefined) return { kind: 'start_time', ascending: false };
  if (first.entity === 'metric') return { kind: 'metric', key: first.key, ascending: first.ascending };
  if (first.entity === 'attribute' && first.key === 'start_time') {
    return { kind: 'start_time', ascending: first.ascending };
  }
  return undefined;
}

/**
 * How many index entries a walk may cover: enough for a page at a filter that keeps one run in 20 or more, small
 * enough that a walk which comes back short costs little next to the general plan that follows it.
 */
export function walkBound(offset: number, limit: number): number {
  return Math.max(1000, 20 * (offset + limit));
}

/** At most this many experiments are searched by one index walk each, merged; more go to the general plan. */
export const MAX_WALKED_EXPERIMENTS = 20;

/** One run of a page with its sort key (one value per term of `runSortTerms`). */
export interface RunSearchRow {
  run_uuid: string;
  key: SortKey;
  /** With `RunSearchQuery.runColumns`: the run's `runs` row and those columns. */
  run?: Record<string, unknown>;
}

/** One experiment's walk: its candidate query (sort keys selected, ordered, limited) and how far it reads. */
interface ExperimentWalk {
  query: RunIdQuery;
  /** The lead key's value at the walk's bound; undefined when the walk may read to the index's end. */
  boundary: number | bigint | undefined;
}

/**
 * The walk of one experiment: runs whose leading key lies between `from` (the page start's, when paging by
 * key) and `boundary`, the key's value `walkEntries` index entries further (ties included), probed against the
 * filters and sorted. The candidates are therefore every matching run of a stretch of the experiment's search
 * order, and the engines read them as an index scan that stops when `limit` rows are found.
 */
async function experimentWalk(
  db: Kysely<Database>,
  q: RunSearchQuery,
  experimentId: number,
  walk: Walk,
  from: number | bigint | undefined,
  page: { filter: RunFilterAst; order: RunOrderAst; terms: readonly OrderTerm[]; dialect: SearchDialect },
  slice: { offset: number; limit: number },
): Promise<ExperimentWalk> {
  const { filter, order, terms, dialect } = page;
  const position = Math.max(1, q.walkEntries ?? walkBound(q.offset, q.limit)) - 1;
  const direction = walk.ascending ? 'asc' : 'desc';
  const within = sql.raw(walk.ascending ? '<=' : '>=');
  const onward = sql.raw(walk.ascending ? '>=' : '<=');
  let query = filteredRuns(db, { ...q, experimentIds: [experimentId] }, filter, dialect, 'probe');
  let orderTerms: readonly OrderTerm[];
  let boundary: number | bigint | undefined;
  if (walk.kind === 'metric') {
    let bound = db
      .selectFrom('latest_metrics')
      .select('value')
      .where('experiment_id', '=', experimentId)
      .where('key', '=', walk.key)
      .where('is_nan', '=', 0);
    if (from !== undefined) bound = bound.where(sql<SqlBool>`value ${onward} ${from}`);
    const row = dialect.boundedWalk
      ? await bound.orderBy('value', direction).limit(1).offset(position).executeTakeFirst()
      : undefined;
    boundary = row === undefined ? undefined : Number(row.value);
    const on = sql<SqlBool>`${sql.ref('o0.run_uuid')} = ${runUuid} and ${sql.ref('o0.key')} = ${walk.key}`;
    query = query.innerJoin(sql.table('latest_metrics').as('o0'), (join) =>
      join.on(on),
    ) as unknown as RunIdQuery;
    query = query.where(sql<SqlBool>`${sql.ref('o0.experiment_id')} = ${experimentId}`);
    query = query.where(sql<SqlBool>`${sql.ref('o0.is_nan')} = 0`);
    if (boundary !== undefined)
      query = query.where(sql<SqlBool>`${sql.ref('o0.value')} ${within} ${boundary}`);
    if (from !== undefined) query = query.where(sql<SqlBool>`${sql.ref('o0.value')} ${onward} ${from}`);
    query = joinOrderRows(query, order, 1);
    const lead: OrderTerm = {
      expr: sql.ref('o0.value'),
      ascending: walk.ascending,
      nullable: false,
      kind: 'real',
      binary: false,
    };
    orderTerms = [lead, ...terms.slice(termsOfClause(order, 0))];
  } else {
    let bound = db.selectFrom('runs').select('start_time').where('experiment_id', '=', experimentId);
    if (from !== undefined) bound = bound.where(sql<SqlBool>`start_time ${onward} ${from}`);
    const row = dialect.boundedWalk
      ? await bound.orderBy('start_time', direction).limit(1).offset(position).executeTakeFirst()
      : undefined;
    boundary = row === undefined ? undefined : BigInt(String(row.start_time));
    if (boundary !== undefined)
      query = query.where(sql<SqlBool>`${sql.ref('runs.start_time')} ${within} ${boundary}`);
    if (from !== undefined)
      query = query.where(sql<SqlBool>`${sql.ref('runs.start_time')} ${onward} ${from}`);
    query = joinOrderRows(query, order, 0);
    orderTerms = terms;
  }
  if (q.after !== undefined) query = query.where(sortsAfter(terms, q.after));
  query = selectSortKeys(orderByTerms(query, orderTerms), terms).limit(slice.limit).offset(slice.offset);
  return { query, boundary };
}

/** Runs `fn` on `db` as it is. */
function run<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return fn(db);
}

/** Whether lead value `value` lies at or before `boundary` in the walk's direction. */
function withinBoundary(value: SortValue, boundary: number | bigint, ascending: boolean): boolean {
  if (value === null || typeof value === 'string') return false;
  return ascending ? value <= boundary : value >= boundary;
}

/**
 * One page by walking the leading sort key's index, or undefined when the walk cannot prove it has the page.
 * Each experiment in scope (up to MAX_WALKED_EXPERIMENTS) is walked on its own (see `experimentWalk`); several
 * walks are merged by one outer sort of their candidates. Every run an experiment's walk did not read sorts after
 * that walk's boundary (ties included in the walk), and every run it read but cut off sorts after `offset + limit`
 * of its own candidates, so a full page whose last run lies within every walk's boundary is exactly the page of
 * the whole search. A start-time walk whose every experiment was read to the end is complete even when short.
 * Runs whose metric is NaN or missing sort after every value, so a metric walk never answers a page that reaches
 * them (nor one starting after such a run); the caller's general plan does. Paging by key (`after`) starts each
 * walk at the key, so the cost of a page does not grow with its depth.
 */
async function walkedPage(
  db: Kysely<Database>,
  q: RunSearchQuery,
  walk: Walk,
  page: { filter: RunFilterAst; order: RunOrderAst; terms: readonly OrderTerm[]; dialect: SearchDialect },
): Promise<RunSearchRow[] | undefined> {
  const ids = [...new Set(q.experimentIds)];
  if (ids.length === 0 || ids.length > MAX_WALKED_EXPERIMENTS) return undefined;
  const leadIndex = walk.kind === 'metric' ? 1 : 0;
  let from: number | bigint | undefined;
  if (q.after !== undefined) {
    if (walk.kind === 'metric' && q.after[0] !== 0n) return undefined; // the page starts among NaN / missing
    const lead = q.after[leadIndex];
    if (lead === null || lead === undefined || typeof lead === 'string') return undefined;
    from = lead;
  }
  const single = ids.length === 1;
  const slice = single ? { offset: q.offset, limit: q.limit } : { offset: 0, limit: q.offset + q.limit };
  // a walk from a page token's key runs in a walk session (on PostgreSQL: no parallel workers; see SearchDialect)
  const session = q.after !== undefined ? page.dialect.walkSession.bind(page.dialect) : run;
  const { walks, raw } = await session(db, async (session) => {
    const walks: ExperimentWalk[] = [];
    for (const id of ids) walks.push(await experimentWalk(session, q, id, walk, from, page, slice));
    const raw = single
      ? await fetchPage(session, (walks[0] as ExperimentWalk).query, page.terms, page.dialect, q.runColumns)
      : await fetchPage(
          session,
          mergedWalks(session, walks, page.terms, page.dialect, q),
          page.terms,
          page.dialect,
          q.runColumns,
        );
    return { walks, raw };
  });
  const rows = raw.map((r) => searchRow(r, page.terms, q.runColumns));
  if (walk.kind === 'start_time' && walks.every((w) => w.boundary === undefined)) return rows;
  const last = rows[rows.length - 1];
  if (rows.length !== q.limit || last === undefined) return undefined;
  const lead = last.key[leadIndex] ?? null;
  const proven = walks.every(
    (w) => w.boundary === undefined || withinBoundary(lead, w.boundary, walk.ascending),
  );
  return proven ? rows : undefined;
}

/** The candidates of several experiments' walks in one search order, offset and limit applied. */
function mergedWalks(
  db: Kysely<Database>,
  walks: ExperimentWalk[],
  terms: readonly OrderTerm[],
  dialect: SearchDialect,
  q: RunSearchQuery,
): RunIdQuery {
  const members = walks.map((w, i) => db.selectFrom(w.query.as(`w${i}`)).selectAll());
  let union = members[0] as (typeof members)[number];
  for (const m of members.slice(1)) union = union.unionAll(m);
  const merged = orderBySortKeys(db.selectFrom(union.as('u')).selectAll(), 'u', terms, dialect);
  return merged.limit(q.limit).offset(q.offset) as unknown as RunIdQuery;
}

/** Orders a query over a page's rows (aliased `alias`, with their sort keys `k0`, `k1`, ...) in search order. */
function orderBySortKeys<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  alias: string,
  terms: readonly OrderTerm[],
  dialect: SearchDialect,
): SelectQueryBuilder<DB, TB, O> {
  let ordered = query;
  terms.forEach((t, i) => {
    const column = sql.ref(`${alias}.k${i}`);
    ordered = ordered.orderBy(t.binary ? dialect.binaryOrder(column) : column, (ob) => {
      const directed = t.ascending ? ob.asc() : ob.desc();
      return t.nullable ? directed.nullsLast() : directed;
    });
  });
  return ordered;
}

/**
 * Runs `page` (run ids with their sort keys, ordered and limited). With `columns`, the same statement joins each
 * run's `runs` row (aliased `r`) to the page and computes the columns on it, in the page's order: the columns
 * are computed for the page's runs only, never for the candidates a walk or a sort passed over.
 */
async function fetchPage(
  db: Kysely<Database>,
  page: RunIdQuery,
  terms: readonly OrderTerm[],
  dialect: SearchDialect,
  columns: readonly AliasedRawBuilder<unknown, string>[] | undefined,
): Promise<Record<string, unknown>[]> {
  if (columns === undefined) return page.execute();
  const joined = db
    .selectFrom(page.as('p'))
    .innerJoin('runs as r', 'r.run_uuid', 'p.run_uuid')
    .selectAll('r')
    .selectAll('p')
    .select([...columns]);
  return orderBySortKeys(joined, 'p', terms, dialect).execute();
}

/** A fetched row as a page row: its run id, its sort key and, when columns were asked for, the row itself. */
function searchRow(
  row: Record<string, unknown>,
  terms: readonly OrderTerm[],
  columns: readonly AliasedRawBuilder<unknown, string>[] | undefined,
): RunSearchRow {
  const out: RunSearchRow = { run_uuid: String(row.run_uuid), key: rowSortKey(row, terms) };
  if (columns !== undefined) out.run = row;
  return out;
}

/** A run search ready to run: `execute()` returns the runs of the requested page with their sort keys. */
export interface RunSearchPlan {
  execute(): Promise<RunSearchRow[]>;
}

/**
 * Plans a search for the run ids of one page (after `after` when given, offset and limit applied), in search
 * order, each with its sort key. Order: the given order-by clauses (missing keys last in either direction), then
 * `start_time DESC` unless start_time was ordered already, then `run_uuid ASC` unless run_id was. Throws
 * InvalidParameterError for a bad filter/order-by (at once, before anything runs).
 *
 * A search of up to MAX_WALKED_EXPERIMENTS experiments led by a metric or by the start time first walks that
 * key's index (see `walkedPage`); when the walk cannot prove its page, the general plan answers: every matching
 * run (after `after`), joined and sorted.
 *
 * Example: `await buildRunSearchQuery(db, { experimentIds: [1], viewType: 'ACTIVE_ONLY',
 *   filter: "metrics.acc > 0.9", orderBy: ['metrics.acc DESC'], offset: 0, limit: 100 }).execute()`.
 */
export function buildRunSearchQuery(db: Kysely<Database>, q: RunSearchQuery): RunSearchPlan {
  const filter = parseRunFilter(q.filter);
  const order = parseRunOrderBy(q.orderBy);
  const dialect = searchDialectOf(db);
  const terms = runSortTerms(order, dialect);
  const walk = leadingWalk(order);
  const general = async (): Promise<RunSearchRow[]> => {
    let query = joinOrderRows(filteredRuns(db, q, filter, dialect, 'list'), order, 0);
    if (q.after !== undefined) query = query.where(sortsAfter(terms, q.after));
    const page = selectSortKeys(orderByTerms(query, terms), terms).limit(q.limit).offset(q.offset);
    const rows = await fetchPage(db, page, terms, dialect, q.runColumns);
    return rows.map((r) => searchRow(r, terms, q.runColumns));
  };
  return {
    async execute() {
      const walked = walk ? await walkedPage(db, q, walk, { filter, order, terms, dialect }) : undefined;
      return walked ?? general();
    },
  };
}
