import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  expressionReferences,
  formatExpression,
  parseExpression,
} from './when-expression.js';

describe('when conditions', () => {
  it('parses precedence: not binds tighter than and, and tighter than or', () => {
    const e = parseExpression('not params.a or params.b and params.c == 1');
    expect(e).toMatchObject({
      kind: 'or',
      operands: [
        { kind: 'not', operand: { kind: 'ref', text: 'params.a' } },
        {
          kind: 'and',
          operands: [
            { kind: 'ref', text: 'params.b' },
            { kind: 'compare', op: '==' },
          ],
        },
      ],
    });
  });

  it('reads constants, lists, in and not in', () => {
    expect(parseExpression('item in [1, 2.5, -3e2]')).toMatchObject({
      kind: 'compare',
      op: 'in',
      right: { kind: 'list', items: [{ value: 1 }, { value: 2.5 }, { value: -300 }] },
    });
    expect(parseExpression(`params.m not in ['a', "b\\"c"]`)).toMatchObject({
      op: 'not in',
      right: { items: [{ value: 'a' }, { value: 'b"c' }] },
    });
    expect(parseExpression('params.x == true')).toMatchObject({ right: { kind: 'constant', value: true } });
  });

  it('prints a canonical text that parses back to the same condition', () => {
    const texts = [
      "steps.e.outputs.acc >= 0.9 and params.mode != 'dry\\'run'",
      '(params.a or params.b) and not (params.c == 1)',
      'not (params.a and params.b)',
      'params.a or params.b and params.c',
      "item.lr in [0.1, 0.01] or params.tags not in ['x']",
    ];
    for (const text of texts) {
      const printed = formatExpression(parseExpression(text));
      expect(printed).toBe(text);
      expect(formatExpression(parseExpression(printed))).toBe(printed);
    }
    expect(formatExpression(parseExpression('  ( params.a )and(params.b==2)'))).toBe(
      'params.a and params.b == 2',
    );
  });

  it('lists the references with their offsets', () => {
    expect(expressionReferences(parseExpression('params.a == steps.s.outputs.o or item'))).toEqual([
      { text: 'params.a', offset: 0 },
      { text: 'steps.s.outputs.o', offset: 12 },
      { text: 'item', offset: 33 },
    ]);
  });

  it.each([
    ['params.a = 1', "'=' is not an operator: compare with '=='", 9],
    ['params.a && params.b', "'&' is not an operator: use and, or, not (and != for 'not equal')", 9],
    ['params.a ==', 'expected a reference or a constant, found the end', 11],
    ["params.a == 'x", 'unterminated string', 12],
    ['(params.a', "expected ')', found the end", 9],
    ['params.a params.b', "unexpected 'params.b'", 9],
    ['[1, params.a]', "expected a constant, found 'params.a'", 4],
    ['params.a == "\\q"', "unknown escape '\\q'", 13],
  ])('refuses %j: %s', (text, message, offset) => {
    let caught: unknown;
    try {
      parseExpression(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect(caught).toMatchObject({ message, offset });
  });
});
