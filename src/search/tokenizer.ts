import { InvalidParameterError } from '../shared/index.js';

/**
 * Tokens of MLflow's search language. `word` covers bare names and keywords (AND, LIKE, IN, ...): keywords are
 * recognised by the parser from their position, so a key may be called `in` or `and` without quoting.
 * `quoted` is text between quotes; the parser decides from its position whether it is a string value or a
 * quoted key (`metrics."my metric"`), as MLflow does.
 */
export type Token =
  | { kind: 'word'; text: string; start: number; end: number }
  | { kind: 'number'; text: string; value: number; start: number; end: number }
  | { kind: 'quoted'; quote: "'" | '"' | '`'; text: string; start: number; end: number }
  | { kind: 'op'; text: ComparisonOperatorText; start: number; end: number }
  | { kind: 'dot' | 'lparen' | 'rparen' | 'comma'; text: string; start: number; end: number };

export type ComparisonOperatorText = '=' | '!=' | '<>' | '==' | '<' | '<=' | '>' | '>=';

const wordChar = /[\p{L}\p{N}_]/u;
const numberAt = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && wordChar.test(ch);
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/**
 * Splits a filter or order-by string into tokens. Throws InvalidParameterError on an unterminated quote or a
 * character that has no place in the language (`;`, `*`, ...), naming the character and its position.
 */
export function tokenize(input: string, what = 'filter string'): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const ch = input[i] as string;
    if (/\s/u.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '"' || ch === '`') {
      let text = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = input[i] as string;
        if (c === ch) {
          // SQL style: a doubled quote inside the literal stands for one quote character.
          if (input[i + 1] === ch) {
            text += ch;
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        text += c;
        i++;
      }
      if (!closed) {
        throw new InvalidParameterError(
          `Invalid ${what} '${input}': unterminated quoted text starting at position ${start + 1}`,
        );
      }
      tokens.push({ kind: 'quoted', quote: ch, text, start, end: i });
      continue;
    }
    const next = input[i + 1];
    const startsNumber =
      isDigit(ch) ||
      (ch === '.' && isDigit(next) && !followsWordOrDot(tokens, start)) ||
      ((ch === '-' || ch === '+') && (isDigit(next) || (next === '.' && isDigit(input[i + 2]))));
    if (startsNumber) {
      numberAt.lastIndex = i;
      const m = numberAt.exec(input);
      if (m && !isWordChar(input[i + m[0].length])) {
        i += m[0].length;
        tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), start, end: i });
        continue;
      }
      if (!isDigit(ch)) {
        throw new InvalidParameterError(
          `Invalid ${what} '${input}': unexpected '${ch}' at position ${start + 1}`,
        );
      }
      // A name that starts with a digit, such as the key in `metrics.1st_epoch`.
    }
    if (isWordChar(ch)) {
      while (i < n && isWordChar(input[i])) i++;
      tokens.push({ kind: 'word', text: input.slice(start, i), start, end: i });
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '==' || two === '<=' || two === '>=') {
      i += 2;
      tokens.push({ kind: 'op', text: two, start, end: i });
      continue;
    }
    if (ch === '=' || ch === '<' || ch === '>') {
      i++;
      tokens.push({ kind: 'op', text: ch, start, end: i });
      continue;
    }
    const punct = { '.': 'dot', '(': 'lparen', ')': 'rparen', ',': 'comma' } as const;
    if (ch === '.' || ch === '(' || ch === ')' || ch === ',') {
      i++;
      tokens.push({ kind: punct[ch], text: ch, start, end: i });
      continue;
    }
    throw new InvalidParameterError(
      `Invalid ${what} '${input}': unexpected '${ch}' at position ${start + 1}`,
    );
  }
  return tokens;
}

/** `.5` right after a name (`params.a.5`) is part of a dotted key, not a number. */
function followsWordOrDot(tokens: Token[], start: number): boolean {
  const last = tokens[tokens.length - 1];
  return last !== undefined && last.end === start && (last.kind === 'word' || last.kind === 'number');
}
