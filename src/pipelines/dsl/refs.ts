import type { ItemType } from '../spec/type-schemas.js';
import type { TypeName, TypeSpec } from '../spec/value-types.js';
import { formatExpression, type CompareOp, type Constant, type Expression } from '../spec/when-expression.js';

/** Kinds a number compares with, a string compares with. */
type Numeric = 'int' | 'float';
type Textual = 'string' | 'enum';

/** What may stand on the other side of a comparison with a reference of kind K. */
export type Operand<K extends TypeName> = K extends Numeric
  ? number | Ref<Numeric>
  : K extends Textual
    ? string | Ref<Textual>
    : K extends 'bool'
      ? boolean | Ref<'bool'>
      : never;

/**
 * A value a step can read: a parameter, another step's output, the fan-out item, `pipeline.status`. Its kind is
 * a type parameter, so binding a float output to an int input, or comparing an artifact, does not compile.
 *
 * @example
 * const accurate = evaluate.outputs.accuracy.gte(minAccuracy); // a Condition for `when`
 */
export class Ref<K extends TypeName = TypeName> {
  /** Only for the type checker: the kind of value this refers to. */
  declare readonly kind: K;

  constructor(
    /** The reference as the document writes it: `steps.train.outputs.model`. */
    readonly path: string,
    /** Its type, without constraints. */
    readonly type: TypeSpec,
    /** The fan-out group (its first step) this is a per-item value of, if any. */
    readonly group?: string,
  ) {}

  eq(other: Operand<K>): Condition {
    return compare(this, '==', other);
  }

  ne(other: Operand<K>): Condition {
    return compare(this, '!=', other);
  }

  gt(this: Ref<Numeric | Textual>, other: number | string | Ref<Numeric | Textual>): Condition {
    return compare(this, '>', other);
  }

  gte(this: Ref<Numeric | Textual>, other: number | string | Ref<Numeric | Textual>): Condition {
    return compare(this, '>=', other);
  }

  lt(this: Ref<Numeric | Textual>, other: number | string | Ref<Numeric | Textual>): Condition {
    return compare(this, '<', other);
  }

  lte(this: Ref<Numeric | Textual>, other: number | string | Ref<Numeric | Textual>): Condition {
    return compare(this, '<=', other);
  }

  /** `item in [0.1, 0.01]`, or in a list-typed reference. */
  in(values: readonly Constant[] | Ref<'list'>): Condition {
    return compare(this, 'in', values);
  }

  notIn(values: readonly Constant[] | Ref<'list'>): Condition {
    return compare(this, 'not in', values);
  }

  /** A bool reference as a condition of its own. */
  isTrue(this: Ref<'bool'>): Condition {
    return new Condition({ kind: 'ref', text: this.path, offset: 0 }, [this]);
  }
}

/** A `when` condition, built from references; prints as the canonical condition text. */
export class Condition {
  constructor(
    readonly expression: Expression,
    /** The references it reads (the builder checks each one is visible from the step). */
    readonly refs: readonly Ref[],
  ) {}

  and(...others: Condition[]): Condition {
    return join('and', [this, ...others]);
  }

  or(...others: Condition[]): Condition {
    return join('or', [this, ...others]);
  }

  toString(): string {
    return formatExpression(this.expression);
  }
}

/** `not condition`. */
export function not(condition: Condition): Condition {
  return new Condition({ kind: 'not', operand: condition.expression, offset: 0 }, condition.refs);
}

function join(kind: 'and' | 'or', conditions: Condition[]): Condition {
  const operands = conditions.flatMap((c) =>
    c.expression.kind === kind ? c.expression.operands : [c.expression],
  );
  return new Condition(
    { kind, operands, offset: 0 },
    conditions.flatMap((c) => c.refs),
  );
}

function operand(value: unknown, refs: Ref[]): Expression {
  if (value instanceof Ref) {
    refs.push(value);
    return { kind: 'ref', text: value.path, offset: 0 };
  }
  if (Array.isArray(value)) {
    return { kind: 'list', items: value.map((v: Constant) => ({ value: v, offset: 0 })), offset: 0 };
  }
  return { kind: 'constant', value: value as Constant, offset: 0 };
}

function compare(left: Ref, op: CompareOp, right: unknown): Condition {
  const refs: Ref[] = [];
  const l = operand(left, refs);
  const r = operand(right, refs);
  return new Condition({ kind: 'compare', op, left: l, right: r, offset: 0 }, refs);
}

/** The element type of a list reference (for the fan-out item). */
export function elementType(ref: Ref): ItemType | undefined {
  return ref.type.type === 'list' ? ref.type.items : undefined;
}
