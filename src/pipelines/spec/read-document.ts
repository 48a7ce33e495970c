import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { formatPath, type Diagnostic, type DocPath } from './diagnostics.js';

/** A 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Where each part of a document was written: the position of every key and value by path. A path with no entry
 * (inside an alias, or a value the check made up) falls back to its nearest ancestor.
 */
export class SourceMap {
  constructor(
    private readonly values: ReadonlyMap<string, Position>,
    private readonly keys: ReadonlyMap<string, Position>,
    /** Scalars written in quotes: a position inside the text starts one column later. */
    private readonly quoted: ReadonlySet<string>,
  ) {}

  /** Where the value at `path` is, or the key naming it with `part: 'key'`. */
  locate(path: DocPath, part: 'key' | 'value' = 'value'): Position | undefined {
    if (part === 'key') {
      const key = this.keys.get(pathKey(path));
      if (key !== undefined) return key;
    }
    for (let length = path.length; length >= 0; length--) {
      const found = this.values.get(pathKey(path.slice(0, length)));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Where character `offset` of the string at `path` is (for errors inside a `when` or an argument). */
  locateInside(path: DocPath, offset: number): Position | undefined {
    const start = this.values.get(pathKey(path));
    if (start === undefined) return this.locate(path);
    const shift = this.quoted.has(pathKey(path)) ? 1 : 0;
    return { line: start.line, column: start.column + shift + offset };
  }
}

function pathKey(path: DocPath): string {
  return path.map((segment) => (typeof segment === 'number' ? `#${segment}` : `.${segment}`)).join('\u0000');
}

/** The result of reading a file: its value (undefined when unreadable), where things are, and syntax problems. */
export interface ReadDocument {
  value: unknown;
  sourceMap: SourceMap;
  diagnostics: Diagnostic[];
}

/**
 * Reads a pipeline written in YAML or JSON (JSON is YAML 1.2), keeping the position of every key and value so
 * later checks can say `file:line:column`. YAML 1.2's core schema: `yes`, `no` and `on` stay strings, timestamps
 * stay strings, and aliases are limited (no billion-laughs expansion). A key written twice is a `duplicate`
 * diagnostic naming the line of the first.
 */
export function readDocument(text: string): ReadDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
    schema: 'core',
    strict: true,
  });
  const values = new Map<string, Position>();
  const keys = new Map<string, Position>();
  const quoted = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const sourceMap = new SourceMap(values, keys, quoted);

  for (const error of doc.errors) {
    const position = at(error.pos[0]);
    diagnostics.push({ code: 'syntax', path: '', message: firstLine(error.message), ...position });
  }
  if (diagnostics.length > 0) return { value: undefined, sourceMap, diagnostics };

  const walk = (node: Node | null, path: (string | number)[]): void => {
    if (node === null) return;
    if (node.range) values.set(pathKey(path), at(node.range[0]));
    if (isAlias(node)) return; // its target was walked where it was written; do not follow (aliases may loop)
    if (isScalar(node)) {
      if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') quoted.add(pathKey(path));
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item as Node | null, [...path, index]));
      return;
    }
    if (isMap(node)) {
      const seen = new Map<string, Position>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyPosition = keyNode?.range ? at(keyNode.range[0]) : undefined;
        const childPath = [...path, name];
        const first = seen.get(name);
        if (first !== undefined) {
          diagnostics.push({
            code: 'duplicate',
            path: formatPath(childPath),
            message: `duplicate key '${name}' (first at line ${first.line})`,
            ...(keyPosition ?? {}),
          });
        } else if (keyPosition !== undefined) {
          seen.set(name, keyPosition);
        }
        // The value read is the last one written (as in JSON.parse), so its positions are the ones kept.
        if (keyPosition !== undefined) keys.set(pathKey(childPath), keyPosition);
        walk(pair.value as Node | null, childPath);
      }
    }
  };
  walk(doc.contents as Node | null, []);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof Error ? firstLine(error.message) : String(error);
    diagnostics.push({ code: 'syntax', path: '', message, line: 1, column: 1 });
    return { value: undefined, sourceMap, diagnostics };
  }
  if (value === null || value === undefined) {
    diagnostics.push({ code: 'syntax', path: '', message: 'the document is empty', line: 1, column: 1 });
    return { value: undefined, sourceMap, diagnostics };
  }
  return { value, sourceMap, diagnostics };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}
