import { sql, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import type { RunOrderAst, RunOrderAttribute, RunOrderClause, RunStringAttribute } from './ast.js';
import type { SearchDialect } from './sql-dialect.js';

/** How a sort key's value is typed: integers (times, ranks), doubles (metric values) and strings. */
export type SortKeyKind = 'int' | 'real' | 'text';

/** One ORDER BY term of a run search. */
export interface OrderTerm {
  expr: RawBuilder<unknown>;
  ascending: boolean;
  /** Whether the term can be NULL; a nullable term always sorts its NULLs last, in either direction. */
  nullable: boolean;
  kind: SortKeyKind;
  /** Whether `expr` is wrapped by the dialect's `binaryOrder` (so a copy of its value must be wrapped too). */
  binary: boolean;
}

/** A query selecting run ids, on which the search joins, filters and orders. */
export type RunIdQuery = SelectQueryBuilder<Database, 'runs', { run_uuid: string }>;

/** Attribute to column: a closed map, so attribute names never reach SQL as text. */
export const runColumn: Record<RunOrderAttribute, RawBuilder<unknown>> = {
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

export const runUuid = sql.ref('runs.run_uuid');
export const orderTable = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;

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

function clauseTerms(clause: RunOrderClause, alias: string, dialect: SearchDialect): OrderTerm[] {
  const dir = clause.ascending;
  switch (clause.entity) {
    case 'attribute': {
      const column = runColumn[clause.key];
      if (stringAttributes.has(clause.key)) {
        return [
          { expr: dialect.binaryOrder(column), ascending: dir, nullable: false, kind: 'text', binary: true },
        ];
      }
      return [
        { expr: column, ascending: dir, nullable: clause.key === 'end_time', kind: 'int', binary: false },
      ];
    }
    case 'metric': {
      // Values first, then NaN, then runs without the metric, in both directions (as MLflow orders them).
      const isNan = sql.ref(`${alias}.is_nan`);
      return [
        { expr: sql`coalesce(${isNan}, 2)`, ascending: true, nullable: false, kind: 'int', binary: false },
        {
          expr: sql`case when ${isNan} = 0 then ${sql.ref(`${alias}.value`)} end`,
          ascending: dir,
          nullable: true,
          kind: 'real',
          binary: false,
        },
      ];
    }
    case 'param':
    case 'tag':
      return [
        {
          expr: dialect.binaryOrder(sql.ref(`${alias}.value`)),
          ascending: dir,
          nullable: true,
          kind: 'text',
          binary: true,
        },
      ];
  }
}

/**
 * The full sort of a run search, term by term: each order-by clause's terms (clause `i` reads its joined row as
 * `o{i}`), then `start_time DESC` unless start_time was ordered already, then `run_uuid ASC` unless run_id was.
 * The terms always include the run id, so the sort is total: no two runs share a sort key.
 */
export function runSortTerms(order: RunOrderAst, dialect: SearchDialect): OrderTerm[] {
  const terms = order.flatMap((c, i) => clauseTerms(c, `o${i}`, dialect));
  if (!order.some((c) => c.entity === 'attribute' && c.key === 'start_time')) {
    terms.push({
      expr: sql.ref('runs.start_time'),
      ascending: false,
      nullable: false,
      kind: 'int',
      binary: false,
    });
  }
  if (!order.some((c) => c.entity === 'attribute' && c.key === 'run_id')) {
    terms.push({ expr: runUuid, ascending: true, nullable: false, kind: 'text', binary: false });
  }
  return terms;
}

/** How many sort terms clause `index` of `order` contributes (a metric two: rank, value; others one). */
export function termsOfClause(order: RunOrderAst, index: number): number {
  return order[index]?.entity === 'metric' ? 2 : 1;
}

/** LEFT JOINs the rows that the order-by clauses from `skip` on read (metrics, params, tags). */
export function joinOrderRows(query: RunIdQuery, order: RunOrderAst, skip: number): RunIdQuery {
  order.forEach((c, i) => {
    if (i >= skip && c.entity !== 'attribute')
      query = joinKeyRow(query, orderTable[c.entity], `o${i}`, c.key);
  });
  return query;
}

/** Applies `terms` as the ORDER BY, NULLs of nullable terms last. */
export function orderByTerms(query: RunIdQuery, terms: readonly OrderTerm[]): RunIdQuery {
  for (const t of terms) {
    query = query.orderBy(t.expr, (ob) => {
      const directed = t.ascending ? ob.asc() : ob.desc();
      return t.nullable ? directed.nullsLast() : directed;
    });
  }
  return query;
}

/** Selects each term's value as `k0`, `k1`, ... next to run_uuid: the row's sort key, for the next page token. */
export function selectSortKeys(query: RunIdQuery, terms: readonly OrderTerm[]): RunIdQuery {
  if (terms.length === 0) return query;
  return query.select(terms.map((t, i) => t.expr.as(`k${i}`))) as unknown as RunIdQuery;
}
