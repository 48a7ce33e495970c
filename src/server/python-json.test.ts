import { describe, expect, it } from 'vitest';
import { literalAt, pythonFloat, pythonJsonOfLiteral, pythonJsonOfValue } from './python-json.js';

// Expected texts are what CPython 3.11 prints for json.dumps(json.loads(literal), sort_keys=True,
// separators=(",", ":")), the rendering in MLflow's invalid_value() messages.
describe('pythonJsonOfLiteral: a JSON literal as MLflow writes it back', () => {
  it.each([
    ['9.0', '9.0'],
    ['1E5', '100000.0'],
    ['1e20', '1e+20'],
    ['1.5e-7', '1.5e-07'],
    ['0.0001', '0.0001'],
    ['0.00001', '1e-05'],
    ['1e16', '1e+16'],
    ['9999999999999999.0', '1e+16'],
    ['123456789012345678.0', '1.2345678901234568e+17'],
    ['-0.0', '-0.0'],
    ['0.1', '0.1'],
    ['1e400', 'Infinity'],
    ['-2.5e-300', '-2.5e-300'],
    ['5e-324', '5e-324'],
    ['1.7976931348623157e308', '1.7976931348623157e+308'],
    ['100.0', '100.0'],
    ['1e15', '1000000000000000.0'],
    ['-1e-5', '-1e-05'],
  ])('float %s ⇒ %s', (literal, text) => {
    expect(pythonJsonOfLiteral(literal)).toEqual({ text, typeName: 'float' });
  });

  it('integers stay exact and are ints', () => {
    expect(pythonJsonOfLiteral('12345678901234567890')).toEqual({
      text: '12345678901234567890',
      typeName: 'int',
    });
    expect(pythonJsonOfLiteral('-0')).toEqual({ text: '0', typeName: 'int' });
    expect(pythonJsonOfLiteral('31')).toEqual({ text: '31', typeName: 'int' });
  });

  it('strings are ASCII with escapes; dicts sorted by key, compact, last duplicate wins', () => {
    expect(
      pythonJsonOfLiteral('{"b": 1.0, "a": "é\\u0001\\"\\\\😀\u007f", "A": [1, 2.5, null, true]}'),
    ).toEqual({
      text: '{"A":[1,2.5,null,true],"a":"\\u00e9\\u0001\\"\\\\\\ud83d\\ude00\\u007f","b":1.0}',
      typeName: 'dict',
    });
    expect(pythonJsonOfLiteral('{"a":1,"a":2}')).toEqual({ text: '{"a":2}', typeName: 'dict' });
    expect(pythonJsonOfLiteral('"5"')).toEqual({ text: '"5"', typeName: 'str' });
    expect(pythonJsonOfLiteral('[]')).toEqual({ text: '[]', typeName: 'list' });
    expect(pythonJsonOfLiteral('null')).toEqual({ text: 'null', typeName: 'NoneType' });
    expect(pythonJsonOfLiteral('false')).toEqual({ text: 'false', typeName: 'bool' });
  });

  it('without the text, a parsed value renders as well as it can (integral numbers as int)', () => {
    expect(pythonJsonOfValue(9)).toEqual({ text: '9', typeName: 'int' });
    expect(pythonJsonOfValue(9.5)).toEqual({ text: '9.5', typeName: 'float' });
    expect(pythonJsonOfValue('foo')).toEqual({ text: '"foo"', typeName: 'str' });
    expect(pythonJsonOfValue(undefined)).toEqual({ text: 'null', typeName: 'NoneType' });
    expect(pythonFloat(Number.NaN)).toBe('NaN');
  });
});

describe('literalAt: the text of the value at a path of a request body', () => {
  const body =
    '{ "run_id": "r", "metrics": [ {"key": "a", "value": 1.50, "timestamp": 2E3}, {"value": [1.0]} ] }';

  it('follows keys and positions and returns the value as written', () => {
    expect(literalAt(body, ['metrics', '0', 'value'])).toBe('1.50');
    expect(literalAt(body, ['metrics', '0', 'timestamp'])).toBe('2E3');
    expect(literalAt(body, ['metrics', '1', 'value'])).toBe('[1.0]');
    expect(literalAt(body, ['run_id'])).toBe('"r"');
    expect(literalAt(body, ['metrics', '2'])).toBeUndefined();
    expect(literalAt(body, ['nothing'])).toBeUndefined();
  });

  it('reads lowerCamelCase keys under their snake_case name; the snake_case key and the last duplicate win', () => {
    expect(literalAt('{"artifactLocation": 9.0}', ['artifact_location'])).toBe('9.0');
    expect(literalAt('{"artifact_location": 1.0, "artifactLocation": 9.0}', ['artifact_location'])).toBe(
      '1.0',
    );
    expect(literalAt('{"a": 1.0, "a": 2.0}', ['a'])).toBe('2.0');
  });
});
