import { stepKind, type CheckContext, type StepEntry } from './check-context.js';
import { didYouMean, type DocPath } from './diagnostics.js';
import type { BindingSpec } from './pipeline-schema.js';
import type { InputSpec } from './type-schemas.js';
import { findPlaceholders } from './placeholders.js';
import type { Scope } from './scope.js';
import { RESERVED_ENV_PREFIXES, parseDuration } from './syntax.js';
import { checkTypeDeclaration } from './type-checks.js';
import { assignability, aType, describeType, inferItemType, validateValue } from './value-types.js';
import { checkWhen } from './when-check.js';

/** Fields an approval step has no use for: it runs nothing. */
const NOT_FOR_APPROVALS = [
  'outputs',
  'for_each',
  'retry',
  'timeout',
  'cache',
  'resources',
  'requirements',
  'requirements_file',
  'env',
  'secrets',
] as const;

/** Checks one step: its inputs, outputs, order, condition, fan-out, placeholders and settings. */
export function checkStep(context: CheckContext, scope: Scope, raw: StepEntry): void {
  const entry = usableParts(context, raw);
  const { spec, path } = entry;
  const kind = stepKind(raw.spec);
  if (kind === 'approval') {
    for (const field of NOT_FOR_APPROVALS) {
      if (spec[field] !== undefined) {
        const hint =
          field === 'timeout'
            ? ' (use approval.timeout)'
            : field === 'outputs'
              ? ' (its outputs are approved, comment, approver)'
              : '';
        context.report('field', [...path, field], `an approval step does not use '${field}'${hint}`, {
          part: 'key',
        });
      }
    }
  }
  for (const name of Object.keys(spec.inputs ?? {})) {
    if (context.clean([...path, 'inputs', name])) checkInput(context, scope, entry, name);
  }
  for (const [name, output] of Object.entries(spec.outputs ?? {})) {
    if (context.clean([...path, 'outputs', name]))
      checkTypeDeclaration(context, output, [...path, 'outputs', name]);
  }
  if (spec.after !== undefined) checkAfter(context, entry, spec.after);
  if (spec.when !== undefined) checkWhen(context, scope, raw, spec.when);
  if (spec.for_each !== undefined && kind !== 'approval') checkForEach(context, scope, raw);
  checkPlaceholders(context, entry);
  checkSettings(context, entry);
}

/**
 * The step with every field the structural check found broken left out (inputs and outputs stay: they are
 * checked one by one), so the checks below can trust the shapes they read.
 */
function usableParts(context: CheckContext, entry: StepEntry): StepEntry {
  const spec: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(entry.spec)) {
    if (field === 'inputs' || field === 'outputs' || context.clean([...entry.path, field]))
      spec[field] = value;
  }
  return { ...entry, spec: spec as StepEntry['spec'] };
}

function checkInput(context: CheckContext, scope: Scope, entry: StepEntry, name: string): void {
  const input = entry.spec.inputs?.[name] as InputSpec;
  const path: DocPath = [...entry.path, 'inputs', name];
  checkTypeDeclaration(context, input, path);
  if (input.from !== undefined && input.value !== undefined) {
    context.report('field', [...path, 'value'], `input '${name}' has both from and value: give one`, {
      part: 'key',
    });
    return;
  }
  if (input.value !== undefined) {
    const problem = validateValue(input, input.value);
    if (problem !== undefined)
      context.report('type', [...path, 'value'], `value of input '${name}': ${problem}`);
    return;
  }
  if (input.from === undefined) {
    context.report('field', path, `input '${name}' needs from (a reference) or value (a constant)`);
    return;
  }
  const resolved = scope.resolve(input.from, entry, { allowItem: true });
  if (!resolved.ok) {
    context.report(resolved.code, [...path, 'from'], resolved.message);
    return;
  }
  if (resolved.producer !== undefined) {
    context.edges.push({
      from: resolved.producer,
      to: entry.name,
      kind: 'input',
      output: resolved.output,
      path: [...path, 'from'],
    });
  }
  if (resolved.type === undefined) return;
  if (assignability(resolved.type, input) !== undefined) {
    const fanIn =
      resolved.collected !== undefined
        ? ` ('${resolved.collected.step}' runs once per item, so its output arrives here as the list of all of them)`
        : '';
    context.report(
      'type',
      [...path, 'from'],
      `type mismatch: ${input.from} is ${describeType(resolved.type)}, input '${name}' is ${describeType(input)}${fanIn}`,
    );
  }
}

function checkAfter(context: CheckContext, entry: StepEntry, after: readonly string[]): void {
  after.forEach((name, index) => {
    const path: DocPath = [...entry.path, 'after', index];
    const target = context.steps.get(name);
    if (target === undefined) {
      context.report('reference', path, `unknown step '${name}'${didYouMean(name, context.steps.keys())}`);
    } else if (target.phase === 'exit' && entry.phase === 'main') {
      context.report(
        'reference',
        path,
        `'${name}' is an exit handler: it runs after every other step, so '${entry.name}' cannot wait for it`,
      );
    } else {
      context.edges.push({ from: name, to: entry.name, kind: 'after', path });
    }
  });
}

function checkForEach(context: CheckContext, scope: Scope, entry: StepEntry): void {
  const forEach = entry.spec.for_each;
  if (forEach === undefined) return;
  const path: DocPath = [...entry.path, 'for_each'];
  if (forEach.items_of !== undefined) {
    const target = context.steps.get(forEach.items_of);
    const at: DocPath = [...path, 'items_of'];
    if (target === undefined) {
      context.report(
        'reference',
        at,
        `unknown step '${forEach.items_of}'${didYouMean(forEach.items_of, context.steps.keys())}`,
      );
    } else if (target.spec.for_each === undefined) {
      context.report(
        'reference',
        at,
        `'${forEach.items_of}' does not fan out: items_of names a step with for_each`,
      );
    } else if (target.phase !== entry.phase) {
      context.report(
        'reference',
        at,
        `'${forEach.items_of}' is in ${target.phase === 'exit' ? 'on_exit' : 'steps'}: a fan-out group stays in one section`,
      );
    } else {
      const loop = scope.itemsOfLoop(entry.name);
      if (loop !== undefined && loop[0] === entry.name)
        context.report('cycle', at, `items_of goes round in a circle: ${loop.join(' → ')}`);
    }
    if (forEach.concurrency !== undefined) {
      const root = scope.groupOf(entry.name);
      context.report(
        'field',
        [...path, 'concurrency'],
        `set concurrency on the step that starts the fan-out${root === undefined ? '' : ` ('${root}')`}: its followers share it`,
        { part: 'key' },
      );
    }
    return;
  }
  if (forEach.items !== undefined)
    checkItemsBinding(context, scope, entry, forEach.items, [...path, 'items']);
  if (forEach.matrix !== undefined) {
    const keys = Object.entries(forEach.matrix);
    if (keys.length === 0) context.report('field', [...path, 'matrix'], 'a matrix needs at least one list');
    for (const [key, binding] of keys)
      checkItemsBinding(context, scope, entry, binding, [...path, 'matrix', key]);
  }
}

function checkItemsBinding(
  context: CheckContext,
  scope: Scope,
  entry: StepEntry,
  binding: BindingSpec,
  path: DocPath,
): void {
  if (binding.value !== undefined) {
    if (binding.value.length === 0)
      context.report('field', [...path, 'value'], 'the list is empty: the step would never run');
    else if (inferItemType(binding.value) === undefined) {
      context.report(
        'type',
        [...path, 'value'],
        'the list mixes types: use only strings, only numbers or only booleans',
      );
    }
    return;
  }
  if (binding.from === undefined) return;
  const resolved = scope.resolve(binding.from, entry, { allowItem: false });
  if (!resolved.ok) {
    context.report(resolved.code, [...path, 'from'], resolved.message);
    return;
  }
  if (resolved.producer !== undefined) {
    context.edges.push({
      from: resolved.producer,
      to: entry.name,
      kind: 'for_each',
      output: resolved.output,
      path: [...path, 'from'],
    });
  }
  if (resolved.type !== undefined && resolved.type.type !== 'list') {
    context.report(
      'type',
      [...path, 'from'],
      `a fan-out goes over a list, and ${binding.from} is ${aType(resolved.type)}`,
    );
  }
}

/** `{{inputs.NAME}}` and `{{outputs.NAME}}` in the step's own text name what it declares. */
function checkPlaceholders(context: CheckContext, entry: StepEntry): void {
  const { spec, path } = entry;
  const inputs = Object.keys(spec.inputs ?? {});
  const outputs = Object.keys(spec.outputs ?? {});
  const texts: [DocPath, string, boolean][] = [];
  spec.command?.forEach((arg, i) => texts.push([[...path, 'command', i], arg, true]));
  spec.script?.args?.forEach((arg, i) => texts.push([[...path, 'script', 'args', i], arg, true]));
  for (const [name, value] of Object.entries(spec.env ?? {}))
    texts.push([[...path, 'env', name], value, true]);
  if (spec.approval?.message !== undefined)
    texts.push([[...path, 'approval', 'message'], spec.approval.message, false]);

  for (const [at, text, outputsAllowed] of texts) {
    if (typeof text !== 'string' || !context.clean(at)) continue;
    for (const placeholder of findPlaceholders(text)) {
      const where = { offset: placeholder.offset };
      const target = placeholder.target;
      if (target === undefined) {
        context.report(
          'placeholder',
          at,
          `unknown placeholder '${placeholder.text}': use {{inputs.NAME}} or {{outputs.NAME}}`,
          where,
        );
      } else if (target.section === 'outputs' && !outputsAllowed) {
        context.report(
          'placeholder',
          at,
          `'${placeholder.text}': an approval message can show inputs only`,
          where,
        );
      } else {
        const declared = target.section === 'inputs' ? inputs : outputs;
        const noun = target.section === 'inputs' ? 'input' : 'output';
        if (!declared.includes(target.name)) {
          const known =
            declared.length === 0
              ? ` (it declares no ${target.section})`
              : didYouMean(target.name, declared) || ` (${target.section}: ${declared.join(', ')})`;
          context.report(
            'placeholder',
            at,
            `'${placeholder.text}': the step has no ${noun} '${target.name}'${known}`,
            where,
          );
        }
      }
    }
  }
}

function checkSettings(context: CheckContext, entry: StepEntry): void {
  const { spec, path } = entry;
  const inputs = spec.inputs ?? {};
  spec.cache?.ignore_inputs?.forEach((name, i) => {
    if (!(name in inputs)) {
      context.report(
        'reference',
        [...path, 'cache', 'ignore_inputs', i],
        `'${name}' is not an input of '${entry.name}'${didYouMean(name, Object.keys(inputs))}`,
      );
    }
  });
  checkEnv(context, path, spec.env, spec.secrets);
  checkDurations(context, path, spec);
  const model = spec.approval?.model;
  if (model !== undefined) {
    for (const [field, allowed] of [
      ['name', ['string']],
      ['version', ['string', 'int']],
    ] as const) {
      const inputName = model[field];
      const input = inputs[inputName];
      const at: DocPath = [...path, 'approval', 'model', field];
      if (input === undefined)
        context.report(
          'reference',
          at,
          `'${inputName}' is not an input of '${entry.name}'${didYouMean(inputName, Object.keys(inputs))}`,
        );
      else if (!(allowed as readonly string[]).includes(input.type)) {
        context.report(
          'type',
          at,
          `the model ${field} input '${inputName}' is ${describeType(input)}; it must be ${allowed.join(' or ')}`,
        );
      }
    }
  }
}

/** Names Bosun sets itself are refused; a name in both env and secrets is ambiguous. */
export function checkEnv(
  context: CheckContext,
  path: DocPath,
  env: Record<string, string> | undefined,
  secrets?: Record<string, string>,
): void {
  for (const [section, names] of [
    ['env', Object.keys(env ?? {})],
    ['secrets', Object.keys(secrets ?? {})],
  ] as const) {
    for (const name of names) {
      const prefix = RESERVED_ENV_PREFIXES.find((p) => name.toUpperCase().startsWith(p));
      if (prefix !== undefined) {
        context.report(
          'field',
          [...path, section, name],
          `'${name}' is reserved: Bosun sets the ${prefix}* variables itself`,
          { part: 'key' },
        );
      }
    }
  }
  for (const name of Object.keys(secrets ?? {})) {
    if (env !== undefined && name in env) {
      context.report('duplicate', [...path, 'secrets', name], `'${name}' is set both in env and in secrets`, {
        part: 'key',
      });
    }
  }
}

/** Timeouts above zero; a backoff's first delay no longer than its longest. */
export function checkDurations(
  context: CheckContext,
  path: DocPath,
  settings: {
    timeout?: string;
    retry?: { backoff?: { initial?: string; max?: string } };
    approval?: { timeout?: string };
  },
): void {
  const positive = (value: string | undefined, at: DocPath) => {
    if (value !== undefined && parseDuration(value) === 0)
      context.report('field', at, 'a timeout must be longer than 0');
  };
  positive(settings.timeout, [...path, 'timeout']);
  positive(settings.approval?.timeout, [...path, 'approval', 'timeout']);
  const backoff = settings.retry?.backoff;
  const initial = backoff?.initial === undefined ? undefined : parseDuration(backoff.initial);
  const max = backoff?.max === undefined ? undefined : parseDuration(backoff.max);
  if (initial !== undefined && max !== undefined && initial > max) {
    context.report(
      'field',
      [...path, 'retry', 'backoff', 'initial'],
      `the first delay ${backoff?.initial} is longer than max ${backoff?.max}`,
    );
  }
}
