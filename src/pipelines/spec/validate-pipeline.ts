import { CheckContext, stepKind, type StepEntry } from './check-context.js';
import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { buildGraph, type PipelineGraph } from './pipeline-graph.js';
import { PipelineSpecSchema, type PipelineSpec, type StepSpec } from './pipeline-schema.js';
import { readDocument, type SourceMap } from './read-document.js';
import { Scope } from './scope.js';
import { checkDurations, checkEnv, checkStep } from './step-checks.js';
import { checkStructure, isPlainObject } from './structure-check.js';
import { PIPELINE_API_VERSION, PIPELINE_KIND } from './syntax.js';
import { checkTypeDeclaration } from './type-checks.js';
import { validateValue } from './value-types.js';

/** A pipeline that passed every check, with its graph; or the problems found. */
export type ValidationResult =
  | { ok: true; spec: PipelineSpec; graph: PipelineGraph; diagnostics: [] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Reads and checks a pipeline written as YAML or JSON text. Every problem found is reported at once, in document
 * order, with its line and column.
 *
 * @example
 * const result = validatePipelineText(readFileSync('pipeline.yaml', 'utf8'));
 * if (!result.ok) for (const d of result.diagnostics) console.log(formatDiagnostic(d, 'pipeline.yaml'));
 */
export function validatePipelineText(text: string): ValidationResult {
  const read = readDocument(text);
  if (read.value === undefined) return { ok: false, diagnostics: sortDiagnostics(read.diagnostics) };
  const result = validatePipeline(read.value, read.sourceMap);
  if (read.diagnostics.length === 0) return result;
  return { ok: false, diagnostics: sortDiagnostics([...read.diagnostics, ...result.diagnostics]) };
}

/**
 * Checks a pipeline document already in memory (from JSON, or built by the TypeScript DSL); `sourceMap` adds
 * positions when it came from text. Four passes: the version, the structure (fields and their shapes), the meaning
 * (references, types, conditions, fan-out, placeholders, names), and the graph (cycles).
 */
export function validatePipeline(value: unknown, sourceMap?: SourceMap): ValidationResult {
  const version = checkVersion(value, sourceMap);
  if (version.length > 0) return { ok: false, diagnostics: version };

  const structure = checkStructure(PipelineSpecSchema, value, sourceMap);
  const spec = value as PipelineSpec;
  if (!isPlainObject(spec.steps)) return { ok: false, diagnostics: sortDiagnostics(structure.diagnostics) };

  const context = new CheckContext(spec, structure.broken, sourceMap);
  context.diagnostics.push(...structure.diagnostics);
  collectSteps(context);
  const scope = new Scope(context);

  for (const [name, param] of Object.entries(spec.params ?? {})) {
    if (!context.clean(['params', name])) continue;
    checkTypeDeclaration(context, param, ['params', name]);
    if (param.default !== undefined) {
      const problem = validateValue(param, param.default);
      if (problem !== undefined)
        context.report('type', ['params', name, 'default'], `default of '${name}': ${problem}`);
    }
  }
  if (spec.defaults !== undefined && context.clean(['defaults'])) {
    checkEnv(context, ['defaults'], spec.defaults.env);
    checkDurations(context, ['defaults'], spec.defaults);
  }
  if (spec.timeout !== undefined && context.clean(['timeout']))
    checkDurations(context, [], { timeout: spec.timeout });
  for (const entry of context.steps.values()) checkStep(context, scope, entry);
  for (const [name, output] of Object.entries(spec.outputs ?? {})) {
    if (!context.clean(['outputs', name])) continue;
    const resolved = scope.resolve(output.from, undefined, { allowItem: false });
    if (!resolved.ok) context.report(resolved.code, ['outputs', name, 'from'], resolved.message);
    else if (resolved.producer === undefined && resolved.type !== undefined) {
      context.report(
        'reference',
        ['outputs', name, 'from'],
        `a pipeline output is a step's output (steps.STEP.outputs.NAME), not ${output.from}`,
      );
    }
  }

  const nodes = [...context.steps.values()].map((entry) => ({
    name: entry.name,
    phase: entry.phase,
    kind: stepKind(entry.spec),
    ...(entry.spec.for_each !== undefined ? { fanOutRoot: scope.groupOf(entry.name) ?? entry.name } : {}),
    ...(typeof entry.spec.when === 'string' ? { when: entry.spec.when } : {}),
  }));
  const built = buildGraph(nodes, context.edges);
  if ('cycles' in built) {
    for (const cycle of built.cycles) {
      const self = cycle.steps.length === 1 ? ` ('${cycle.steps[0]}' reads itself)` : '';
      context.report(
        'cycle',
        cycle.closing.path,
        `cycle: ${[...cycle.steps, cycle.steps[0]].join(' → ')}${self}`,
      );
    }
  }
  if (context.diagnostics.length > 0 || 'cycles' in built) {
    return { ok: false, diagnostics: sortDiagnostics(context.diagnostics) };
  }
  return { ok: true, spec, graph: built.graph, diagnostics: [] };
}

function checkVersion(value: unknown, sourceMap?: SourceMap): Diagnostic[] {
  const at = (path: string[]) => sourceMap?.locate(path) ?? {};
  if (!isPlainObject(value)) {
    return [
      {
        code: 'version',
        path: '',
        message: `a pipeline is a map with apiVersion: ${PIPELINE_API_VERSION}`,
        ...at([]),
      },
    ];
  }
  const apiVersion = value['apiVersion'];
  if (apiVersion !== PIPELINE_API_VERSION) {
    const message =
      apiVersion === undefined
        ? `missing apiVersion: this Bosun reads apiVersion: ${PIPELINE_API_VERSION}`
        : `unsupported apiVersion ${JSON.stringify(apiVersion)}: this Bosun reads ${PIPELINE_API_VERSION}`;
    return [
      {
        code: 'version',
        path: apiVersion === undefined ? '' : 'apiVersion',
        message,
        ...at(apiVersion === undefined ? [] : ['apiVersion']),
      },
    ];
  }
  if (value['kind'] !== PIPELINE_KIND) {
    const kind = value['kind'];
    const message =
      kind === undefined
        ? `missing kind: ${PIPELINE_KIND}`
        : `unsupported kind ${JSON.stringify(kind)}: expected ${PIPELINE_KIND}`;
    return [
      {
        code: 'version',
        path: kind === undefined ? '' : 'kind',
        message,
        ...at(kind === undefined ? [] : ['kind']),
      },
    ];
  }
  return [];
}

/** Steps from `steps` then `on_exit`; a name in both is a duplicate (one namespace, so references stay unambiguous). */
function collectSteps(context: CheckContext): void {
  let index = 0;
  const add = (section: 'steps' | 'on_exit', steps: unknown) => {
    if (!isPlainObject(steps)) return;
    for (const [name, spec] of Object.entries(steps)) {
      if (!isPlainObject(spec)) continue;
      const existing = context.steps.get(name);
      if (existing !== undefined) {
        context.report('duplicate', [section, name], `a step named '${name}' is already in steps`, {
          part: 'key',
        });
        continue;
      }
      const entry: StepEntry = {
        name,
        spec: spec as StepSpec,
        phase: section === 'steps' ? 'main' : 'exit',
        path: [section, name],
        index: index++,
      };
      context.steps.set(name, entry);
    }
  };
  add('steps', context.spec.steps);
  add('on_exit', context.spec.on_exit);
}
