import { InvalidParameterError } from '../shared/index.js';
import { tokenize, type Token } from './tokenizer.js';

/**
 * The grammar shared by every MLflow search, before any entity-specific checks:
 *
 *   filter     := clause { AND clause }
 *   clause     := identifier predicate
 *   identifier := [entity '.'] key          entity: word or `quoted`; key: dotted words or "quoted" / `quoted`
 *   predicate  := op value | [NOT] (LIKE | ILIKE) value | [NOT] IN '(' value {',' value} [','] ')' | IS [NOT] NULL
 *   order_by   := identifier [ASC | DESC]
 *
 * Parsing here only checks shape; `run-filter.ts` and its siblings turn the raw clauses into typed ASTs.
 */

export interface RawIdentifier {
  /** Entity prefix as written (backticks removed), undefined for a bare attribute name. */
  entity: string | undefined;
  key: string;
  /** Source text of the identifier, for error messages. */
  text: string;
}

export type RawValue =
  | { kind: 'string'; value: string; text: string }
  | { kind: 'number'; value: number; text: string }
  /** An unquoted name or a backtick-quoted text where a value belongs: MLflow rejects these per entity. */
  | { kind: 'bare'; value: string; text: string };

export type RawPredicate =
  | { kind: 'compare'; op: string; value: RawValue }
  | { kind: 'in'; negated: boolean; values: RawValue[] }
  | { kind: 'null'; negated: boolean };

export interface RawClause {
  identifier: RawIdentifier;
  predicate: RawPredicate;
  text: string;
}

export interface RawOrderBy {
  identifier: RawIdentifier;
  ascending: boolean;
}

class Cursor {
  private index = 0;
  constructor(
    readonly source: string,
    readonly tokens: Token[],
  ) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }
  next(): Token | undefined {
    const t = this.tokens[this.index];
    if (t) this.index++;
    return t;
  }
  /** End offset of the last token consumed. */
  consumedEnd(): number {
    return this.tokens[this.index - 1]?.end ?? 0;
  }
  done(): boolean {
    return this.index >= this.tokens.length;
  }
  /** Source text from token `t` (or the end) to the end of the input. */
  restFrom(t: Token | undefined): string {
    return t ? this.source.slice(t.start).trim() : '';
  }
}

function isKeyword(t: Token | undefined, word: string): boolean {
  return t !== undefined && t.kind === 'word' && t.text.toUpperCase() === word;
}

function invalidClause(text: string, hint: string): InvalidParameterError {
  return new InvalidParameterError(`Invalid clause(s) in filter string: '${text}'. ${hint}`);
}

function parseIdentifier(c: Cursor, context: 'filter' | 'order_by'): RawIdentifier {
  const first = c.next();
  const fail = (hint: string): InvalidParameterError =>
    context === 'filter'
      ? invalidClause(c.restFrom(first), hint)
      : new InvalidParameterError(`Invalid order_by clause '${c.source}'. Could not be parsed. ${hint}`);
  if (!first)
    throw fail('Expected an identifier such as metrics.<key>, params.<key>, tags.<key> or an attribute.');
  const isName = first.kind === 'word' || (first.kind === 'quoted' && first.quote !== "'");
  if (!isName) {
    throw fail(
      `Expected an identifier such as metrics.<key>, params.<key> or tags.<key>, found '${first.text}'.`,
    );
  }
  const dot = c.peek();
  if (dot?.kind !== 'dot') {
    // `run name` (unquoted, with a space) is one of MLflow's spellings of the run_name attribute.
    const second = c.peek();
    if (
      first.kind === 'word' &&
      /^run$/i.test(first.text) &&
      second?.kind === 'word' &&
      /^name$/i.test(second.text)
    ) {
      c.next();
      const key = `${first.text} ${second.text}`;
      return { entity: undefined, key, text: key };
    }
    return { entity: undefined, key: first.text, text: c.source.slice(first.start, first.end) };
  }
  c.next();
  const keyStart = c.peek();
  if (!keyStart) throw fail(`Expected a key after '${first.text}.'.`);
  let key: string;
  let end: number;
  if (keyStart.kind === 'quoted') {
    c.next();
    key = keyStart.text;
    end = keyStart.end;
  } else if (keyStart.kind === 'word' || keyStart.kind === 'number') {
    // An unquoted key runs over adjacent words, numbers and dots: tags.mlflow.source.name, metrics.1st.
    let last = c.next() as Token;
    while (true) {
      const t = c.peek();
      if (!t || t.start !== last.end || !(t.kind === 'word' || t.kind === 'number' || t.kind === 'dot'))
        break;
      last = c.next() as Token;
    }
    key = c.source.slice(keyStart.start, last.end);
    end = last.end;
  } else {
    throw fail(`Expected a key after '${first.text}.', found '${keyStart.text}'.`);
  }
  if (key === '') throw fail(`Empty key after '${first.text}.'.`);
  return { entity: first.text, key, text: c.source.slice(first.start, end) };
}

function parseValue(c: Cursor, after: string): RawValue {
  const t = c.next();
  if (!t) throw invalidClause(after, 'Expected a value after the comparison operator.');
  const text = c.source.slice(t.start, t.end);
  if (t.kind === 'number') return { kind: 'number', value: t.value, text };
  if (t.kind === 'quoted') {
    return t.quote === '`' ? { kind: 'bare', value: t.text, text } : { kind: 'string', value: t.text, text };
  }
  if (t.kind === 'word') return { kind: 'bare', value: t.text, text };
  throw invalidClause(c.restFrom(t), `Expected a value, found '${t.text}'.`);
}

function parseList(c: Cursor, clauseStart: Token): RawValue[] {
  const open = c.next();
  if (open?.kind !== 'lparen') {
    throw invalidClause(
      c.restFrom(clauseStart),
      "Expected a parenthesised list after IN, e.g. IN ('a', 'b').",
    );
  }
  const values: RawValue[] = [];
  while (true) {
    const t = c.peek();
    if (!t) throw invalidClause(c.restFrom(clauseStart), 'Unterminated list: missing closing parenthesis.');
    if (t.kind === 'rparen') {
      c.next();
      break;
    }
    values.push(parseValue(c, c.restFrom(clauseStart)));
    const sep = c.next();
    if (sep?.kind === 'rparen') break;
    if (sep?.kind !== 'comma') {
      throw new InvalidParameterError(
        'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
      );
    }
  }
  if (values.length === 0) {
    throw new InvalidParameterError(
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    );
  }
  return values;
}

function parsePredicate(c: Cursor, clauseStart: Token, identifier: RawIdentifier): RawPredicate {
  const t = c.peek();
  const here = c.restFrom(clauseStart);
  if (!t) throw invalidClause(here, `Expected a comparison after '${identifier.text}'.`);
  if (t.kind === 'op') {
    c.next();
    return { kind: 'compare', op: t.text, value: parseValue(c, here) };
  }
  if (isKeyword(t, 'LIKE') || isKeyword(t, 'ILIKE')) {
    c.next();
    return { kind: 'compare', op: t.text.toUpperCase(), value: parseValue(c, here) };
  }
  if (isKeyword(t, 'IN')) {
    c.next();
    return { kind: 'in', negated: false, values: parseList(c, clauseStart) };
  }
  if (isKeyword(t, 'NOT')) {
    c.next();
    const u = c.peek();
    if (isKeyword(u, 'IN')) {
      c.next();
      return { kind: 'in', negated: true, values: parseList(c, clauseStart) };
    }
    if (isKeyword(u, 'LIKE') || isKeyword(u, 'ILIKE')) {
      throw new InvalidParameterError(
        `Invalid comparator 'NOT ${(u as Token).text.toUpperCase()}' in filter string: '${here}'. ` +
          "Use '!=' or a LIKE pattern instead.",
      );
    }
    throw invalidClause(here, "Expected IN after NOT (as in NOT IN ('a', 'b')).");
  }
  if (isKeyword(t, 'IS')) {
    c.next();
    const negated = isKeyword(c.peek(), 'NOT');
    if (negated) c.next();
    if (!isKeyword(c.next(), 'NULL')) throw invalidClause(here, 'Expected IS NULL or IS NOT NULL.');
    return { kind: 'null', negated };
  }
  throw invalidClause(here, `Expected a comparison operator after '${identifier.text}', found '${t.text}'.`);
}

/**
 * Parses a filter into raw clauses. An empty or blank filter has no clauses. Structural problems (OR,
 * parentheses, a missing value, trailing text) raise InvalidParameterError with "Invalid clause(s) in filter
 * string: ..." as MLflow does.
 */
/** More clauses than any real query uses; the bound keeps SQL building and planning cheap. */
export const maxFilterClauses = 100;

export function parseRawFilter(filter: string | undefined): RawClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const c = new Cursor(filter, tokenize(filter, 'filter string'));
  const clauses: RawClause[] = [];
  while (true) {
    const start = c.peek() as Token;
    if (isKeyword(start, 'OR') || isKeyword(start, 'AND') || start.kind === 'lparen') {
      throw invalidClause(
        c.restFrom(start),
        'Only clauses joined by AND are supported, without parentheses.',
      );
    }
    const identifier = parseIdentifier(c, 'filter');
    const predicate = parsePredicate(c, start, identifier);
    clauses.push({ identifier, predicate, text: filter.slice(start.start, c.consumedEnd()) });
    if (clauses.length > maxFilterClauses) {
      throw new InvalidParameterError(
        `Invalid filter string: at most ${maxFilterClauses} clauses joined by AND are supported.`,
      );
    }
    if (c.done()) return clauses;
    const joiner = c.next() as Token;
    if (isKeyword(joiner, 'OR')) {
      throw invalidClause(c.restFrom(start), 'OR is not supported: combine conditions with AND.');
    }
    if (!isKeyword(joiner, 'AND')) {
      throw invalidClause(c.restFrom(joiner), 'Expected AND between clauses.');
    }
    if (c.done()) throw invalidClause(filter.trim(), 'Expected a clause after AND.');
  }
}

/** Parses one order-by entry: `<identifier> [ASC|DESC]` (ASC when omitted). */
export function parseRawOrderBy(orderBy: string): RawOrderBy {
  if (orderBy.trim() === '') {
    throw new InvalidParameterError(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
  }
  const c = new Cursor(orderBy, tokenize(orderBy, 'order_by clause'));
  const identifier = parseIdentifier(c, 'order_by');
  let ascending = true;
  const dir = c.next();
  if (dir) {
    if (dir.kind !== 'word' || !/^(asc|desc)$/i.test(dir.text)) {
      throw new InvalidParameterError(`Invalid ordering key in order_by clause '${orderBy}'.`);
    }
    ascending = dir.text.toLowerCase() === 'asc';
  }
  if (!c.done())
    throw new InvalidParameterError(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
  return { identifier, ascending };
}
