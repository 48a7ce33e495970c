/**
 * What `bosun pipeline validate` reports: one problem, where it is (the path inside the document and, when the
 * document came from a file, its line and column) and what is wrong.
 */

/** The kinds of problem, so tools can group or filter them. */
export type DiagnosticCode =
  /** The text is not YAML/JSON. */
  | 'syntax'
  /** `apiVersion` or `kind` is missing or not one this Bosun reads. */
  | 'version'
  /** A field is unknown, missing, of the wrong type or outside its rules. */
  | 'field'
  /** A name is used twice (a key in one map, or a step in `steps` and `on_exit`). */
  | 'duplicate'
  /** A reference names a step, output, parameter or item that does not exist, or that this place cannot see. */
  | 'reference'
  /** A value's type does not fit the place it feeds. */
  | 'type'
  /** Steps depend on each other in a circle. */
  | 'cycle'
  /** A `when` condition does not parse. */
  | 'expression'
  /** A `{{...}}` placeholder names something the step does not declare. */
  | 'placeholder';

/** A place in a document: keys and list indices from the root. */
export type DocPath = readonly (string | number)[];

export interface Diagnostic {
  code: DiagnosticCode;
  /** `steps.train.inputs.data.from`; empty for the whole document. */
  path: string;
  message: string;
  /** 1-based, present when the document was read from text. */
  line?: number;
  column?: number;
}

const plainKey = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `['steps', 'train', 'command', 2]` as `steps.train.command[2]`; odd keys are quoted (`labels["a.b"]`). */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (plainKey.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `pipeline.yaml:14:9 steps.train.inputs.data.from: unknown output ...`: the line a terminal shows. */
export function formatDiagnostic(diagnostic: Diagnostic, file: string): string {
  const where = diagnostic.line === undefined ? file : `${file}:${diagnostic.line}:${diagnostic.column ?? 1}`;
  const path = diagnostic.path === '' ? '' : ` ${diagnostic.path}`;
  return `${where}${path}: ${diagnostic.message}`;
}

/** Orders diagnostics as a reader meets them: by line and column, then by path. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || a.path.localeCompare(b.path),
  );
}

/** The closest of `candidates` to `word` when it is near enough to be a typo (for "did you mean"). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length < 3) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = word.length <= 4 ? 1 : Math.max(2, Math.ceil(word.length / 2.5));
  return bestDistance <= limit ? best : undefined;
}

/** ` (did you mean 'x'?)` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const guess = closest(word, candidates);
  return guess === undefined ? '' : ` (did you mean '${guess}'?)`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
