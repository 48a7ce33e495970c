import { stringify } from 'yaml';
import { InvalidParameterError } from '../../shared/index.js';
import { formatDiagnostic, type Diagnostic, type DiagnosticCode } from '../spec/diagnostics.js';
import type {
  ApprovalSpec,
  BindingSpec,
  CacheSpec,
  DefaultsSpec,
  ForEachSpec,
  InputSpec,
  OutputSpec,
  ParamSpec,
  PipelineSpec,
  ResourcesSpec,
  RetrySpec,
  StepSpec,
} from '../spec/pipeline-schema.js';
import { APPROVAL_OUTPUTS, PIPELINE_STATUS_TYPE } from '../spec/scope.js';
import { PIPELINE_API_VERSION, PIPELINE_KIND } from '../spec/syntax.js';
import { validatePipeline } from '../spec/validate-pipeline.js';
import { bareType, inferItemType, type TypeName } from '../spec/value-types.js';
import { Condition, Ref } from './refs.js';
import type { InputBinding, LiteralOf, TypeBuilder } from './types-builder.js';

/** A pipeline the builder could not make: the problems, each with its path in the document. */
export class PipelineDefinitionError extends InvalidParameterError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(`Invalid pipeline:\n${diagnostics.map((d) => `  ${formatDiagnostic(d, 'pipeline')}`).join('\n')}`);
  }
}

function fail(code: DiagnosticCode, path: string, message: string): never {
  throw new PipelineDefinitionError([{ code, path, message }]);
}

type Outputs = Record<string, TypeBuilder<TypeName>>;
type Inputs = Record<string, Ref | InputBinding>;

/** The refs to a step's outputs, typed by their declarations. */
export type OutputRefs<O extends Outputs> = {
  readonly [N in keyof O]: O[N] extends TypeBuilder<infer K> ? Ref<K> : never;
};

/** `{{inputs.NAME}}` and `{{outputs.NAME}}` for the names a step declares (typos do not compile). */
export interface Placeholders<I, O> {
  inputs: { readonly [N in keyof I]: string };
  outputs: { readonly [N in keyof O]: string };
}

type Text<I, O> = readonly string[] | ((placeholders: Placeholders<I, O>) => readonly string[]);

interface CommonOptions<I extends Inputs> {
  description?: string;
  inputs?: I;
  /** Steps that must end first, without passing data. */
  after?: readonly { readonly name: string }[];
  /** The step runs only when this holds: a Condition, a bool reference, or the condition text. */
  when?: Condition | Ref<'bool'> | string;
}

interface RunOptions<I extends Inputs, O extends Outputs> extends CommonOptions<I> {
  outputs?: O;
  retry?: RetrySpec;
  timeout?: string;
  cache?: CacheSpec;
  resources?: ResourcesSpec;
  requirements?: readonly string[];
  requirements_file?: string;
  env?: Record<string, string> | ((placeholders: Placeholders<I, O>) => Record<string, string>);
  /** Environment variable name → secret path (names only; the value never enters the document). */
  secrets?: Record<string, string>;
}

/** A step that runs an argv, a Python script or a Python function (`module:function`). */
export type StepOptions<I extends Inputs, O extends Outputs> = RunOptions<I, O> &
  (
    | { command: Text<I, O>; script?: never; function?: never }
    | { script: { path: string; args?: Text<I, O> }; command?: never; function?: never }
    | { function: string; command?: never; script?: never }
  );

export interface ApprovalOptions<I extends Inputs> extends CommonOptions<I> {
  message?: string | ((placeholders: Placeholders<I, Record<string, never>>) => string);
  timeout?: string;
  on_timeout?: ApprovalSpec['on_timeout'];
  on_reject?: ApprovalSpec['on_reject'];
  model?: ApprovalSpec['model'];
}

export interface StepHandle<O extends Outputs> {
  readonly name: string;
  readonly outputs: OutputRefs<O>;
}

/** A step inside a fan-out: `outputs` are this item's, `collected` the list of every item's (for steps outside). */
export interface FanOutStepHandle<O extends Outputs> extends StepHandle<O> {
  readonly collected: { readonly [N in keyof O]: Ref<'list'> };
}

type ApprovalOutputs = {
  approved: TypeBuilder<'bool'>;
  comment: TypeBuilder<'string'>;
  approver: TypeBuilder<'string'>;
};

export interface PipelineOptions {
  description?: string;
  labels?: Record<string, string>;
  defaults?: DefaultsSpec;
  timeout?: string;
  concurrency?: number;
}

export interface ParamOptions<K extends TypeName> {
  default?: LiteralOf<K>;
  description?: string;
}

interface Group {
  id: string;
  forEach: ForEachSpec;
  root?: string;
}

function placeholders(inputs: readonly string[], outputs: readonly string[]): Placeholders<Inputs, Outputs> {
  return {
    inputs: Object.fromEntries(inputs.map((n) => [n, `{{inputs.${n}}}`])),
    outputs: Object.fromEntries(outputs.map((n) => [n, `{{outputs.${n}}}`])),
  };
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Adds steps to one section of the pipeline (`steps`, or `on_exit`), optionally inside a fan-out group. */
export class StepsBuilder {
  constructor(
    protected readonly state: BuildState,
    private readonly section: 'steps' | 'on_exit',
    private readonly fanOut?: Group,
  ) {}

  /** A step that runs a command, a Python script or a Python function. */
  step<I extends Inputs, O extends Outputs = Record<string, never>>(
    name: string,
    options: StepOptions<I, O>,
  ): FanOutStepHandle<O> {
    const inputs = this.inputs(name, options.inputs);
    const outputNames = Object.keys(options.outputs ?? {});
    const ph = placeholders(Object.keys(inputs), outputNames) as Placeholders<I, O>;
    const text = (value: Text<I, O> | undefined) =>
      typeof value === 'function' ? [...value(ph)] : value === undefined ? undefined : [...value];
    const outputs: Record<string, OutputSpec> = {};
    for (const [n, builder] of Object.entries(options.outputs ?? {})) {
      outputs[n] = {
        ...builder.spec,
        ...(builder.description !== undefined ? { description: builder.description } : {}),
      } as OutputSpec;
    }
    const spec: StepSpec = defined({
      description: options.description,
      command: 'command' in options ? text(options.command) : undefined,
      script:
        'script' in options && options.script !== undefined
          ? defined({ path: options.script.path, args: text(options.script.args) })
          : undefined,
      function: 'function' in options ? options.function : undefined,
      for_each: this.fanOutOf(name),
      inputs: Object.keys(inputs).length > 0 ? inputs : undefined,
      outputs: outputNames.length > 0 ? outputs : undefined,
      after: this.after(options.after),
      when: this.when(name, options.when),
      retry: options.retry,
      timeout: options.timeout,
      cache: options.cache,
      resources: options.resources,
      requirements: options.requirements === undefined ? undefined : [...options.requirements],
      requirements_file: options.requirements_file,
      env: typeof options.env === 'function' ? options.env(ph) : options.env,
      secrets: options.secrets,
    });
    this.add(name, spec);
    const declared = Object.fromEntries(Object.entries(outputs).map(([n, o]) => [n, bareType(o)]));
    return this.handle<O>(name, declared);
  }

  /** A person approves or rejects (outputs: approved, comment, approver). */
  approval<I extends Inputs>(name: string, options: ApprovalOptions<I> = {}): StepHandle<ApprovalOutputs> {
    if (this.fanOut !== undefined)
      fail('field', `${this.section}.${name}`, 'an approval step cannot fan out');
    const inputs = this.inputs(name, options.inputs);
    const message =
      typeof options.message === 'function'
        ? options.message(placeholders(Object.keys(inputs), []) as Placeholders<I, Record<string, never>>)
        : options.message;
    const approval: ApprovalSpec = defined({
      message,
      timeout: options.timeout,
      on_timeout: options.on_timeout,
      on_reject: options.on_reject,
      model: options.model,
    });
    const spec: StepSpec = defined({
      description: options.description,
      approval,
      inputs: Object.keys(inputs).length > 0 ? inputs : undefined,
      after: this.after(options.after),
      when: this.when(name, options.when),
    });
    this.add(name, spec);
    return this.handle<ApprovalOutputs>(name, APPROVAL_OUTPUTS);
  }

  private add(name: string, spec: StepSpec): void {
    if (this.state.steps[name] !== undefined || this.state.onExit[name] !== undefined) {
      fail('duplicate', `${this.section}.${name}`, `a step named '${name}' already exists`);
    }
    (this.section === 'steps' ? this.state.steps : this.state.onExit)[name] = spec;
    if (this.fanOut !== undefined) this.state.groupOf.set(name, this.fanOut.id);
  }

  private handle<O extends Outputs>(
    name: string,
    declared: Record<string, ReturnType<typeof bareType>>,
  ): FanOutStepHandle<O> {
    const group = this.fanOut?.id;
    const outputs = Object.fromEntries(
      Object.entries(declared).map(([n, type]) => [n, new Ref(`steps.${name}.outputs.${n}`, type, group)]),
    );
    const collected = Object.fromEntries(
      Object.entries(declared).map(([n, type]) => {
        if (group === undefined) return [n, undefined];
        if (type.type === 'list') return [n, undefined];
        return [
          n,
          new Ref(
            `steps.${name}.outputs.${n}`,
            { type: 'list', items: type } as ReturnType<typeof bareType>,
            `collected:${group}`,
          ),
        ];
      }),
    );
    return {
      name,
      outputs: outputs as OutputRefs<O>,
      collected: new Proxy(collected, {
        get: (target, key) => {
          const ref = target[key as string];
          if (ref === undefined && typeof key === 'string') {
            fail(
              'reference',
              `steps.${name}.outputs.${key}`,
              group === undefined
                ? `'${name}' does not fan out: read ${name}.outputs.${key}`
                : `cannot collect '${name}.${key}'`,
            );
          }
          return ref;
        },
      }) as FanOutStepHandle<O>['collected'],
    };
  }

  private inputs(step: string, inputs: Inputs | undefined): Record<string, InputSpec> {
    const out: Record<string, InputSpec> = {};
    for (const [name, value] of Object.entries(inputs ?? {})) {
      const ref = value instanceof Ref ? value : value.ref;
      if (ref !== undefined) this.visible(step, ref, `inputs.${name}`);
      out[name] = value instanceof Ref ? ({ ...value.type, from: value.path } as InputSpec) : value.binding;
    }
    return out;
  }

  /** A per-item value is visible only inside its own fan-out; a collected list only outside it. */
  private visible(step: string, ref: Ref, where: string): void {
    const path = `${this.section}.${step}.${where}`;
    const mine = this.fanOut?.id;
    if (ref.group === undefined) return;
    if (ref.group.startsWith('collected:')) {
      if (ref.group === `collected:${mine}`)
        fail('reference', path, `${ref.path} is collected from this same fan-out: read its outputs directly`);
      return;
    }
    if (ref.group !== mine) {
      const [, producer, , output] = ref.path.split('.');
      const hint =
        producer === undefined
          ? 'the fan-out item exists only inside its forEach'
          : `outside the fan-out, read ${producer}.collected.${output ?? ''}`;
      fail('reference', path, `${ref.path} is a per-item value: ${hint}`);
    }
  }

  private after(after: readonly { readonly name: string }[] | undefined): string[] | undefined {
    return after === undefined ? undefined : after.map((h) => h.name);
  }

  private when(step: string, when: Condition | Ref<'bool'> | string | undefined): string | undefined {
    if (when === undefined || typeof when === 'string') return when;
    if (when instanceof Ref) {
      this.visible(step, when, 'when');
      return when.path;
    }
    for (const ref of when.refs) this.visible(step, ref, 'when');
    return when.toString();
  }

  private fanOutOf(step: string): ForEachSpec | undefined {
    const group = this.fanOut;
    if (group === undefined) return undefined;
    if (group.root === undefined) {
      group.root = step;
      return group.forEach;
    }
    return { items_of: group.root };
  }
}

/** What `pipeline(...)`'s build function receives. */
export class PipelineBuilder extends StepsBuilder {
  constructor(state: BuildState) {
    super(state, 'steps');
  }

  /** A pipeline parameter; the returned reference feeds inputs and conditions. */
  param<K extends TypeName>(name: string, type: TypeBuilder<K>, options: ParamOptions<K> = {}): Ref<K> {
    if (this.state.params[name] !== undefined)
      fail('duplicate', `params.${name}`, `a parameter named '${name}' already exists`);
    this.state.params[name] = defined({
      ...type.spec,
      default: options.default,
      description: options.description ?? type.description,
    }) as ParamSpec;
    return new Ref<K>(`params.${name}`, bareType(type.spec));
  }

  /**
   * Steps made by `body` run once per element of `items` (a list reference or a constant list), at most
   * `concurrency` at a time. Inside, `item` is the element; steps read each other's outputs for the same element.
   * Outside, read a step's `collected` outputs: the list of all of them, in item order.
   */
  forEach<R>(
    items: Ref<'list'> | readonly (string | number | boolean)[],
    options: { concurrency?: number },
    body: (item: Ref, each: StepsBuilder) => R,
  ): R {
    const group = this.newGroup(defined({ items: this.binding(items), concurrency: options.concurrency }));
    const itemType =
      items instanceof Ref
        ? items.type.type === 'list'
          ? items.type.items
          : undefined
        : inferItemType(items);
    const item = new Ref('item', itemType ?? { type: 'string' }, group.id);
    return body(item, new StepsBuilder(this.state, 'steps', group));
  }

  /** Like forEach, over every combination of the lists (`item.lr`, `item.depth`). */
  forEachMatrix<M extends Record<string, Ref<'list'> | readonly (string | number | boolean)[]>, R>(
    matrix: M,
    options: { concurrency?: number },
    body: (item: { readonly [N in keyof M]: Ref }, each: StepsBuilder) => R,
  ): R {
    const bindings = Object.fromEntries(Object.entries(matrix).map(([k, v]) => [k, this.binding(v)]));
    const group = this.newGroup(defined({ matrix: bindings, concurrency: options.concurrency }));
    const item = Object.fromEntries(
      Object.entries(matrix).map(([k, v]) => {
        const type =
          v instanceof Ref ? (v.type.type === 'list' ? v.type.items : undefined) : inferItemType(v);
        return [k, new Ref(`item.${k}`, type ?? { type: 'string' }, group.id)];
      }),
    ) as { readonly [N in keyof M]: Ref };
    return body(item, new StepsBuilder(this.state, 'steps', group));
  }

  /** Exit handlers: steps run once the others have ended, whatever the outcome (`status` tells which). */
  onExit(body: (exit: StepsBuilder, status: Ref<'enum'>) => void): void {
    body(new StepsBuilder(this.state, 'on_exit'), new Ref<'enum'>('pipeline.status', PIPELINE_STATUS_TYPE));
  }

  private newGroup(forEach: ForEachSpec): Group {
    this.state.groups += 1;
    return { id: `fanout${this.state.groups}`, forEach };
  }

  private binding(items: Ref<'list'> | readonly (string | number | boolean)[]): BindingSpec {
    return items instanceof Ref ? { from: items.path } : { value: [...items] };
  }
}

interface BuildState {
  params: Record<string, ParamSpec>;
  steps: Record<string, StepSpec>;
  onExit: Record<string, StepSpec>;
  groupOf: Map<string, string>;
  groups: number;
}

type Build = (p: PipelineBuilder) => Record<string, Ref> | void;

/**
 * Builds a pipeline document with types: the same document as the YAML form, checked by the same validator
 * (a problem throws a PipelineDefinitionError naming its path).
 *
 * @example
 * const spec = pipeline('train', (p) => {
 *   const rows = p.param('rows', t.int({ min: 1 }), { default: 100 });
 *   const prep = p.step('prepare', {
 *     command: ({ inputs, outputs }) => ['python', 'prep.py', inputs.rows, outputs.table],
 *     inputs: { rows },
 *     outputs: { table: t.artifact('dataset') },
 *   });
 *   p.step('train', { function: 'pkg.train:train', inputs: { data: prep.outputs.table } });
 * });
 */
export function pipeline(name: string, build: Build): PipelineSpec;
export function pipeline(name: string, options: PipelineOptions, build: Build): PipelineSpec;
export function pipeline(name: string, second: PipelineOptions | Build, third?: Build): PipelineSpec {
  const options = typeof second === 'function' ? {} : second;
  const build = typeof second === 'function' ? second : third;
  if (build === undefined)
    throw new InvalidParameterError('pipeline(name, [options], build): build is missing');
  const state: BuildState = { params: {}, steps: {}, onExit: {}, groupOf: new Map(), groups: 0 };
  const returned = build(new PipelineBuilder(state));
  const outputs =
    returned === undefined
      ? undefined
      : Object.fromEntries(Object.entries(returned).map(([n, ref]) => [n, { from: ref.path }]));
  const spec: PipelineSpec = defined({
    apiVersion: PIPELINE_API_VERSION,
    kind: PIPELINE_KIND,
    name,
    description: options.description,
    labels: options.labels,
    params: Object.keys(state.params).length > 0 ? state.params : undefined,
    defaults: options.defaults,
    timeout: options.timeout,
    concurrency: options.concurrency,
    steps: state.steps,
    on_exit: Object.keys(state.onExit).length > 0 ? state.onExit : undefined,
    outputs: outputs !== undefined && Object.keys(outputs).length > 0 ? outputs : undefined,
  }) as PipelineSpec;
  const result = validatePipeline(spec);
  if (!result.ok) throw new PipelineDefinitionError(result.diagnostics);
  return spec;
}

/** A pipeline document as YAML (what `bosun pipeline validate` and the server read). */
export function pipelineToYaml(spec: PipelineSpec): string {
  return stringify(spec, { lineWidth: 0 });
}
