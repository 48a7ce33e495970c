/**
 * JSON values written the way MLflow's Python server writes them in its error messages: `json.dumps(value,
 * sort_keys=True, separators=(",", ":"))` of what `json.loads` made of the request, and `type(value).__name__`.
 * Python keeps what JavaScript loses once a body is parsed: `9.0` is a float and `9` an int, and
 * `12345678901234567890` stays exact, so the value is rendered from its JSON text when the request body is
 * known (`pythonJsonOfLiteral(literalAt(body, path))`), and from the parsed value otherwise.
 *
 * Example: `pythonJsonOfLiteral('{"b": 1E5, "a": "é"}')` is `{ text: '{"a":"\\u00e9","b":100000.0}',
 * typeName: 'dict' }`.
 */

/** A value as Python's `json.loads` sees it. */
type PyValue =
  | { kind: 'str'; value: string }
  | { kind: 'int'; digits: string }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'dict'; entries: Map<string, PyValue> };

/** The JSON text and Python type name of one value. */
export interface PythonJson {
  text: string;
  typeName: 'str' | 'int' | 'float' | 'bool' | 'NoneType' | 'list' | 'dict';
}

const shortEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** `json.dumps` of a str: ASCII only, everything outside space..`~` escaped (UTF-16 units, as Python does). */
function pythonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = value.charCodeAt(i);
    const short = shortEscapes[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `repr(float)`: the shortest digits that round-trip, in fixed notation for exponents -4..15, else `1e+20`. */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${head}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`;
}

/** Python sorts dict keys by code point; JavaScript's default sort compares UTF-16 units. */
function byCodePoint(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function render(value: PyValue): string {
  switch (value.kind) {
    case 'str':
      return pythonString(value.value);
    case 'int':
      return value.digits;
    case 'float':
      return pythonFloat(value.value);
    case 'bool':
      return value.value ? 'true' : 'false';
    case 'none':
      return 'null';
    case 'list':
      return `[${value.items.map(render).join(',')}]`;
    case 'dict': {
      const keys = [...value.entries.keys()].sort(byCodePoint);
      return `{${keys.map((key) => `${pythonString(key)}:${render(value.entries.get(key)!)}`).join(',')}}`;
    }
  }
}

const typeNames = {
  str: 'str',
  int: 'int',
  float: 'float',
  bool: 'bool',
  none: 'NoneType',
  list: 'list',
  dict: 'dict',
} as const satisfies Record<PyValue['kind'], PythonJson['typeName']>;

/** A reader of well-formed JSON text (bodies reach it only after `JSON.parse` accepted them). */
class JsonText {
  index = 0;
  constructor(readonly text: string) {}

  private skipSpace(): void {
    while (this.index < this.text.length && ' \t\n\r'.includes(this.text[this.index]!)) this.index++;
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.index] ?? '';
  }

  private string(): string {
    const start = this.index;
    this.index++;
    while (this.index < this.text.length && this.text[this.index] !== '"') {
      if (this.text[this.index] === '\\') this.index++;
      this.index++;
    }
    this.index++;
    return JSON.parse(this.text.slice(start, this.index)) as string;
  }

  /** Reads one value, or skips it when `build` is false (then the result is a placeholder). */
  value(build = true): PyValue {
    const c = this.peek();
    if (c === '"') return { kind: 'str', value: this.string() };
    if (c === '{') {
      this.index++;
      const entries = new Map<string, PyValue>();
      if (this.peek() === '}') this.index++;
      else
        for (;;) {
          this.peek();
          const key = this.string();
          this.peek();
          this.index++; // ':'
          const item = this.value(build);
          if (build) {
            entries.delete(key); // json.loads keeps the last duplicate
            entries.set(key, item);
          }
          if (this.peek() === ',') this.index++;
          else {
            this.index++; // '}'
            break;
          }
        }
      return { kind: 'dict', entries };
    }
    if (c === '[') {
      this.index++;
      const items: PyValue[] = [];
      if (this.peek() === ']') this.index++;
      else
        for (;;) {
          const item = this.value(build);
          if (build) items.push(item);
          if (this.peek() === ',') this.index++;
          else {
            this.index++; // ']'
            break;
          }
        }
      return { kind: 'list', items };
    }
    const match = /^(?:true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(
      this.text.slice(this.index, this.index + 400),
    );
    const token = match?.[0] ?? '';
    this.index += token.length;
    if (token === 'true' || token === 'false') return { kind: 'bool', value: token === 'true' };
    if (token === 'null') return { kind: 'none' };
    if (match?.[1] !== undefined || match?.[2] !== undefined) return { kind: 'float', value: Number(token) };
    return { kind: 'int', digits: BigInt(token).toString() };
  }

  /** The text of the value at `path` below the current position, or undefined when there is none. */
  textAt(path: readonly string[]): string | undefined {
    const [segment, ...rest] = path;
    const c = this.peek();
    if (segment === undefined) {
      const start = this.index;
      this.value(false);
      return this.text.slice(start, this.index);
    }
    if (c === '{') return this.memberAt(segment, rest);
    if (c === '[' && /^\d+$/.test(segment)) return this.elementAt(Number(segment), rest);
    this.value(false);
    return undefined;
  }

  private memberAt(segment: string, rest: readonly string[]): string | undefined {
    this.index++;
    let exact: string | undefined;
    let renamed: string | undefined;
    if (this.peek() === '}') {
      this.index++;
      return undefined;
    }
    for (;;) {
      this.peek();
      const key = this.string();
      this.peek();
      this.index++; // ':'
      // Bodies may spell keys in lowerCamelCase; the schema sees them in snake_case, and the snake_case
      // spelling wins when both are present (see mlflow/json-body.ts).
      if (key === segment) exact = this.textAt(rest);
      else if (/[A-Z]/.test(key) && key.replace(/[A-Z]/g, (u) => `_${u.toLowerCase()}`) === segment)
        renamed = this.textAt(rest);
      else this.value(false);
      if (this.peek() === ',') this.index++;
      else {
        this.index++;
        return exact ?? renamed;
      }
    }
  }

  private elementAt(position: number, rest: readonly string[]): string | undefined {
    this.index++;
    let found: string | undefined;
    if (this.peek() === ']') {
      this.index++;
      return undefined;
    }
    for (let i = 0; ; i++) {
      if (i === position) found = this.textAt(rest);
      else this.value(false);
      if (this.peek() === ',') this.index++;
      else {
        this.index++;
        return found;
      }
    }
  }
}

/** Renders a JSON literal (well-formed JSON text of one value) as Python's `json.dumps(json.loads(...))`. */
export function pythonJsonOfLiteral(literal: string): PythonJson {
  const value = new JsonText(literal).value();
  return { text: render(value), typeName: typeNames[value.kind] };
}

/** Renders a parsed value; integral numbers count as int, since the text that would tell is not known. */
export function pythonJsonOfValue(value: unknown): PythonJson {
  if (value === undefined) return { text: 'null', typeName: 'NoneType' };
  if (typeof value === 'number' && !Number.isFinite(value))
    return { text: pythonFloat(value), typeName: 'float' };
  let literal: string | undefined;
  try {
    literal = JSON.stringify(value);
  } catch {
    literal = undefined;
  }
  return literal === undefined
    ? { text: pythonString(String(value)), typeName: 'str' }
    : pythonJsonOfLiteral(literal);
}

/**
 * The JSON text of the value at `path` (object keys and array positions, as in a JSON pointer) in a body that
 * `JSON.parse` accepted, or undefined when the body has no value there. Duplicate keys: the last one counts.
 */
export function literalAt(body: string, path: readonly string[]): string | undefined {
  try {
    return new JsonText(body).textAt(path);
  } catch {
    return undefined;
  }
}
