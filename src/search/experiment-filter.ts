import { InvalidParameterError } from '../shared/index.js';
import type {
  ExperimentFilterAst,
  ExperimentFilterClause,
  ExperimentOrderAst,
  ExperimentOrderAttribute,
  ExperimentOrderClause,
} from './ast.js';
import {
  assertNoDuplicateOrderFields,
  invalidAttributeKey,
  numericAttributeCondition,
  resolveEntity,
  stringCondition,
  withoutIn,
} from './conditions.js';
import { parseRawFilter, parseRawOrderBy, type RawClause } from './syntax-parser.js';

type ExperimentEntity = 'attribute' | 'tag';

const experimentEntityAliases: Readonly<Record<string, ExperimentEntity>> = {
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  tag: 'tag',
  tags: 'tag',
};
const experimentEntityNames = ['attribute', 'tag', 'tags'];

const filterAttributes = ['name', 'creation_time', 'last_update_time'] as const;
const orderAttributes: readonly ExperimentOrderAttribute[] = [
  'name',
  'experiment_id',
  'creation_time',
  'last_update_time',
];

function experimentClause(clause: RawClause): ExperimentFilterClause {
  const { key } = clause.identifier;
  const entity = resolveEntity(
    clause.identifier,
    experimentEntityAliases,
    'attribute',
    experimentEntityNames,
  );
  if (entity === 'tag') {
    return {
      entity,
      key,
      condition: withoutIn(stringCondition(clause, { what: 'tag', allowNull: true }), clause),
    };
  }
  if (key === 'name') {
    const condition = withoutIn(stringCondition(clause, { what: 'attributes' }), clause);
    if (condition.kind === 'null') throw new InvalidParameterError("'name' does not support IS NULL");
    return { entity, key, condition };
  }
  if (key === 'creation_time' || key === 'last_update_time') {
    return { entity, key, condition: numericAttributeCondition(clause, key) };
  }
  throw invalidAttributeKey(key, filterAttributes);
}

/** Parses a search-experiments filter such as `name LIKE 'prod-%' AND tags.team = 'vision'`. */
export function parseExperimentFilter(filter: string | undefined): ExperimentFilterAst {
  return parseRawFilter(filter).map(experimentClause);
}

/** Parses search-experiments `order_by` entries (`name`, `experiment_id`, `creation_time`, `last_update_time`). */
export function parseExperimentOrderBy(orderBy: readonly string[] | undefined): ExperimentOrderAst {
  const clauses = (orderBy ?? []).map((text): ExperimentOrderClause => {
    const { identifier, ascending } = parseRawOrderBy(text);
    const entity = resolveEntity(identifier, experimentEntityAliases, 'attribute', experimentEntityNames);
    if (entity !== 'attribute') throw new InvalidParameterError(`Invalid order_by entity: ${entity}`);
    const key = orderAttributes.find((a) => a === identifier.key);
    if (key === undefined) throw invalidAttributeKey(identifier.key, orderAttributes);
    return { entity, key, ascending };
  });
  assertNoDuplicateOrderFields(
    clauses.map((c) => c.key),
    orderBy ?? [],
  );
  return clauses;
}
