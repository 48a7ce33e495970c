import { InvalidParameterError } from '../../shared/index.js';
import {
  parseExpression,
  validateValue,
  type Expression,
  type ParamSpec,
  type PipelineSpec,
} from '../spec/index.js';

/**
 * Reads a parameter given as text on a command line (`-p rows=150`) as its declared type: numbers and bools from
 * their spelling, lists from JSON (`-p lrs=[0.1,0.01]`), strings and enums as written.
 */
export function paramFromText(spec: ParamSpec, name: string, text: string): unknown {
  switch (spec.type) {
    case 'string':
    case 'enum':
      return text;
    case 'int':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) {
        throw new InvalidParameterError(`Parameter '${name}': '${text}' is not a number`);
      }
      return n;
    }
    case 'bool':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new InvalidParameterError(`Parameter '${name}': '${text}' is not true or false`);
    case 'list':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new InvalidParameterError(`Parameter '${name}': '${text}' is not a JSON list such as [1, 2]`);
      }
  }
}

/**
 * The parameters of a run: the given ones checked against their types, the others from their defaults.
 * InvalidParameterError names an unknown parameter, a missing one without a default, or a bad value.
 */
export function resolveParams(spec: PipelineSpec, given: Record<string, unknown>): Record<string, unknown> {
  const declared = spec.params ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      const known = Object.keys(declared);
      throw new InvalidParameterError(
        `Pipeline '${spec.name}' has no parameter '${name}'${known.length > 0 ? ` (it has: ${known.join(', ')})` : ''}`,
      );
    }
  }
  const params: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(declared)) {
    const value = name in given ? given[name] : param.default;
    if (value === undefined) {
      throw new InvalidParameterError(
        `Pipeline '${spec.name}' needs parameter '${name}' (it has no default)`,
      );
    }
    const problem = validateValue(param, value);
    if (problem !== undefined) throw new InvalidParameterError(`Parameter '${name}': ${problem}`);
    params[name] = value;
  }
  return params;
}

/** A value as it goes into a command line or an environment variable: text as is, anything else as JSON. */
export function valueToText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What a reference in a condition is: its value, or absent (the step that makes it was skipped or failed). */
export type Lookup = (reference: string) => { value: unknown } | { missing: string };

/**
 * Evaluates a `when` condition (already checked by validate) against the run's values. `missing` names the
 * reference whose value does not exist (its step was skipped): the step is then skipped too.
 */
export function evaluateCondition(text: string, lookup: Lookup): { result: boolean } | { missing: string } {
  const expression = parseExpression(text);
  class Missing {
    constructor(readonly reference: string) {}
  }
  const value = (e: Expression): unknown => {
    switch (e.kind) {
      case 'constant':
        return e.value;
      case 'list':
        return e.items.map((i) => i.value);
      case 'ref': {
        const found = lookup(e.text);
        if ('missing' in found) throw new Missing(found.missing);
        return found.value;
      }
      case 'not':
        return !truthy(value(e.operand));
      case 'and':
        return e.operands.every((o) => truthy(value(o)));
      case 'or':
        return e.operands.some((o) => truthy(value(o)));
      case 'compare': {
        const left = value(e.left);
        const right = value(e.right);
        switch (e.op) {
          case '==':
            return left === right;
          case '!=':
            return left !== right;
          case '<':
            return (left as number) < (right as number);
          case '<=':
            return (left as number) <= (right as number);
          case '>':
            return (left as number) > (right as number);
          case '>=':
            return (left as number) >= (right as number);
          case 'in':
            return Array.isArray(right) && right.includes(left);
          case 'not in':
            return Array.isArray(right) && !right.includes(left);
        }
      }
    }
  };
  try {
    return { result: truthy(value(expression)) };
  } catch (err) {
    if (err instanceof Missing) return { missing: err.reference };
    throw err;
  }
}

function truthy(value: unknown): boolean {
  return value === true;
}
