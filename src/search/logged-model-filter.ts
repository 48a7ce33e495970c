import { InvalidParameterError } from '../shared/index.js';
import type {
  LoggedModelFilterAst,
  LoggedModelFilterClause,
  LoggedModelOrderAst,
  LoggedModelOrderAttribute,
  LoggedModelOrderByInput,
  LoggedModelOrderClause,
  LoggedModelStringAttribute,
} from './ast.js';
import {
  assertNoDuplicateOrderFields,
  invalidAttributeKey,
  keyedClause,
  numericAttributeCondition,
  resolveEntity,
  stringCondition,
  withoutNull,
} from './conditions.js';
import { parseRawFilter, type RawClause } from './syntax-parser.js';

type LoggedModelEntity = 'metric' | 'param' | 'tag' | 'attribute';

const entityAliases: Readonly<Record<string, LoggedModelEntity>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
};
const entityNames = ['metric', 'parameter', 'tag', 'attribute'];

const attributeAliases: Readonly<Record<string, LoggedModelOrderAttribute>> = {
  name: 'name',
  model_id: 'model_id',
  model_type: 'model_type',
  status: 'status',
  source_run_id: 'source_run_id',
  creation_timestamp: 'creation_timestamp',
  creation_time: 'creation_timestamp',
  last_updated_timestamp: 'last_updated_timestamp',
  last_updated_time: 'last_updated_timestamp',
};
const attributeNames = Object.keys(attributeAliases);

function attributeOf(key: string): LoggedModelOrderAttribute | undefined {
  return Object.hasOwn(attributeAliases, key) ? attributeAliases[key] : undefined;
}

function loggedModelClause(clause: RawClause): LoggedModelFilterClause {
  const { key } = clause.identifier;
  const entity = resolveEntity(clause.identifier, entityAliases, 'attribute', entityNames);
  switch (entity) {
    case 'metric':
    case 'param':
    case 'tag':
      return keyedClause(entity, key, clause);
    case 'attribute': {
      const attribute = attributeOf(key);
      if (attribute === undefined) throw invalidAttributeKey(key, attributeNames);
      if (attribute === 'creation_timestamp' || attribute === 'last_updated_timestamp') {
        return { entity, key: attribute, condition: numericAttributeCondition(clause, key) };
      }
      const condition = withoutNull(stringCondition(clause, { what: 'attributes', allowIn: true }), clause);
      return { entity, key: attribute as LoggedModelStringAttribute, condition };
    }
  }
}

/**
 * Parses a search-logged-models filter, e.g. `source_run_id = '<run id>'` (what the mlflow client sends to
 * resolve `runs:/<run id>/model`) or `metrics.accuracy > 0.9 AND params.alpha = '0.5'`.
 */
export function parseLoggedModelFilter(filter: string | undefined): LoggedModelFilterAst {
  return parseRawFilter(filter).map(loggedModelClause);
}

/** Validates the structured logged-model order-by (`{fieldName: 'metrics.acc', ascending: false}`). */
export function parseLoggedModelOrderBy(
  orderBy: readonly LoggedModelOrderByInput[] | undefined,
): LoggedModelOrderAst {
  const clauses = (orderBy ?? []).map((o): LoggedModelOrderClause => {
    const ascending = o.ascending ?? true;
    if (o.datasetDigest && !o.datasetName) {
      throw new InvalidParameterError(
        '`dataset_digest` can only be specified if `dataset_name` is also specified.',
      );
    }
    const fieldName = o.fieldName.trim();
    const dot = fieldName.indexOf('.');
    if (dot >= 0) {
      const entity = fieldName.slice(0, dot);
      const key = fieldName.slice(dot + 1);
      if (entity !== 'metrics' || key === '') {
        throw new InvalidParameterError(
          `Invalid order by field name: ${entity}, only \`metrics.<name>\` is allowed.`,
        );
      }
      return {
        entity: 'metric',
        key,
        ascending,
        ...(o.datasetName ? { datasetName: o.datasetName } : {}),
        ...(o.datasetDigest ? { datasetDigest: o.datasetDigest } : {}),
      };
    }
    const key = attributeOf(fieldName);
    if (key === undefined) throw new InvalidParameterError(`Invalid order by field name: ${fieldName}.`);
    return { entity: 'attribute', key, ascending };
  });
  assertNoDuplicateOrderFields(
    clauses.map((c) =>
      c.entity === 'metric'
        ? `m\u0000${c.key}\u0000${c.datasetName ?? ''}\u0000${c.datasetDigest ?? ''}`
        : c.key,
    ),
    (orderBy ?? []).map((o) => o.fieldName),
  );
  return clauses;
}
