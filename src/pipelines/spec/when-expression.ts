/**
 * The language of `when` conditions: comparisons of references and constants joined by `and`, `or`, `not`.
 *
 *     steps.evaluate.outputs.accuracy >= params.min_accuracy and params.mode != 'dry_run'
 *     item.lr in [0.1, 0.01] or not steps.check.outputs.passed
 *
 * Grammar (lowest precedence first):
 *
 *     expr    := and ('or' and)*
 *     and     := not ('and' not)*
 *     not     := 'not' not | compare
 *     compare := operand (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in') operand)?
 *     operand := reference | number | string | true | false | '[' constants ']' | '(' expr ')'
 *
 * Strings are quoted with ' or " (backslash escapes \\ \' \" \n \t). References use the same spelling as `from`.
 * Words, not symbols, for the logic: `!` and `&` mean something else in YAML.
 */

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';
export type Constant = string | number | boolean;

export type Expression =
  | { kind: 'or' | 'and'; operands: Expression[]; offset: number }
  | { kind: 'not'; operand: Expression; offset: number }
  | { kind: 'compare'; op: CompareOp; left: Expression; right: Expression; offset: number }
  | { kind: 'ref'; text: string; offset: number }
  | { kind: 'constant'; value: Constant; offset: number }
  | { kind: 'list'; items: { value: Constant; offset: number }[]; offset: number };

export class ExpressionError extends Error {
  constructor(
    message: string,
    /** Where in the text (0-based). */
    readonly offset: number,
  ) {
    super(message);
  }
}

type Token =
  | { t: 'word'; text: string; offset: number }
  | { t: 'number'; value: number; offset: number }
  | { t: 'string'; value: string; offset: number }
  | { t: 'op'; text: string; offset: number }
  | { t: 'end'; offset: number };

const escapes: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const word = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest);
    if (word) {
      tokens.push({ t: 'word', text: word[0], offset: i });
      i += word[0].length;
      continue;
    }
    const number = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(rest);
    if (number) {
      tokens.push({ t: 'number', value: Number(number[0]), offset: i });
      i += number[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const d = text[j];
        if (d === undefined) throw new ExpressionError('unterminated string', i);
        if (d === c) break;
        if (d === '\\') {
          const e = escapes[text[j + 1] ?? ''];
          if (e === undefined) throw new ExpressionError(`unknown escape '\\${text[j + 1] ?? ''}'`, j);
          value += e;
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      tokens.push({ t: 'string', value, offset: i });
      i = j + 1;
      continue;
    }
    const op = /^(==|!=|<=|>=|<|>|\(|\)|\[|\]|,)/.exec(rest);
    if (op) {
      tokens.push({ t: 'op', text: op[0], offset: i });
      i += op[0].length;
      continue;
    }
    if (c === '=') throw new ExpressionError("'=' is not an operator: compare with '=='", i);
    if (c === '&' || c === '|' || c === '!') {
      throw new ExpressionError(`'${c}' is not an operator: use and, or, not (and != for 'not equal')`, i);
    }
    throw new ExpressionError(`unexpected '${c}'`, i);
  }
  tokens.push({ t: 'end', offset: text.length });
  return tokens;
}

const keywords = new Set(['and', 'or', 'not', 'in', 'true', 'false']);

/** Parses a condition; throws ExpressionError (with the offset) when it is not one. */
export function parseExpression(text: string): Expression {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): Token => tokens[position] ?? { t: 'end', offset: text.length };
  const next = (): Token => tokens[position++] ?? { t: 'end', offset: text.length };
  const isWord = (token: Token, word: string) => token.t === 'word' && token.text === word;
  const isOp = (token: Token, op: string) => token.t === 'op' && token.text === op;

  const describe = (token: Token): string => {
    switch (token.t) {
      case 'end':
        return 'the end';
      case 'word':
      case 'op':
        return `'${token.text}'`;
      case 'number':
        return `'${token.value}'`;
      case 'string':
        return 'a string';
    }
  };

  const parseOr = (): Expression => {
    const first = parseAnd();
    const operands = [first];
    while (isWord(peek(), 'or')) {
      next();
      operands.push(parseAnd());
    }
    return operands.length === 1 ? first : { kind: 'or', operands, offset: first.offset };
  };
  const parseAnd = (): Expression => {
    const first = parseNot();
    const operands = [first];
    while (isWord(peek(), 'and')) {
      next();
      operands.push(parseNot());
    }
    return operands.length === 1 ? first : { kind: 'and', operands, offset: first.offset };
  };
  const parseNot = (): Expression => {
    const token = peek();
    if (isWord(token, 'not')) {
      next();
      return { kind: 'not', operand: parseNot(), offset: token.offset };
    }
    return parseCompare();
  };
  const parseCompare = (): Expression => {
    const left = parseOperand();
    const token = peek();
    let op: CompareOp | undefined;
    if (token.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(token.text)) {
      op = token.text as CompareOp;
      next();
    } else if (isWord(token, 'in')) {
      op = 'in';
      next();
    } else if (isWord(token, 'not') && isWord(tokens[position + 1] ?? { t: 'end', offset: 0 }, 'in')) {
      op = 'not in';
      position += 2;
    }
    if (op === undefined) return left;
    const right = parseOperand();
    return { kind: 'compare', op, left, right, offset: token.offset };
  };
  const parseConstant = (): { value: Constant; offset: number } => {
    const token = next();
    if (token.t === 'number' || token.t === 'string') return { value: token.value, offset: token.offset };
    if (isWord(token, 'true') || isWord(token, 'false')) {
      return { value: token.t === 'word' && token.text === 'true', offset: token.offset };
    }
    throw new ExpressionError(`expected a constant, found ${describe(token)}`, token.offset);
  };
  const parseOperand = (): Expression => {
    const token = peek();
    if (isOp(token, '(')) {
      next();
      const inner = parseOr();
      const close = next();
      if (!isOp(close, ')'))
        throw new ExpressionError(`expected ')', found ${describe(close)}`, close.offset);
      return inner;
    }
    if (isOp(token, '[')) {
      next();
      const items: { value: Constant; offset: number }[] = [];
      if (!isOp(peek(), ']')) {
        items.push(parseConstant());
        while (isOp(peek(), ',')) {
          next();
          items.push(parseConstant());
        }
      }
      const close = next();
      if (!isOp(close, ']'))
        throw new ExpressionError(`expected ']', found ${describe(close)}`, close.offset);
      return { kind: 'list', items, offset: token.offset };
    }
    if (token.t === 'word' && !keywords.has(token.text)) {
      next();
      return { kind: 'ref', text: token.text, offset: token.offset };
    }
    if (token.t === 'word' && (token.text === 'true' || token.text === 'false')) {
      next();
      return { kind: 'constant', value: token.text === 'true', offset: token.offset };
    }
    if (token.t === 'number' || token.t === 'string') {
      next();
      return { kind: 'constant', value: token.value, offset: token.offset };
    }
    throw new ExpressionError(`expected a reference or a constant, found ${describe(token)}`, token.offset);
  };

  const expression = parseOr();
  const trailing = peek();
  if (trailing.t !== 'end') throw new ExpressionError(`unexpected ${describe(trailing)}`, trailing.offset);
  return expression;
}

/** Every reference in a condition, with its offset. */
export function expressionReferences(expression: Expression): { text: string; offset: number }[] {
  switch (expression.kind) {
    case 'or':
    case 'and':
      return expression.operands.flatMap(expressionReferences);
    case 'not':
      return expressionReferences(expression.operand);
    case 'compare':
      return [...expressionReferences(expression.left), ...expressionReferences(expression.right)];
    case 'ref':
      return [{ text: expression.text, offset: expression.offset }];
    case 'constant':
    case 'list':
      return [];
  }
}

/** A constant as conditions write it: strings in single quotes, numbers as JavaScript prints them. */
export function formatConstant(value: Constant): string {
  if (typeof value === 'string')
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`;
  return String(value);
}

/**
 * The canonical text of a condition (what the TypeScript and Python builders write): single spaces, parentheses
 * only where precedence needs them.
 */
export function formatExpression(expression: Expression): string {
  const wrap = (inner: Expression, needs: boolean) =>
    needs ? `(${formatExpression(inner)})` : formatExpression(inner);
  switch (expression.kind) {
    case 'or':
      return expression.operands.map((o) => wrap(o, o.kind === 'or')).join(' or ');
    case 'and':
      return expression.operands.map((o) => wrap(o, o.kind === 'or' || o.kind === 'and')).join(' and ');
    case 'not':
      return `not ${wrap(expression.operand, expression.operand.kind === 'or' || expression.operand.kind === 'and' || expression.operand.kind === 'compare')}`;
    case 'compare': {
      const side = (e: Expression) =>
        wrap(e, e.kind === 'or' || e.kind === 'and' || e.kind === 'not' || e.kind === 'compare');
      return `${side(expression.left)} ${expression.op} ${side(expression.right)}`;
    }
    case 'ref':
      return expression.text;
    case 'constant':
      return formatConstant(expression.value);
    case 'list':
      return `[${expression.items.map((item) => formatConstant(item.value)).join(', ')}]`;
  }
}
