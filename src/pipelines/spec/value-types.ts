import type { ItemType } from './type-schemas.js';

/** A list type: what a parameter, input or output of type `list` declares. */
export interface ListType {
  type: 'list';
  items: ItemType;
  min_items?: number;
  max_items?: number;
}

/**
 * The type part of a parameter, input or output (they add `default`, `from`, `value`, `description`), and the type
 * of a reference. `artifact` values live in the artifact store and travel by reference; the others are small
 * values passed inline.
 */
export type TypeSpec = ItemType | ListType;

export type TypeName = TypeSpec['type'];
export const TYPE_NAMES: readonly TypeName[] = ['string', 'int', 'float', 'bool', 'enum', 'list', 'artifact'];

/** `float`, `enum(rf, gbm)`, `list<float>`, `artifact(model)`: a type as error messages show it. */
export function describeType(type: TypeSpec): string {
  switch (type.type) {
    case 'string':
    case 'int':
    case 'float':
    case 'bool':
      return type.type;
    case 'enum':
      return `enum(${type.values.join(', ')})`;
    case 'artifact':
      return type.kind === undefined ? 'artifact' : `artifact(${type.kind})`;
    case 'list':
      return `list<${describeType(type.items)}>`;
  }
}

/** `a float`, `an int`, `an enum(a, b)`: a type with its article, for sentences. */
export function aType(type: TypeSpec): string {
  const text = describeType(type);
  return /^[aeiou]/.test(text) ? `an ${text}` : `a ${text}`;
}

/** The type alone, without constraints or the fields around it (for comparisons and for the DSLs). */
export function bareType(type: TypeSpec): TypeSpec {
  switch (type.type) {
    case 'string':
    case 'int':
    case 'float':
    case 'bool':
      return { type: type.type };
    case 'enum':
      return { type: 'enum', values: [...type.values] };
    case 'artifact':
      return type.kind === undefined ? { type: 'artifact' } : { type: 'artifact', kind: type.kind };
    case 'list':
      return { type: 'list', items: bareType(type.items) as ItemType };
  }
}

/** `list<T>` of a type; a list of lists is not a type here, so a list stays as it is and the caller reports it. */
export function listOf(type: TypeSpec): TypeSpec | undefined {
  if (type.type === 'list') return undefined;
  return { type: 'list', items: bareType(type) as ItemType };
}

/**
 * Why a value of type `source` cannot feed a place of type `target`, or undefined when it can. An int feeds a
 * float; an enum feeds a string or an enum holding all its values; artifact kinds must agree when both are given.
 * A string does not feed an enum: declare the producer's output as the enum.
 */
export function assignability(source: TypeSpec, target: TypeSpec): string | undefined {
  const mismatch = `${describeType(source)} cannot feed ${describeType(target)}`;
  switch (target.type) {
    case 'string':
      return source.type === 'string' || source.type === 'enum' ? undefined : mismatch;
    case 'int':
    case 'bool':
      return source.type === target.type ? undefined : mismatch;
    case 'float':
      return source.type === 'float' || source.type === 'int' ? undefined : mismatch;
    case 'enum': {
      if (source.type !== 'enum') return mismatch;
      const extra = source.values.filter((v) => !target.values.includes(v));
      return extra.length === 0
        ? undefined
        : `${mismatch}: ${extra.map((v) => `'${v}'`).join(', ')} not allowed`;
    }
    case 'artifact':
      if (source.type !== 'artifact') return mismatch;
      return source.kind !== undefined && target.kind !== undefined && source.kind !== target.kind
        ? mismatch
        : undefined;
    case 'list':
      if (source.type !== 'list') return mismatch;
      return assignability(source.items, target.items) === undefined ? undefined : mismatch;
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
}

/**
 * Why `value` is not a valid value of `type` (with its constraints), or undefined when it is. The same check runs
 * on defaults and constants now and on the parameters a run is given later.
 *
 * @example validateValue({ type: 'int', min: 1 }, 0) // 'must be at least 1'
 */
export function validateValue(type: TypeSpec, value: unknown): string | undefined {
  switch (type.type) {
    case 'string': {
      if (typeof value !== 'string') return `${show(value)} is not a string`;
      if (type.min_length !== undefined && value.length < type.min_length)
        return `${show(value)} is shorter than ${type.min_length} characters`;
      if (type.max_length !== undefined && value.length > type.max_length)
        return `${show(value)} is longer than ${type.max_length} characters`;
      if (type.pattern !== undefined) {
        const regex = compilePattern(type.pattern);
        if (regex !== undefined && !regex.test(value)) return `${show(value)} does not match ${type.pattern}`;
      }
      return undefined;
    }
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return `${show(value)} is not an int`;
      return bounds(value, type.min, type.max);
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${show(value)} is not a float`;
      return bounds(value, type.min, type.max);
    case 'bool':
      return typeof value === 'boolean' ? undefined : `${show(value)} is not a bool (true or false)`;
    case 'enum':
      return typeof value === 'string' && type.values.includes(value)
        ? undefined
        : `${show(value)} is not one of ${type.values.map((v) => `'${v}'`).join(', ')}`;
    case 'artifact':
      return 'an artifact cannot be a constant: bind it with from:';
    case 'list': {
      if (!Array.isArray(value)) return `${show(value)} is not a list`;
      if (type.min_items !== undefined && value.length < type.min_items)
        return `the list has ${value.length} items, fewer than ${type.min_items}`;
      if (type.max_items !== undefined && value.length > type.max_items)
        return `the list has ${value.length} items, more than ${type.max_items}`;
      for (const [i, item] of value.entries()) {
        const problem = validateValue(type.items, item);
        if (problem !== undefined) return `item ${i}: ${problem}`;
      }
      return undefined;
    }
  }
}

function bounds(value: number, min: number | undefined, max: number | undefined): string | undefined {
  if (min !== undefined && value < min) return `${value} is less than the minimum ${min}`;
  if (max !== undefined && value > max) return `${value} is more than the maximum ${max}`;
  return undefined;
}

/** The regular expression of a string type's `pattern`, or undefined when it does not compile. */
export function compilePattern(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined;
  }
}

/**
 * The element type of a constant list used for fan-out: int when every element is a whole number, float when all
 * are numbers, string or bool when all are; undefined for a mixed or empty list.
 */
export function inferItemType(values: readonly unknown[]): ItemType | undefined {
  if (values.length === 0) return undefined;
  if (values.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return { type: 'int' };
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) return { type: 'float' };
  if (values.every((v) => typeof v === 'string')) return { type: 'string' };
  if (values.every((v) => typeof v === 'boolean')) return { type: 'bool' };
  return undefined;
}
