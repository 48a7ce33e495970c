import type { CheckContext, StepEntry } from './check-context.js';
import type { DocPath } from './diagnostics.js';
import type { Scope } from './scope.js';
import { assignability, aType, describeType, inferItemType, type TypeSpec } from './value-types.js';
import { ExpressionError, parseExpression, type Constant, type Expression } from './when-expression.js';

const BOOL: TypeSpec = { type: 'bool' };

function constantType(value: Constant): TypeSpec {
  if (typeof value === 'string') return { type: 'string' };
  if (typeof value === 'boolean') return BOOL;
  return Number.isSafeInteger(value) ? { type: 'int' } : { type: 'float' };
}

const numeric = (t: TypeSpec) => t.type === 'int' || t.type === 'float';
const textual = (t: TypeSpec) => t.type === 'string' || t.type === 'enum';

/**
 * Checks a step's `when`: it parses, every reference resolves from this step, comparisons compare comparable
 * things, and the whole is true or false. Each upstream step it reads becomes a dependency.
 */
export function checkWhen(context: CheckContext, scope: Scope, entry: StepEntry, text: string): void {
  const path: DocPath = [...entry.path, 'when'];
  let expression: Expression;
  try {
    expression = parseExpression(text);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    context.report('expression', path, `${error.message} in condition '${text}'`, { offset: error.offset });
    return;
  }

  const fail = (offset: number, code: 'type' | 'reference', message: string) => {
    context.report(code, path, message, { offset });
    return undefined;
  };

  // The type of a part of the condition; undefined when unknown (already reported, or a broken producer).
  const typeOf = (e: Expression): TypeSpec | undefined => {
    switch (e.kind) {
      case 'constant':
        return constantType(e.value);
      case 'list': {
        const items = inferItemType(e.items.map((i) => i.value));
        if (items === undefined)
          return e.items.length === 0
            ? undefined
            : fail(e.offset, 'type', 'a list in a condition holds constants of one type');
        return { type: 'list', items };
      }
      case 'ref': {
        const resolved = scope.resolve(e.text, entry, { allowItem: true });
        if (!resolved.ok) return fail(e.offset, resolved.code, resolved.message);
        if (resolved.producer !== undefined) {
          context.edges.push({
            from: resolved.producer,
            to: entry.name,
            kind: 'when',
            output: resolved.output,
            path,
          });
        }
        if (resolved.type?.type === 'artifact') {
          return fail(e.offset, 'type', `${e.text} is an artifact: a condition reads small values only`);
        }
        return resolved.type;
      }
      case 'not':
      case 'and':
      case 'or': {
        const operands = e.kind === 'not' ? [e.operand] : e.operands;
        for (const operand of operands) {
          const t = typeOf(operand);
          if (t !== undefined && t.type !== 'bool') {
            fail(operand.offset, 'type', `'${e.kind}' needs true or false, and this is ${aType(t)}`);
          }
        }
        return BOOL;
      }
      case 'compare':
        checkComparison(e);
        return BOOL;
    }
  };

  const checkComparison = (e: Extract<Expression, { kind: 'compare' }>): void => {
    const left = typeOf(e.left);
    const right = typeOf(e.right);
    if (left === undefined || right === undefined) return;
    const both = `${describeType(left)} ${e.op} ${describeType(right)}`;
    switch (e.op) {
      case '==':
      case '!=':
        if (!comparable(left, right)) fail(e.offset, 'type', `cannot compare ${both}`);
        else checkEnumConstant(e, left, right);
        return;
      case '<':
      case '<=':
      case '>':
      case '>=':
        if (!((numeric(left) && numeric(right)) || (textual(left) && textual(right)))) {
          fail(e.offset, 'type', `cannot order ${both}: '${e.op}' compares two numbers or two strings`);
        }
        return;
      case 'in':
      case 'not in':
        if (right.type !== 'list')
          fail(e.offset, 'type', `'${e.op}' needs a list on its right, not ${aType(right)}`);
        else if (!comparable(left, right.items))
          fail(e.offset, 'type', `cannot look for ${aType(left)} in ${aType(right)}`);
        return;
    }
  };

  // `params.model == 'svm'` where model is enum(rf, gbm): a condition that can never hold is a mistake.
  const checkEnumConstant = (
    e: Extract<Expression, { kind: 'compare' }>,
    left: TypeSpec,
    right: TypeSpec,
  ): void => {
    const pairs: [TypeSpec, Expression][] = [
      [left, e.right],
      [right, e.left],
    ];
    for (const [type, other] of pairs) {
      if (
        type.type === 'enum' &&
        other.kind === 'constant' &&
        typeof other.value === 'string' &&
        !type.values.includes(other.value)
      ) {
        fail(
          other.offset,
          'type',
          `'${other.value}' is not one of ${type.values.map((v) => `'${v}'`).join(', ')}`,
        );
      }
    }
  };

  const result = typeOf(expression);
  if (result !== undefined && result.type !== 'bool') {
    context.report('type', path, `a condition must be true or false, and '${text}' is ${aType(result)}`, {
      offset: 0,
    });
  }
}

function comparable(a: TypeSpec, b: TypeSpec): boolean {
  if (numeric(a) && numeric(b)) return true;
  if (textual(a) && textual(b)) return true;
  return assignability(a, b) === undefined || assignability(b, a) === undefined;
}
