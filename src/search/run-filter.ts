import { InvalidParameterError } from '../shared/index.js';
import type {
  DatasetField,
  RunFilterAst,
  RunFilterClause,
  RunNumericAttribute,
  RunOrderAst,
  RunOrderAttribute,
  RunOrderClause,
  RunStringAttribute,
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
import { parseRawFilter, parseRawOrderBy, type RawClause } from './syntax-parser.js';

type RunEntity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

const runEntityAliases: Readonly<Record<string, RunEntity>> = {
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
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};
const runEntityNames = ['metric', 'parameter', 'tag', 'attribute', 'dataset'];

/** Attribute names as users may write them, mapped to the canonical attribute. */
const runAttributeAliases: Readonly<Record<string, RunOrderAttribute>> = {
  run_id: 'run_id',
  run_name: 'run_name',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
  user_id: 'user_id',
  status: 'status',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  created: 'start_time',
  Created: 'start_time',
  end_time: 'end_time',
};
const runAttributeNames = Object.keys(runAttributeAliases);

const datasetFields: readonly DatasetField[] = ['name', 'digest', 'context'];

function isNumericAttribute(key: RunOrderAttribute): key is RunNumericAttribute {
  return key === 'start_time' || key === 'end_time';
}

function runAttribute(key: string): RunOrderAttribute {
  const attribute = Object.hasOwn(runAttributeAliases, key) ? runAttributeAliases[key] : undefined;
  if (attribute === undefined) throw invalidAttributeKey(key, runAttributeNames);
  return attribute;
}

function runClause(clause: RawClause): RunFilterClause {
  const { key } = clause.identifier;
  const entity = resolveEntity(clause.identifier, runEntityAliases, 'attribute', runEntityNames);
  switch (entity) {
    case 'metric':
    case 'param':
    case 'tag':
      return keyedClause(entity, key, clause);
    case 'attribute': {
      const attribute = runAttribute(key);
      if (isNumericAttribute(attribute)) {
        return { entity, key: attribute, condition: numericAttributeCondition(clause, key) };
      }
      const condition = stringCondition(clause, {
        what: 'attributes',
        allowIn:
          attribute === 'run_id'
            ? true
            : "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
      });
      return { entity, key: attribute as RunStringAttribute, condition: withoutNull(condition, clause) };
    }
    case 'dataset': {
      if (!(datasetFields as readonly string[]).includes(key)) {
        throw new InvalidParameterError(
          `Invalid dataset key '${key}' specified. Valid keys are '{'name', 'digest', 'context'}'`,
        );
      }
      const condition = stringCondition(clause, { what: 'dataset attributes', allowIn: true });
      return { entity, key: key as DatasetField, condition: withoutNull(condition, clause) };
    }
  }
}

/**
 * Parses a search-runs filter such as `metrics.acc > 0.9 AND params.model = 'gpt' AND attributes.status = 'FINISHED'`.
 * Throws InvalidParameterError (INVALID_PARAMETER_VALUE) for anything MLflow would reject.
 */
export function parseRunFilter(filter: string | undefined): RunFilterAst {
  return parseRawFilter(filter).map(runClause);
}

/**
 * Parses search-runs `order_by` entries such as `metrics.acc DESC`, `params.lr`, `attributes.start_time ASC`.
 * The implicit `start_time DESC, run_id ASC` tie-breaks are added by the SQL translation, not here.
 */
export function parseRunOrderBy(orderBy: readonly string[] | undefined): RunOrderAst {
  const clauses = (orderBy ?? []).map((text): RunOrderClause => {
    const { identifier, ascending } = parseRawOrderBy(text);
    const entity = resolveEntity(identifier, runEntityAliases, 'attribute', runEntityNames);
    if (entity === 'dataset') {
      throw new InvalidParameterError(`Invalid order_by entity type 'dataset' in order_by clause '${text}'`);
    }
    if (entity === 'attribute') return { entity, key: runAttribute(identifier.key), ascending };
    return { entity, key: identifier.key, ascending };
  });
  assertNoDuplicateOrderFields(
    clauses.map((c) => `${c.entity}\u0000${c.key}`),
    orderBy ?? [],
  );
  return clauses;
}
