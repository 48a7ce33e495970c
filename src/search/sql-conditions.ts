import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { InCondition, NumericComparator, NumericCondition, StringCondition } from './ast.js';
import type { SearchDialect } from './sql-dialect.js';

/** Comparator text to SQL operator. A closed map: user text never becomes SQL. */
const operatorSql: Record<NumericComparator, RawBuilder<unknown>> = {
  '=': sql.raw('='),
  '!=': sql.raw('<>'),
  '<': sql.raw('<'),
  '<=': sql.raw('<='),
  '>': sql.raw('>'),
  '>=': sql.raw('>='),
};

export const alwaysFalse = sql<SqlBool>`1 = 0`;

export function and(conditions: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  return conditions.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
}

/** A comparison against a double column (metric values). */
export function compareDouble(column: Expression<unknown>, c: NumericCondition): RawBuilder<SqlBool> {
  return sql<SqlBool>`${column} ${operatorSql[c.op]} ${c.value}`;
}

const maxSafe = Number.MAX_SAFE_INTEGER;

/**
 * A comparison against an integer column (epoch milliseconds). A fractional or huge bound is turned into the
 * equivalent integer bound, so PostgreSQL never has to read `1.5` as a bigint and the column's index stays usable.
 */
export function compareInteger(column: Expression<unknown>, c: NumericCondition): RawBuilder<SqlBool> {
  const v = c.value;
  const isInt = Number.isInteger(v);
  const clamp = (x: number): number => Math.min(maxSafe, Math.max(-maxSafe, x));
  switch (c.op) {
    case '=':
      return isInt && Math.abs(v) <= maxSafe ? sql<SqlBool>`${column} = ${v}` : alwaysFalse;
    case '!=':
      return isInt && Math.abs(v) <= maxSafe
        ? sql<SqlBool>`${column} <> ${v}`
        : sql<SqlBool>`${column} is not null`;
    case '>':
      return sql<SqlBool>`${column} > ${clamp(Math.floor(v))}`;
    case '>=':
      return sql<SqlBool>`${column} >= ${clamp(Math.ceil(v))}`;
    case '<':
      return sql<SqlBool>`${column} < ${clamp(Math.ceil(v))}`;
    case '<=':
      return sql<SqlBool>`${column} <= ${clamp(Math.floor(v))}`;
  }
}

export function compareString(
  column: Expression<unknown>,
  c: StringCondition | InCondition,
  dialect: SearchDialect,
): RawBuilder<SqlBool> {
  if (c.kind === 'in') {
    const list = sql.join(c.values.map((v) => sql`${v}`));
    return c.negated ? sql<SqlBool>`${column} not in (${list})` : sql<SqlBool>`${column} in (${list})`;
  }
  switch (c.op) {
    case '=':
      return sql<SqlBool>`${column} = ${c.value}`;
    case '!=':
      return sql<SqlBool>`${column} <> ${c.value}`;
    case 'LIKE':
      return dialect.like(column, c.value, false);
    case 'ILIKE':
      return dialect.like(column, c.value, true);
  }
}

/**
 * A comparison on a metric's value that honours `is_nan`: NaN is unordered, so it satisfies only `!=`
 * (as in IEEE 754 and in MLflow's file store), never `=`, `<`, `>` and the like.
 */
export function compareMetric(
  value: Expression<unknown>,
  isNan: Expression<unknown>,
  c: NumericCondition,
): RawBuilder<SqlBool> {
  return c.op === '!='
    ? sql<SqlBool>`(${isNan} = 1 or ${compareDouble(value, c)})`
    : sql<SqlBool>`(${isNan} = 0 and ${compareDouble(value, c)})`;
}
