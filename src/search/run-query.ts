import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import type { ViewType } from './view-type.js';
import type { RunFilterClause, RunOrderAttribute, RunOrderClause, RunStringAttribute } from './ast.js';
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
 * One filter clause as a condition on the outer `runs` row. Positive clauses use `run_uuid IN (subquery)` on
 * the (key, value) indexes, so a selective filter reads only matching rows; `IS NULL` uses NOT EXISTS on the
 * primary key.
 */
function runCondition(clause: RunFilterClause, dialect: SearchDialect): RawBuilder<SqlBool> {
  switch (clause.entity) {
    case 'metric': {
      const c = clause.condition;
      if (c.kind === 'null') {
        const exists = sql`select 1 from latest_metrics lm where lm.run_uuid = ${runUuid} and lm.key = ${clause.key}`;
        return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
      }
      return sql<SqlBool>`${runUuid} in (select lm.run_uuid from latest_metrics lm
        where lm.key = ${clause.key} and ${compareMetric(sql.ref('lm.value'), sql.ref('lm.is_nan'), c)})`;
    }
    case 'param':
    case 'tag': {
      const table = keyValueTable(clause.entity);
      const c = clause.condition;
      if (c.kind === 'null') {
        const exists = sql`select 1 from ${table} kv where kv.run_uuid = ${runUuid} and kv.key = ${clause.key}`;
        return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
      }
      return sql<SqlBool>`${runUuid} in (select kv.run_uuid from ${table} kv
        where kv.key = ${clause.key} and ${compareString(sql.ref('kv.value'), c, dialect)})`;
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

/**
 * Returns a query selecting `run_uuid` of the matching runs in search order, with offset and limit applied.
 * Order: the given order-by clauses (missing keys last in either direction), then `start_time DESC` unless
 * start_time was ordered already, then `run_uuid ASC`. Throws InvalidParameterError for a bad filter/order-by.
 *
 * Example: `await buildRunSearchQuery(db, { experimentIds: [1], viewType: 'ACTIVE_ONLY',
 *   filter: "metrics.acc > 0.9", orderBy: ['metrics.acc DESC'], offset: 0, limit: 100 }).execute()`.
 */
export function buildRunSearchQuery(
  db: Kysely<Database>,
  q: RunSearchQuery,
): SelectQueryBuilder<Database, 'runs', { run_uuid: string }> {
  const filter = parseRunFilter(q.filter);
  const order = parseRunOrderBy(q.orderBy);
  const dialect = searchDialectOf(db);

  let query: RunIdQuery = db.selectFrom('runs').select('runs.run_uuid');
  query =
    q.experimentIds.length === 0
      ? query.where(alwaysFalse)
      : query.where('runs.experiment_id', 'in', q.experimentIds);
  if (q.viewType === 'ACTIVE_ONLY') query = query.where('runs.lifecycle_stage', '=', 'active');
  else if (q.viewType === 'DELETED_ONLY') query = query.where('runs.lifecycle_stage', '=', 'deleted');
  for (const clause of filter) query = query.where(runCondition(clause, dialect));

  const terms = order.flatMap((c, i) => {
    const alias = `o${i}`;
    if (c.entity !== 'attribute') query = joinKeyRow(query, orderTable[c.entity], alias, c.key);
    return runOrderTerms(c, alias, dialect);
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
  return query.limit(q.limit).offset(q.offset);
}
