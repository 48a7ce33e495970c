import { experimentIdValue, visibilityCondition, type Visibility } from './visibility.js';
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import type { ViewType } from './view-type.js';
import type { ExperimentFilterClause, ExperimentOrderAttribute, ExperimentOrderClause } from './ast.js';
import { parseExperimentFilter, parseExperimentOrderBy } from './experiment-filter.js';
import { compareInteger, compareString } from './sql-conditions.js';
import { searchDialectOf, type SearchDialect } from './sql-dialect.js';

export interface ExperimentSearchQuery {
  viewType: ViewType;
  /** Only experiments the caller may read (absent: all). */
  visibility?: Visibility;
  filter?: string;
  orderBy?: string[];
  offset: number;
  limit: number;
}

const experimentColumn: Record<ExperimentOrderAttribute, RawBuilder<unknown>> = {
  name: sql.ref('experiments.name'),
  experiment_id: sql.ref('experiments.experiment_id'),
  creation_time: sql.ref('experiments.creation_time'),
  last_update_time: sql.ref('experiments.last_update_time'),
};
const experimentId = sql.ref('experiments.experiment_id');

function experimentCondition(clause: ExperimentFilterClause, dialect: SearchDialect): RawBuilder<SqlBool> {
  if (clause.entity === 'tag') {
    const c = clause.condition;
    if (c.kind === 'null') {
      const exists = sql`select 1 from experiment_tags t where t.experiment_id = ${experimentId} and t.key = ${clause.key}`;
      return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
    }
    return sql<SqlBool>`${experimentId} in (select t.experiment_id from experiment_tags t
      where t.key = ${clause.key} and ${compareString(sql.ref('t.value'), c, dialect)})`;
  }
  if (clause.key === 'name') return compareString(experimentColumn.name, clause.condition, dialect);
  return compareInteger(experimentColumn[clause.key], clause.condition);
}

/**
 * Returns a query selecting `experiment_id` of the matching experiments in search order, offset and limit
 * applied. Default order is `creation_time DESC, experiment_id ASC`; with an explicit order-by that lacks
 * experiment_id, `experiment_id DESC` breaks ties (both as MLflow's SQL store does).
 */
export function buildExperimentSearchQuery(
  db: Kysely<Database>,
  q: ExperimentSearchQuery,
): SelectQueryBuilder<Database, 'experiments', { experiment_id: number }> {
  const filter = parseExperimentFilter(q.filter);
  const parsedOrder = parseExperimentOrderBy(q.orderBy);
  const dialect = searchDialectOf(db);

  let query = db.selectFrom('experiments').select('experiments.experiment_id');
  if (q.viewType === 'ACTIVE_ONLY') query = query.where('experiments.lifecycle_stage', '=', 'active');
  else if (q.viewType === 'DELETED_ONLY') query = query.where('experiments.lifecycle_stage', '=', 'deleted');
  for (const clause of filter) query = query.where(experimentCondition(clause, dialect));
  if (q.visibility) {
    query = query.where(visibilityCondition(experimentColumn.experiment_id, q.visibility, experimentIdValue));
  }

  const order: ExperimentOrderClause[] =
    parsedOrder.length > 0
      ? [...parsedOrder]
      : [
          { entity: 'attribute', key: 'creation_time', ascending: false },
          { entity: 'attribute', key: 'experiment_id', ascending: true },
        ];
  if (!order.some((o) => o.key === 'experiment_id')) {
    order.push({ entity: 'attribute', key: 'experiment_id', ascending: false });
  }
  for (const o of order) {
    const column = experimentColumn[o.key];
    const expr = o.key === 'name' ? dialect.binaryOrder(column) : column;
    query = query.orderBy(expr, o.ascending ? 'asc' : 'desc');
  }
  return query.limit(q.limit).offset(q.offset);
}
