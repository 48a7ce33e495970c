import type { InputSpec, ItemType, LiteralValue } from '../spec/type-schemas.js';
import type { TypeName, TypeSpec } from '../spec/value-types.js';
import type { Ref } from './refs.js';

/** The kinds a place of kind K accepts: an int feeds a float, an enum feeds a string. */
export type Accepts<K extends TypeName> = K extends 'float'
  ? 'int' | 'float'
  : K extends 'string'
    ? 'string' | 'enum'
    : K;

/** The TypeScript type of a constant of kind K. */
export type LiteralOf<K extends TypeName> = K extends 'int' | 'float'
  ? number
  : K extends 'string' | 'enum'
    ? string
    : K extends 'bool'
      ? boolean
      : K extends 'list'
        ? readonly (string | number | boolean)[]
        : never;

/** An input declared with its type and where it comes from. */
export interface InputBinding {
  readonly binding: InputSpec;
  readonly ref?: Ref;
}

/**
 * A type, with its constraints: what `t.float({ min: 0 })` makes. Declares an output as it is, a parameter with
 * `p.param(name, type)`, an input with `.from(ref)` or `.value(constant)`.
 */
export class TypeBuilder<K extends TypeName> {
  /** Only for the type checker. */
  declare readonly kind: K;

  constructor(
    readonly spec: TypeSpec,
    readonly description?: string,
  ) {}

  /** The same type with a description for people (shown by editors and docs). */
  describe(description: string): TypeBuilder<K> {
    return new TypeBuilder<K>(this.spec, description);
  }

  /** An input of this type read from `ref`. */
  from(ref: Ref<Accepts<K>>): InputBinding {
    return { binding: this.input({ from: ref.path }), ref };
  }

  /** An input of this type fixed to a constant. */
  value(value: LiteralOf<K>): InputBinding {
    return { binding: this.input({ value: value as LiteralValue }) };
  }

  private input(source: { from?: string; value?: LiteralValue }): InputSpec {
    return {
      ...this.spec,
      ...source,
      ...(this.description !== undefined ? { description: this.description } : {}),
    } as InputSpec;
  }
}

function typed<K extends TypeName>(spec: TypeSpec): TypeBuilder<K> {
  return new TypeBuilder<K>(spec);
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The types of the pipeline format.
 *
 * @example
 * t.int({ min: 1 }); t.enum(['rf', 'gbm']); t.list(t.float()); t.artifact('model')
 */
export const t = {
  string: (c: { pattern?: string; min_length?: number; max_length?: number } = {}) =>
    typed<'string'>(clean({ type: 'string', ...c })),
  int: (c: { min?: number; max?: number } = {}) => typed<'int'>(clean({ type: 'int', ...c })),
  float: (c: { min?: number; max?: number } = {}) => typed<'float'>(clean({ type: 'float', ...c })),
  bool: () => typed<'bool'>({ type: 'bool' }),
  enum: (values: readonly string[]) => typed<'enum'>({ type: 'enum', values: [...values] }),
  list: (items: TypeBuilder<Exclude<TypeName, 'list'>>, c: { min_items?: number; max_items?: number } = {}) =>
    typed<'list'>(clean({ type: 'list', items: items.spec as ItemType, ...c })),
  /** An artifact: a file or folder in the artifact store, passed by reference; `kind` is checked between steps. */
  artifact: (kind?: string) =>
    typed<'artifact'>(kind === undefined ? { type: 'artifact' } : { type: 'artifact', kind }),
};
