import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import type { ViewType } from './view-type.js';
import type {
  RunFilterAst,
  RunFilterClause,
  RunOrderAst,
  RunOrderAttribute,
  RunOrderClause,
  RunStringAttribute,
} from './ast.js';
import { parseRunFilter, parseRunOrderBy } from './run-filter.js';
import { alwaysFalse, compareInteger, compareMetric, compareString } from './sql-conditions.js';
import { searchDialectOf, type SearchDialect } from './sql-dialect.js';

export interface RunSearchQuery {
  experimentIds: number[];
  viewType: ViewType;
  filter?: string;
  orderBy?: string[];
  offset: number;
  limit: number;
  /**
   * How many index entries a bounded index walk may read before the general plan takes over; default
   * `walkBound(offset, limit)`. Tests set it small to cross the bound on few rows.
   */
  walkEntries?: number;
}

/** Attribute to column: a closed map, so attribute names never reach SQL as text. */
const runColumn: Record<RunOrderAttribute, RawBuilder<unknown>> = {
  run_id: sql.ref('runs.run_uuid'),
  run_name: sql.ref('runs.name'),
  user_id: sql.ref('runs.user_id'),
  status: sql.ref('runs.status'),
  artifact_uri: sql.ref('runs.artifact_uri'),
  start_time: sql.ref('runs.start_time'),
  end_time: sql.ref('runs.end_time'),
};

const stringAttributes: ReadonlySet<RunOrderAttribute> = new Set<RunStringAttribute>([
  'run_id',
  'run_name',
  'user_id',
  'status',
  'artifact_uri',
]);

const runUuid = sql.ref('runs.run_uuid');
const orderTable = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;
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

interface OrderTerm {
  expr: RawBuilder<unknown>;
  ascending: boolean;
  nullsLast: boolean;
}

type RunIdQuery = SelectQueryBuilder<Database, 'runs', { run_uuid: string }>;

/**
 * LEFT JOINs the row of `table` holding `key` for each run, under a generated alias (`o0`, `o1`, ...). The
 * primary key (run_uuid, key) makes it at most one row, and a join lets PostgreSQL hash instead of probing once
 * per run. The joined table is read only through `sql.ref`, so the query keeps its declared shape.
 */
function joinKeyRow(
  query: RunIdQuery,
  table: 'latest_metrics' | 'params' | 'tags',
  alias: string,
  key: string,
): RunIdQuery {
  const on = sql<SqlBool>`${sql.ref(`${alias}.run_uuid`)} = ${runUuid} and ${sql.ref(`${alias}.key`)} = ${key}`;
  return query.leftJoin(sql.table(table).as(alias), (join) => join.on(on)) as unknown as RunIdQuery;
}

function runOrderTerms(clause: RunOrderClause, alias: string, dialect: SearchDialect): OrderTerm[] {
  const dir = clause.ascending;
  switch (clause.entity) {
    case 'attribute': {
      const column = runColumn[clause.key];
      const expr = stringAttributes.has(clause.key) ? dialect.binaryOrder(column) : column;
      return [{ expr, ascending: dir, nullsLast: clause.key === 'end_time' }];
    }
    case 'metric': {
      // Values first, then NaN, then runs without the metric, in both directions (as MLflow orders them).
      const isNan = sql.ref(`${alias}.is_nan`);
      return [
        { expr: sql`coalesce(${isNan}, 2)`, ascending: true, nullsLast: false },
        {
          expr: sql`case when ${isNan} = 0 then ${sql.ref(`${alias}.value`)} end`,
          ascending: dir,
          nullsLast: true,
        },
      ];
    }
    case 'param':
    case 'tag':
      return [{ expr: dialect.binaryOrder(sql.ref(`${alias}.value`)), ascending: dir, nullsLast: true }];
  }
}

/** Applies the order-by clauses from `skip` on after the `lead` terms, then the implicit tie-breaks. */
function applyOrder(
  query: RunIdQuery,
  order: RunOrderAst,
  lead: OrderTerm[],
  skip: number,
  dialect: SearchDialect,
): RunIdQuery {
  const terms = [...lead];
  order.forEach((c, i) => {
    if (i < skip) return;
    const alias = `o${i}`;
    if (c.entity !== 'attribute') query = joinKeyRow(query, orderTable[c.entity], alias, c.key);
    terms.push(...runOrderTerms(c, alias, dialect));
  });
  if (!order.some((c) => c.entity === 'attribute' && c.key === 'start_time')) {
    terms.push({ expr: sql.ref('runs.start_time'), ascending: false, nullsLast: false });
  }
  if (!order.some((c) => c.entity === 'attribute' && c.key === 'run_id')) {
    terms.push({ expr: runUuid, ascending: true, nullsLast: false });
  }
  for (const t of terms) {
    query = query.orderBy(t.expr, (ob) => {
      const directed = t.ascending ? ob.asc() : ob.desc();
      return t.nullsLast ? directed.nullsLast() : directed;
    });
  }
  return query;
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

/**
 * One page by walking the leading sort key's index from its start, or undefined when the walk cannot prove it
 * has the page. The walk is bounded: `boundary` is the key's value `walkBound` entries into the index, and only
 * runs at or before it (ties included) are candidates, so the candidates are every run of a prefix of the
 * search order. A full page from that prefix is therefore exactly the page of the whole search. The engines run
 * it as an index scan that probes the filters run by run (EXISTS on primary keys) and stops when the page is
 * full, so its cost follows the runs read, not the runs in the experiment. Runs whose metric is NaN or missing
 * sort after every value, so a metric walk never answers a page that reaches them; the caller's general plan does.
 */
async function walkedPage(
  db: Kysely<Database>,
  q: RunSearchQuery,
  walk: Walk,
  filter: RunFilterAst,
  order: RunOrderAst,
  dialect: SearchDialect,
): Promise<{ run_uuid: string }[] | undefined> {
  const experimentId = q.experimentIds[0];
  if (experimentId === undefined || q.experimentIds.length !== 1) return undefined;
  const position = Math.max(1, q.walkEntries ?? walkBound(q.offset, q.limit)) - 1;
  const direction = walk.ascending ? 'asc' : 'desc';
  const within = sql.raw(walk.ascending ? '<=' : '>=');
  let query = filteredRuns(db, q, filter, dialect, 'probe');
  let complete: boolean;
  if (walk.kind === 'metric') {
    const boundary = !dialect.boundedWalk
      ? undefined
      : await db
          .selectFrom('latest_metrics')
          .select('value')
          .where('experiment_id', '=', experimentId)
          .where('key', '=', walk.key)
          .where('is_nan', '=', 0)
          .orderBy('value', direction)
          .limit(1)
          .offset(position)
          .executeTakeFirst();
    const on = sql<SqlBool>`${sql.ref('o0.run_uuid')} = ${runUuid} and ${sql.ref('o0.key')} = ${walk.key}`;
    query = query.innerJoin(sql.table('latest_metrics').as('o0'), (join) =>
      join.on(on),
    ) as unknown as RunIdQuery;
    query = query.where(sql<SqlBool>`${sql.ref('o0.experiment_id')} = ${experimentId}`);
    query = query.where(sql<SqlBool>`${sql.ref('o0.is_nan')} = 0`);
    if (boundary !== undefined)
      query = query.where(sql<SqlBool>`${sql.ref('o0.value')} ${within} ${boundary.value}`);
    const lead: OrderTerm = { expr: sql.ref('o0.value'), ascending: walk.ascending, nullsLast: false };
    query = applyOrder(query, order, [lead], 1, dialect);
    complete = false; // NaN and missing values follow the walked ones
  } else {
    const boundary = !dialect.boundedWalk
      ? undefined
      : await db
          .selectFrom('runs')
          .select('start_time')
          .where('experiment_id', '=', experimentId)
          .orderBy('start_time', direction)
          .limit(1)
          .offset(position)
          .executeTakeFirst();
    if (boundary !== undefined) {
      query = query.where(sql<SqlBool>`${sql.ref('runs.start_time')} ${within} ${boundary.start_time}`);
    }
    query = applyOrder(query, order, [], 0, dialect);
    complete = boundary === undefined; // every run of the experiment was a candidate
  }
  const rows = await query.limit(q.limit).offset(q.offset).execute();
  return rows.length === q.limit || complete ? rows : undefined;
}

/** A run search ready to run: `execute()` returns the run ids of the requested page, in search order. */
export interface RunSearchPlan {
  execute(): Promise<{ run_uuid: string }[]>;
}

/**
 * Plans a search for the run ids of one page (offset and limit applied), in search order.
 * Order: the given order-by clauses (missing keys last in either direction), then `start_time DESC` unless
 * start_time was ordered already, then `run_uuid ASC`. Throws InvalidParameterError for a bad filter/order-by
 * (at once, before anything runs).
 *
 * A search of one experiment led by a metric or by the start time first walks that key's index (see
 * `walkedPage`); when the walk cannot prove its page, the general plan answers: every matching run, joined and
 * sorted.
 *
 * Example: `await buildRunSearchQuery(db, { experimentIds: [1], viewType: 'ACTIVE_ONLY',
 *   filter: "metrics.acc > 0.9", orderBy: ['metrics.acc DESC'], offset: 0, limit: 100 }).execute()`.
 */
export function buildRunSearchQuery(db: Kysely<Database>, q: RunSearchQuery): RunSearchPlan {
  const filter = parseRunFilter(q.filter);
  const order = parseRunOrderBy(q.orderBy);
  const dialect = searchDialectOf(db);
  const walk = leadingWalk(order);
  const general = (): Promise<{ run_uuid: string }[]> =>
    applyOrder(filteredRuns(db, q, filter, dialect, 'list'), order, [], 0, dialect)
      .limit(q.limit)
      .offset(q.offset)
      .execute();
  return {
    async execute() {
      const walked = walk ? await walkedPage(db, q, walk, filter, order, dialect) : undefined;
      return walked ?? general();
    },
  };
}
