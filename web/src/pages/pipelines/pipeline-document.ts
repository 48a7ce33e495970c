/*
 * What the pages draw of a stored pipeline document (the server validated it when it was defined): its steps,
 * their dependencies (the same references `bosun pipeline show` draws: `after`, inputs `from`, `when`,
 * `for_each`), its parameters, and rows for a top-down drawing.
 */

/** How a step runs (docs/pipelines.md "Steps"). */
export type StepKind = 'command' | 'script' | 'function' | 'approval';

/** A step of the document as the pages show it. */
export interface DocumentStep {
  name: string;
  /** `exit` for the exit handlers under `on_exit`. */
  phase: 'main' | 'exit';
  kind: StepKind;
  description: string | null;
  /** The steps it depends on directly, in document order. */
  dependsOn: string[];
  /** Runs once per item (`for_each`). */
  fanOut: boolean;
  when: string | null;
  /** `cache: {enabled: false}` (on the step or in `defaults`). */
  cacheDisabled: boolean;
  retryLimit: number | null;
}

/** A parameter a run is given. */
export interface DocumentParam {
  name: string;
  type: string;
  /** Present when the parameter has a default. */
  default?: unknown;
  description: string | null;
  /** The allowed values of an `enum`. */
  values: string[] | null;
}

/** The parts of a pipeline document the pages use. */
export interface PipelineDocument {
  description: string | null;
  params: DocumentParam[];
  steps: DocumentStep[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const entries = (v: unknown): [string, unknown][] => (isObject(v) ? Object.entries(v) : []);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const stepReference = /\bsteps\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every `steps.NAME` a reference or condition names. */
function referencedSteps(value: unknown): string[] {
  const found: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(stepReference)) if (m[1] !== undefined) found.push(m[1]);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) Object.values(v).forEach(visit);
  };
  visit(value);
  return found;
}

function kindOf(step: Json): StepKind {
  if (step.approval !== undefined) return 'approval';
  if (step.script !== undefined) return 'script';
  if (step.function !== undefined) return 'function';
  return 'command';
}

function readStep(name: string, raw: unknown, phase: 'main' | 'exit', defaults: Json): DocumentStep {
  const step = isObject(raw) ? raw : {};
  const forEach = isObject(step.for_each) ? step.for_each : undefined;
  const deps = [
    ...(Array.isArray(step.after) ? step.after.filter((a): a is string => typeof a === 'string') : []),
    ...entries(step.inputs).flatMap(([, input]) => referencedSteps(isObject(input) ? input.from : undefined)),
    ...referencedSteps(step.when),
    ...(forEach === undefined
      ? []
      : [
          ...referencedSteps(forEach.items),
          ...referencedSteps(forEach.matrix),
          ...(typeof forEach.items_of === 'string' ? [forEach.items_of] : []),
        ]),
  ];
  const cache = isObject(step.cache) ? step.cache : isObject(defaults.cache) ? defaults.cache : {};
  const retry = isObject(step.retry) ? step.retry : isObject(defaults.retry) ? defaults.retry : {};
  return {
    name,
    phase,
    kind: kindOf(step),
    description: text(step.description),
    dependsOn: [...new Set(deps)].filter((d) => d !== name),
    fanOut: forEach !== undefined,
    when: text(step.when),
    cacheDisabled: cache.enabled === false,
    retryLimit: typeof retry.limit === 'number' ? retry.limit : null,
  };
}

/** Reads a stored document; anything missing is left out rather than refused (the server checked it). */
export function readPipelineDocument(document: unknown): PipelineDocument {
  const doc = isObject(document) ? document : {};
  const defaults = isObject(doc.defaults) ? doc.defaults : {};
  const main = entries(doc.steps).map(([name, raw]) => readStep(name, raw, 'main', defaults));
  const exit = entries(doc.on_exit).map(([name, raw]) => readStep(name, raw, 'exit', defaults));
  const names = new Set([...main, ...exit].map((s) => s.name));
  const steps = [...main, ...exit].map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => names.has(d)) }));
  const params = entries(doc.params).map(([name, raw]): DocumentParam => {
    const p = isObject(raw) ? raw : {};
    return {
      name,
      type: text(p.type) ?? 'string',
      ...('default' in p ? { default: p.default } : {}),
      description: text(p.description),
      values: Array.isArray(p.values) ? p.values.map(String) : null,
    };
  });
  return { description: text(doc.description), params, steps };
}

/**
 * The steps by row for a top-down drawing: a step sits one row below its deepest dependency; exit handlers
 * start below every main step. Within a row, steps are ordered by where their dependencies sit (fewer crossing
 * lines), then by document order.
 */
export function stepRows(steps: readonly DocumentStep[]): DocumentStep[][] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const level = new Map<string, number>();
  const levelOf = (s: DocumentStep, seen: Set<string>): number => {
    const known = level.get(s.name);
    if (known !== undefined) return known;
    if (seen.has(s.name)) return 0;
    seen.add(s.name);
    const deps = s.dependsOn.flatMap((d) => {
      const dep = byName.get(d);
      return dep === undefined ? [] : [levelOf(dep, seen)];
    });
    const own = deps.length === 0 ? 0 : Math.max(...deps) + 1;
    level.set(s.name, own);
    return own;
  };
  const main = steps.filter((s) => s.phase === 'main');
  const exit = steps.filter((s) => s.phase === 'exit');
  main.forEach((s) => levelOf(s, new Set()));
  const mainDepth = Math.max(-1, ...main.map((s) => level.get(s.name) ?? 0)) + 1;
  // Exit handlers: rows of their own below the main steps, ordered among themselves.
  const exitLevel = new Map<string, number>();
  const exitLevelOf = (s: DocumentStep, seen: Set<string>): number => {
    const known = exitLevel.get(s.name);
    if (known !== undefined) return known;
    if (seen.has(s.name)) return 0;
    seen.add(s.name);
    const deps = s.dependsOn.flatMap((d) => {
      const dep = byName.get(d);
      return dep === undefined || dep.phase !== 'exit' ? [] : [exitLevelOf(dep, seen)];
    });
    const own = deps.length === 0 ? 0 : Math.max(...deps) + 1;
    exitLevel.set(s.name, own);
    return own;
  };
  exit.forEach((s) => level.set(s.name, mainDepth + exitLevelOf(s, new Set())));
  const rows: DocumentStep[][] = [];
  for (const s of steps) {
    const l = level.get(s.name) ?? 0;
    while (rows.length <= l) rows.push([]);
    rows[l]?.push(s);
  }
  const position = new Map<string, number>();
  return rows
    .filter((row) => row.length > 0)
    .map((row) => {
      const centre = (s: DocumentStep): number => {
        const placed = s.dependsOn.flatMap((d) => {
          const p = position.get(d);
          return p === undefined ? [] : [p];
        });
        return placed.length === 0 ? Infinity : placed.reduce((a, b) => a + b, 0) / placed.length;
      };
      const ordered = row
        .map((s, i) => ({ s, i, c: centre(s) }))
        .sort((a, b) => (a.c === b.c ? a.i - b.i : a.c - b.c))
        .map((x) => x.s);
      ordered.forEach((s, i) => position.set(s.name, i - (ordered.length - 1) / 2));
      return ordered;
    });
}
