import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import type {
  LoggedModelFilterClause,
  LoggedModelOrderAttribute,
  LoggedModelOrderByInput,
  LoggedModelOrderClause,
} from './ast.js';
import { parseLoggedModelFilter, parseLoggedModelOrderBy } from './logged-model-filter.js';
import { alwaysFalse, compareInteger, compareMetric, compareString } from './sql-conditions.js';
import { searchDialectOf, type SearchDialect } from './sql-dialect.js';

/** A dataset a search is narrowed to (MLflow's `datasets` clause): its name, and its digest when given. */
export interface LoggedModelDataset {
  datasetName: string;
  datasetDigest?: string;
}

export interface LoggedModelSearchQuery {
  experimentIds: number[];
  filter?: string;
  /** Only models with a metric on one of these datasets; metric filters read only those datasets' points. */
  datasets?: readonly LoggedModelDataset[];
  orderBy?: LoggedModelOrderByInput[];
  offset: number;
  limit: number;
}

const modelColumn: Record<LoggedModelOrderAttribute, RawBuilder<unknown>> = {
  name: sql.ref('logged_models.name'),
  model_id: sql.ref('logged_models.model_id'),
  model_type: sql.ref('logged_models.model_type'),
  status: sql.ref('logged_models.status'),
  source_run_id: sql.ref('logged_models.source_run_id'),
  creation_timestamp: sql.ref('logged_models.creation_time'),
  last_updated_timestamp: sql.ref('logged_models.last_updated_time'),
};
const modelId = sql.ref('logged_models.model_id');

/**
 * Whether metric row `alias` was logged on one of `datasets` (always true without datasets): name equal, and
 * digest equal when the entry gives one.
 */
function onDatasets(alias: string, datasets: readonly LoggedModelDataset[]): RawBuilder<SqlBool> {
  if (datasets.length === 0) return sql<SqlBool>`1 = 1`;
  const name = sql.ref(`${alias}.dataset_name`);
  const digest = sql.ref(`${alias}.dataset_digest`);
  return sql<SqlBool>`(${sql.join(
    datasets.map((d) =>
      d.datasetDigest === undefined
        ? sql`${name} = ${d.datasetName}`
        : sql`(${name} = ${d.datasetName} and ${digest} = ${d.datasetDigest})`,
    ),
    sql` or `,
  )})`;
}

/** No later point (by timestamp, then step) of the same metric, on the searched datasets, exists for row `m`. */
function isLatestPoint(datasets: readonly LoggedModelDataset[]): RawBuilder<SqlBool> {
  return sql<SqlBool>`not exists (select 1 from logged_model_metrics n
  where n.model_id = m.model_id and n.key = m.key and ${onDatasets('n', datasets)}
    and (n.timestamp > m.timestamp or (n.timestamp = m.timestamp and n.step > m.step)))`;
}

function modelCondition(
  clause: LoggedModelFilterClause,
  dialect: SearchDialect,
  datasets: readonly LoggedModelDataset[],
): RawBuilder<SqlBool> {
  switch (clause.entity) {
    case 'metric': {
      const c = clause.condition;
      const onSearched = onDatasets('m', datasets);
      if (c.kind === 'null') {
        const exists = sql`select 1 from logged_model_metrics m where m.model_id = ${modelId} and m.key = ${clause.key} and ${onSearched}`;
        return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
      }
      return sql<SqlBool>`exists (select 1 from logged_model_metrics m
        where m.model_id = ${modelId} and m.key = ${clause.key} and ${onSearched}
          and ${compareMetric(sql.ref('m.value'), sql.ref('m.is_nan'), c)} and ${isLatestPoint(datasets)})`;
    }
    case 'param':
    case 'tag': {
      const table =
        clause.entity === 'param' ? sql.table('logged_model_params') : sql.table('logged_model_tags');
      const c = clause.condition;
      const where = sql`kv.model_id = ${modelId} and kv.key = ${clause.key}`;
      if (c.kind === 'null') {
        const exists = sql`select 1 from ${table} kv where ${where}`;
        return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
      }
      return sql<SqlBool>`exists (select 1 from ${table} kv
        where ${where} and ${compareString(sql.ref('kv.value'), c, dialect)})`;
    }
    case 'attribute': {
      const c = clause.condition;
      return c.kind === 'numeric'
        ? compareInteger(modelColumn[clause.key], c)
        : compareString(modelColumn[clause.key], c, dialect);
    }
  }
}

interface OrderTerm {
  expr: RawBuilder<unknown>;
  ascending: boolean;
  nullsLast: boolean;
}

function modelOrderTerms(clause: LoggedModelOrderClause, dialect: SearchDialect): OrderTerm[] {
  if (clause.entity === 'attribute') {
    const column = modelColumn[clause.key];
    const numeric = clause.key === 'creation_timestamp' || clause.key === 'last_updated_timestamp';
    return [
      { expr: numeric ? column : dialect.binaryOrder(column), ascending: clause.ascending, nullsLast: true },
    ];
  }
  const conditions = [sql`m.model_id = ${modelId}`, sql`m.key = ${clause.key}`];
  if (clause.datasetName !== undefined) conditions.push(sql`m.dataset_name = ${clause.datasetName}`);
  if (clause.datasetDigest !== undefined) conditions.push(sql`m.dataset_digest = ${clause.datasetDigest}`);
  const latest = (column: RawBuilder<unknown>): RawBuilder<unknown> =>
    sql`(select ${column} from logged_model_metrics m where ${sql.join(conditions, sql` and `)}
      order by m.timestamp desc, m.step desc limit 1)`;
  return [
    { expr: sql`coalesce(${latest(sql`m.is_nan`)}, 2)`, ascending: true, nullsLast: false },
    {
      expr: latest(sql`case when m.is_nan = 1 then null else m.value end`),
      ascending: clause.ascending,
      nullsLast: true,
    },
  ];
}

/**
 * Returns a query selecting `model_id` of the matching, non-deleted logged models in search order, offset and
 * limit applied. Metric filters and orderings read each model's latest point per key (by timestamp, then step);
 * with `datasets`, only models with a metric on one of them match, and metric filters read those datasets' points.
 * Ties are broken by `creation_timestamp DESC` then `model_id ASC`, unless ordered already.
 */
export function buildLoggedModelSearchQuery(
  db: Kysely<Database>,
  q: LoggedModelSearchQuery,
): SelectQueryBuilder<Database, 'logged_models', { model_id: string }> {
  const filter = parseLoggedModelFilter(q.filter);
  const order = parseLoggedModelOrderBy(q.orderBy);
  const dialect = searchDialectOf(db);

  let query = db
    .selectFrom('logged_models')
    .select('logged_models.model_id')
    .where('logged_models.lifecycle_stage', '=', 'active');
  query =
    q.experimentIds.length === 0
      ? query.where(alwaysFalse)
      : query.where('logged_models.experiment_id', 'in', q.experimentIds);
  const datasets = q.datasets ?? [];
  if (datasets.length > 0) {
    query = query.where(
      sql<SqlBool>`exists (select 1 from logged_model_metrics m where m.model_id = ${modelId} and ${onDatasets('m', datasets)})`,
    );
  }
  for (const clause of filter) query = query.where(modelCondition(clause, dialect, datasets));

  const terms = order.flatMap((c) => modelOrderTerms(c, dialect));
  const ordered = (key: LoggedModelOrderAttribute): boolean =>
    order.some((o) => o.entity === 'attribute' && o.key === key);
  if (!ordered('creation_timestamp'))
    terms.push({ expr: modelColumn.creation_timestamp, ascending: false, nullsLast: false });
  if (!ordered('model_id')) terms.push({ expr: modelId, ascending: true, nullsLast: false });
  for (const t of terms) {
    query = query.orderBy(t.expr, (ob) => {
      const directed = t.ascending ? ob.asc() : ob.desc();
      return t.nullsLast ? directed.nullsLast() : directed;
    });
  }
  return query.limit(q.limit).offset(q.offset);
}
