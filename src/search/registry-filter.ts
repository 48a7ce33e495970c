import { modelNameValue, visibilityCondition, type Visibility } from './visibility.js';
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/index.js';
import { InvalidParameterError } from '../shared/index.js';
import type { InCondition, NullCondition, NumericCondition, StringCondition } from './ast.js';
import {
  assertNoDuplicateOrderFields,
  invalidAttributeKey,
  numericCondition,
  resolveEntity,
  stringCondition,
  withoutIn,
  withoutNull,
} from './conditions.js';
import { compareInteger, compareString } from './sql-conditions.js';
import { searchDialectOf, type SearchDialect } from './sql-dialect.js';
import { parseRawFilter, parseRawOrderBy, type RawClause } from './syntax-parser.js';

/**
 * The registry's search language: MLflow's `search_registered_models` and `search_model_versions` filters and
 * order-by lists, parsed by the shared tokenizer and syntax parser and turned into SQL here.
 *
 * Registered models: `name` (= != LIKE ILIKE), `tags.<key>` (= != LIKE ILIKE, IS [NOT] NULL);
 * order by `name`, `creation_timestamp`, `last_updated_timestamp` (alias `timestamp`).
 * Model versions: `name`, `source_path` (= != LIKE ILIKE), `run_id` (also IN / NOT IN), `version_number`
 * (numeric comparisons), `tags.<key>`; order by `name`, `version_number`, `creation_timestamp`,
 * `last_updated_timestamp` (alias `timestamp`).
 *
 * Example: `parseModelVersionFilter("name = 'rf' AND version_number >= 2 AND tags.stage ILIKE 'prod%'")`.
 */

export type RegisteredModelFilterClause =
  | { entity: 'attribute'; key: 'name'; condition: StringCondition }
  | { entity: 'tag'; key: string; condition: StringCondition | NullCondition };

export type ModelVersionFilterClause =
  | { entity: 'attribute'; key: 'name' | 'source_path'; condition: StringCondition }
  | { entity: 'attribute'; key: 'run_id'; condition: StringCondition | InCondition }
  | { entity: 'attribute'; key: 'version_number'; condition: NumericCondition }
  | { entity: 'tag'; key: string; condition: StringCondition | NullCondition };

export type RegisteredModelOrderKey = 'name' | 'creation_timestamp' | 'last_updated_timestamp';
export type ModelVersionOrderKey = RegisteredModelOrderKey | 'version_number';

export interface RegistryOrderClause<K extends string> {
  key: K;
  ascending: boolean;
}

type RegistryEntity = 'attribute' | 'tag';
const entityAliases: Readonly<Record<string, RegistryEntity>> = {
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  tag: 'tag',
  tags: 'tag',
};
const entityNames = ['attribute', 'tag', 'tags'];

/** The tag that marks prompts (MLflow keeps prompts in the registry): searches hide them unless asked. */
export const promptTagKey = 'mlflow.prompt.is_prompt';

function tagClause(clause: RawClause): {
  entity: 'tag';
  key: string;
  condition: StringCondition | NullCondition;
} {
  return {
    entity: 'tag',
    key: clause.identifier.key,
    condition: withoutIn(stringCondition(clause, { what: 'tag', allowNull: true }), clause),
  };
}

function plainString(clause: RawClause): StringCondition {
  const c = withoutNull(withoutIn(stringCondition(clause, { what: 'attributes' }), clause), clause);
  if (c.kind !== 'string') throw new InvalidParameterError(`Invalid filter clause '${clause.text}'`);
  return c;
}

export function parseRegisteredModelFilter(filter: string | undefined): RegisteredModelFilterClause[] {
  return parseRawFilter(filter).map((clause): RegisteredModelFilterClause => {
    const entity = resolveEntity(clause.identifier, entityAliases, 'attribute', entityNames);
    if (entity === 'tag') return tagClause(clause);
    if (clause.identifier.key !== 'name') throw invalidAttributeKey(clause.identifier.key, ['name']);
    return { entity, key: 'name', condition: plainString(clause) };
  });
}

const versionAttributes = ['name', 'run_id', 'source_path', 'version_number'] as const;

export function parseModelVersionFilter(filter: string | undefined): ModelVersionFilterClause[] {
  return parseRawFilter(filter).map((clause): ModelVersionFilterClause => {
    const entity = resolveEntity(clause.identifier, entityAliases, 'attribute', entityNames);
    if (entity === 'tag') return tagClause(clause);
    const key = clause.identifier.key;
    switch (key) {
      case 'name':
      case 'source_path':
        return { entity, key, condition: plainString(clause) };
      case 'run_id': {
        const c = withoutNull(stringCondition(clause, { what: 'attributes', allowIn: true }), clause);
        return { entity, key, condition: c };
      }
      case 'version_number': {
        const c = numericCondition(clause, { what: 'numeric attribute: version_number' });
        if (c.kind === 'null') throw new InvalidParameterError("'version_number' does not support IS NULL");
        return { entity, key, condition: c };
      }
      default:
        throw invalidAttributeKey(key, versionAttributes);
    }
  });
}

const orderAliases: Readonly<Record<string, ModelVersionOrderKey>> = {
  name: 'name',
  version_number: 'version_number',
  creation_timestamp: 'creation_timestamp',
  creation_time: 'creation_timestamp',
  last_updated_timestamp: 'last_updated_timestamp',
  last_updated_time: 'last_updated_timestamp',
  timestamp: 'last_updated_timestamp',
};

function parseOrder<K extends ModelVersionOrderKey>(
  orderBy: readonly string[] | undefined,
  allowed: readonly K[],
): RegistryOrderClause<K>[] {
  const clauses = (orderBy ?? []).map((text): RegistryOrderClause<K> => {
    const { identifier, ascending } = parseRawOrderBy(text);
    const entity = resolveEntity(identifier, entityAliases, 'attribute', entityNames);
    if (entity !== 'attribute') {
      throw new InvalidParameterError(
        `Invalid order_by clause '${text}': only attributes can order results.`,
      );
    }
    const key = Object.hasOwn(orderAliases, identifier.key) ? orderAliases[identifier.key] : undefined;
    if (key === undefined || !(allowed as readonly string[]).includes(key)) {
      throw invalidAttributeKey(identifier.key, allowed);
    }
    return { key: key as K, ascending };
  });
  assertNoDuplicateOrderFields(
    clauses.map((c) => c.key),
    orderBy ?? [],
  );
  return clauses;
}

export function parseRegisteredModelOrderBy(
  orderBy: readonly string[] | undefined,
): RegistryOrderClause<RegisteredModelOrderKey>[] {
  return parseOrder(orderBy, ['name', 'creation_timestamp', 'last_updated_timestamp']);
}

export function parseModelVersionOrderBy(
  orderBy: readonly string[] | undefined,
): RegistryOrderClause<ModelVersionOrderKey>[] {
  return parseOrder(orderBy, ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp']);
}

// ---- SQL ------------------------------------------------------------------------------------------------------

export interface RegistrySearchQuery {
  /** Only models (and their versions) the caller may read (absent: all). */
  visibility?: Visibility;
  filter?: string;
  orderBy?: string[];
  offset: number;
  limit: number;
}

const modelId = sql.ref('registered_models.registered_model_id');
const modelColumn: Record<RegisteredModelOrderKey, RawBuilder<unknown>> = {
  name: sql.ref('registered_models.name'),
  creation_timestamp: sql.ref('registered_models.creation_time'),
  last_updated_timestamp: sql.ref('registered_models.last_updated_time'),
};
const versionColumn: Record<ModelVersionOrderKey, RawBuilder<unknown>> = {
  name: sql.ref('registered_models.name'),
  version_number: sql.ref('model_versions.version'),
  creation_timestamp: sql.ref('model_versions.creation_time'),
  last_updated_timestamp: sql.ref('model_versions.last_updated_time'),
};

function tagCondition(
  table: 'registered_model_tags' | 'model_version_tags',
  clause: { key: string; condition: StringCondition | NullCondition },
  dialect: SearchDialect,
): RawBuilder<SqlBool> {
  const owner =
    table === 'registered_model_tags'
      ? sql`t.registered_model_id = ${modelId}`
      : sql`t.registered_model_id = model_versions.registered_model_id and t.version = model_versions.version`;
  const exists = sql`select 1 from ${sql.table(table)} t where ${owner} and t.key = ${clause.key}`;
  const c = clause.condition;
  if (c.kind === 'null')
    return c.negated ? sql<SqlBool>`exists (${exists})` : sql<SqlBool>`not exists (${exists})`;
  // `!=` also holds when the tag is absent: the 3.x client hides prompts with `tags.<prompt tag> != 'true'`.
  if (c.op === '!=') return sql<SqlBool>`not exists (${exists} and t.value = ${c.value})`;
  return sql<SqlBool>`exists (${exists} and ${compareString(sql.ref('t.value'), c, dialect)})`;
}

const modelIsPrompt = sql<SqlBool>`exists (select 1 from registered_model_tags p
  where p.registered_model_id = ${modelId} and p.key = ${promptTagKey} and lower(p.value) = 'true')`;

function mentionsPromptTag(clauses: readonly { entity: string; key: string }[]): boolean {
  return clauses.some((c) => c.entity === 'tag' && c.key === promptTagKey);
}

/**
 * Selects `registered_model_id` of the matching registered models in search order (default and tie-break:
 * name ascending), offset and limit applied. Prompts are left out unless the filter names their tag.
 */
export function buildRegisteredModelSearchQuery(
  db: Kysely<Database>,
  q: RegistrySearchQuery,
): SelectQueryBuilder<Database, 'registered_models', { registered_model_id: number }> {
  const filter = parseRegisteredModelFilter(q.filter);
  const order = parseRegisteredModelOrderBy(q.orderBy);
  const dialect = searchDialectOf(db);
  let query = db.selectFrom('registered_models').select('registered_models.registered_model_id');
  for (const clause of filter) {
    query = query.where(
      clause.entity === 'tag'
        ? tagCondition('registered_model_tags', clause, dialect)
        : compareString(modelColumn.name, clause.condition, dialect),
    );
  }
  if (!mentionsPromptTag(filter)) query = query.where(sql<SqlBool>`not ${modelIsPrompt}`);
  if (q.visibility) {
    query = query.where(visibilityCondition(sql.ref('registered_models.name'), q.visibility, modelNameValue));
  }
  if (!order.some((o) => o.key === 'name')) order.push({ key: 'name', ascending: true });
  for (const o of order) {
    const column = modelColumn[o.key];
    query = query.orderBy(
      o.key === 'name' ? dialect.binaryOrder(column) : column,
      o.ascending ? 'asc' : 'desc',
    );
  }
  return query.limit(q.limit).offset(q.offset);
}

/**
 * Selects `registered_model_id, version` of the matching model versions in search order, offset and limit
 * applied. Default order: `last_updated_timestamp DESC, name ASC, version_number DESC`; the last two break ties
 * of any explicit order. Versions of prompts are left out unless the filter names the prompt tag.
 */
export function buildModelVersionSearchQuery(
  db: Kysely<Database>,
  q: RegistrySearchQuery,
): SelectQueryBuilder<
  Database,
  'model_versions' | 'registered_models',
  { registered_model_id: number; version: number }
> {
  const filter = parseModelVersionFilter(q.filter);
  const order = parseModelVersionOrderBy(q.orderBy);
  const dialect = searchDialectOf(db);
  let query = db
    .selectFrom('model_versions')
    .innerJoin(
      'registered_models',
      'registered_models.registered_model_id',
      'model_versions.registered_model_id',
    )
    .select(['model_versions.registered_model_id', 'model_versions.version']);
  for (const clause of filter) {
    if (clause.entity === 'tag') {
      query = query.where(tagCondition('model_version_tags', clause, dialect));
      continue;
    }
    switch (clause.key) {
      case 'name':
        query = query.where(compareString(versionColumn.name, clause.condition, dialect));
        break;
      case 'source_path':
        query = query.where(compareString(sql.ref('model_versions.source'), clause.condition, dialect));
        break;
      case 'run_id':
        query = query.where(compareString(sql.ref('model_versions.run_id'), clause.condition, dialect));
        break;
      case 'version_number':
        query = query.where(compareInteger(versionColumn.version_number, clause.condition));
        break;
    }
  }
  if (!mentionsPromptTag(filter)) query = query.where(sql<SqlBool>`not ${modelIsPrompt}`);
  if (q.visibility) {
    query = query.where(visibilityCondition(sql.ref('registered_models.name'), q.visibility, modelNameValue));
  }
  if (order.length === 0) order.push({ key: 'last_updated_timestamp', ascending: false });
  if (!order.some((o) => o.key === 'name')) order.push({ key: 'name', ascending: true });
  if (!order.some((o) => o.key === 'version_number')) order.push({ key: 'version_number', ascending: false });
  for (const o of order) {
    const column = versionColumn[o.key];
    query = query.orderBy(
      o.key === 'name' ? dialect.binaryOrder(column) : column,
      o.ascending ? 'asc' : 'desc',
    );
  }
  return query.limit(q.limit).offset(q.offset);
}
