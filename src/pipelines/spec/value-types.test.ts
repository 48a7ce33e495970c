import { describe, expect, it } from 'vitest';
import { assignability, describeType, inferItemType, validateValue, type TypeSpec } from './value-types.js';

const t = (type: TypeSpec) => type;

describe('which types feed which', () => {
  it.each([
    [t({ type: 'int' }), t({ type: 'float' }), true],
    [t({ type: 'float' }), t({ type: 'int' }), false],
    [t({ type: 'enum', values: ['a'] }), t({ type: 'string' }), true],
    [t({ type: 'string' }), t({ type: 'enum', values: ['a'] }), false],
    [t({ type: 'enum', values: ['a'] }), t({ type: 'enum', values: ['a', 'b'] }), true],
    [t({ type: 'enum', values: ['a', 'c'] }), t({ type: 'enum', values: ['a', 'b'] }), false],
    [t({ type: 'artifact', kind: 'model' }), t({ type: 'artifact' }), true],
    [t({ type: 'artifact' }), t({ type: 'artifact', kind: 'model' }), true],
    [t({ type: 'artifact', kind: 'dataset' }), t({ type: 'artifact', kind: 'model' }), false],
    [t({ type: 'artifact' }), t({ type: 'string' }), false],
    [t({ type: 'list', items: { type: 'int' } }), t({ type: 'list', items: { type: 'float' } }), true],
    [t({ type: 'list', items: { type: 'float' } }), t({ type: 'float' }), false],
    [t({ type: 'bool' }), t({ type: 'bool' }), true],
  ])('%j feeds %j: %s', (source, target, ok) => {
    expect(assignability(source, target) === undefined).toBe(ok);
  });

  it('names the enum values that do not fit', () => {
    expect(assignability({ type: 'enum', values: ['a', 'c'] }, { type: 'enum', values: ['a', 'b'] })).toBe(
      "enum(a, c) cannot feed enum(a, b): 'c' not allowed",
    );
  });
});

describe('values against their types', () => {
  it.each([
    [t({ type: 'int', min: 1 }), 0, '0 is less than the minimum 1'],
    [t({ type: 'int' }), 1.5, '1.5 is not an int'],
    [t({ type: 'int' }), 2 ** 60, `${2 ** 60} is not an int`],
    [t({ type: 'float', max: 1 }), 1.5, '1.5 is more than the maximum 1'],
    [t({ type: 'string', pattern: '^[a-z]+$' }), 'A', "'A' does not match ^[a-z]+$"],
    [t({ type: 'string', max_length: 2 }), 'abc', "'abc' is longer than 2 characters"],
    [t({ type: 'bool' }), 'yes', "'yes' is not a bool (true or false)"],
    [t({ type: 'enum', values: ['rf'] }), 'svm', "'svm' is not one of 'rf'"],
    [t({ type: 'list', items: { type: 'int' }, min_items: 2 }), [1], 'the list has 1 items, fewer than 2'],
    [t({ type: 'list', items: { type: 'int' } }), [1, 'x'], "item 1: 'x' is not an int"],
  ])('%j refuses %j', (type, value, message) => {
    expect(validateValue(type, value)).toBe(message);
  });

  it('accepts what fits', () => {
    expect(validateValue({ type: 'float', min: 0 }, 3)).toBeUndefined();
    expect(
      validateValue({ type: 'list', items: { type: 'enum', values: ['a', 'b'] } }, ['a', 'b']),
    ).toBeUndefined();
  });

  it('infers the element type of a constant list', () => {
    expect(inferItemType([1, 2])).toEqual({ type: 'int' });
    expect(inferItemType([1, 2.5])).toEqual({ type: 'float' });
    expect(inferItemType(['a'])).toEqual({ type: 'string' });
    expect(inferItemType([true])).toEqual({ type: 'bool' });
    expect(inferItemType([1, 'a'])).toBeUndefined();
    expect(inferItemType([])).toBeUndefined();
  });

  it('describes types the way messages show them', () => {
    expect(describeType({ type: 'list', items: { type: 'artifact', kind: 'model' } })).toBe(
      'list<artifact(model)>',
    );
  });
});
