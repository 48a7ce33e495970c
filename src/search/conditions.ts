import { InvalidParameterError } from '../shared/index.js';
import type {
  InCondition,
  NullCondition,
  NumericComparator,
  NumericCondition,
  StringComparator,
  StringCondition,
} from './ast.js';
import type { RawClause, RawIdentifier, RawValue } from './syntax-parser.js';

/**
 * Checks shared by every search: which comparators and value types an entity accepts. The messages follow
 * MLflow's wording so that clients and users see what they would see against an MLflow server.
 */

const numericComparators: readonly NumericComparator[] = ['=', '!=', '<', '<=', '>', '>='];
const stringComparators: readonly StringComparator[] = ['=', '!=', 'LIKE', 'ILIKE'];

function listOf(items: readonly string[]): string {
  return `{${items.map((i) => `'${i}'`).join(', ')}}`;
}

function comparatorOf(clause: RawClause): string {
  const p = clause.predicate;
  switch (p.kind) {
    case 'compare':
      return p.op;
    case 'in':
      return p.negated ? 'NOT IN' : 'IN';
    case 'null':
      return p.negated ? 'IS NOT NULL' : 'IS NULL';
  }
}

export function invalidComparator(clause: RawClause, allowed: readonly string[]): InvalidParameterError {
  return new InvalidParameterError(
    `Invalid comparator '${comparatorOf(clause)}' not one of '${listOf(allowed)}' in clause '${clause.text}'`,
  );
}

function quotedStringExpected(what: string, value: RawValue): InvalidParameterError {
  if (value.kind === 'bare') {
    return new InvalidParameterError(
      `Parameter value is either not quoted or unidentified quote types used for string value ${value.text}. ` +
        'Use either single or double quotes.',
    );
  }
  return new InvalidParameterError(
    `Expected a quoted string value for ${what} (e.g. 'my-value'). Got value ${value.text}`,
  );
}

export interface ConditionRules {
  /** Describes the left-hand side in messages, e.g. `metric` or `numeric attribute: start_time`. */
  what: string;
  allowNull?: boolean;
  /** Set when `IN`/`NOT IN` lists are accepted; otherwise the message to give when one is used. */
  allowIn?: true | string;
}

/** `=, !=, <, <=, >, >=` against an unquoted number (plus `IS [NOT] NULL` when allowed). */
export function numericCondition(clause: RawClause, rules: ConditionRules): NumericCondition | NullCondition {
  const p = clause.predicate;
  const allowed = rules.allowNull ? [...numericComparators, 'IS NULL', 'IS NOT NULL'] : numericComparators;
  if (p.kind === 'null') {
    if (!rules.allowNull) throw invalidComparator(clause, allowed);
    return { kind: 'null', negated: p.negated };
  }
  if (p.kind === 'in' || !numericComparators.includes(p.op as NumericComparator)) {
    throw invalidComparator(clause, allowed);
  }
  if (p.value.kind !== 'number') {
    throw new InvalidParameterError(`Expected numeric value type for ${rules.what}. Found ${p.value.text}`);
  }
  return { kind: 'numeric', op: p.op as NumericComparator, value: p.value.value };
}

/** `=, !=, LIKE, ILIKE` against a quoted string, plus `IS [NOT] NULL` and `[NOT] IN (...)` when allowed. */
export function stringCondition(
  clause: RawClause,
  rules: ConditionRules,
): StringCondition | NullCondition | InCondition {
  const p = clause.predicate;
  const allowed: string[] = [...stringComparators];
  if (rules.allowIn === true) allowed.push('IN', 'NOT IN');
  if (rules.allowNull) allowed.push('IS NULL', 'IS NOT NULL');
  if (p.kind === 'null') {
    if (!rules.allowNull) throw invalidComparator(clause, allowed);
    return { kind: 'null', negated: p.negated };
  }
  if (p.kind === 'in') {
    if (rules.allowIn === undefined) throw invalidComparator(clause, allowed);
    if (rules.allowIn !== true) throw new InvalidParameterError(rules.allowIn);
    const values = p.values.map((v) => {
      if (v.kind !== 'string') {
        throw new InvalidParameterError(
          'While parsing a list in the query, expected string value, punctuation, or whitespace, ' +
            `but got different type in list: ${v.text}`,
        );
      }
      return v.value;
    });
    return { kind: 'in', negated: p.negated, values };
  }
  if (!stringComparators.includes(p.op as StringComparator)) throw invalidComparator(clause, allowed);
  if (p.value.kind !== 'string') throw quotedStringExpected(rules.what, p.value);
  return { kind: 'string', op: p.op as StringComparator, value: p.value.value };
}

/** Narrows a string condition for keys that never take lists. */
export function withoutIn(
  c: StringCondition | NullCondition | InCondition,
  clause: RawClause,
): StringCondition | NullCondition {
  if (c.kind === 'in') throw invalidComparator(clause, stringComparators);
  return c;
}

/** Narrows a string condition for keys that never take `IS NULL`. */
export function withoutNull(
  c: StringCondition | NullCondition | InCondition,
  clause: RawClause,
): StringCondition | InCondition {
  if (c.kind === 'null') throw invalidComparator(clause, stringComparators);
  return c;
}

/** A clause on a metric, param or tag key: the same rules in run and logged-model filters. */
export type KeyedClause =
  | { entity: 'metric'; key: string; condition: NumericCondition | NullCondition }
  | { entity: 'param' | 'tag'; key: string; condition: StringCondition | NullCondition };

export function keyedClause(entity: KeyedClause['entity'], key: string, clause: RawClause): KeyedClause {
  if (entity === 'metric') {
    return { entity, key, condition: numericCondition(clause, { what: 'metric', allowNull: true }) };
  }
  const what = entity === 'param' ? 'parameter' : 'tag';
  return { entity, key, condition: withoutIn(stringCondition(clause, { what, allowNull: true }), clause) };
}

/** A comparison on a numeric attribute (a time): numbers only, never `IS NULL`. */
export function numericAttributeCondition(clause: RawClause, key: string): NumericCondition {
  const condition = numericCondition(clause, { what: `numeric attribute: ${key}` });
  if (condition.kind === 'null') throw new InvalidParameterError(`'${key}' does not support IS NULL`);
  return condition;
}

/** Maps an entity prefix (case-insensitive) through an alias table; undefined prefix means attribute. */
export function resolveEntity<E extends string>(
  identifier: RawIdentifier,
  aliases: Readonly<Record<string, E>>,
  attribute: E,
  validNames: readonly string[],
): E {
  if (identifier.entity === undefined) return attribute;
  const entity = aliases[identifier.entity.toLowerCase()];
  if (entity === undefined) {
    throw new InvalidParameterError(
      `Invalid entity type '${identifier.entity}'. Valid values are [${validNames.map((n) => `'${n}'`).join(', ')}]`,
    );
  }
  return entity;
}

export function invalidAttributeKey(key: string, valid: readonly string[]): InvalidParameterError {
  return new InvalidParameterError(
    `Invalid attribute key '${key}' specified. Valid keys are '${listOf([...valid].sort())}'`,
  );
}

/** Rejects an order-by list that names the same field twice (after alias resolution). */
export function assertNoDuplicateOrderFields(fields: string[], orderBy: readonly string[]): void {
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f)) {
      throw new InvalidParameterError(
        `\`order_by\` contains duplicate fields: [${orderBy.map((o) => `'${o}'`).join(', ')}]`,
      );
    }
    seen.add(f);
  }
}
