import type {
  ApprovalSpec,
  CacheSpec,
  ForEachSpec,
  ResourcesSpec,
  RetrySpec,
  StepSpec,
} from '../spec/pipeline-schema.js';
import { APPROVAL_OUTPUTS } from '../spec/scope.js';
import type { InputSpec, OutputSpec, ParamSpec } from '../spec/type-schemas.js';
import { bareType, type TypeName } from '../spec/value-types.js';
import { fail } from './definition-error.js';
import { Condition, Ref } from './refs.js';
import type { InputBinding, TypeBuilder } from './types-builder.js';

/** A step's declared outputs, by name: `{ model: t.artifact('model'), accuracy: t.float() }`. */
export type Outputs = Record<string, TypeBuilder<TypeName>>;
/** A step's inputs, by name: a reference (its type copied), or a typed binding (`t.float().from(ref)`). */
export type Inputs = Record<string, Ref | InputBinding>;

/** The refs to a step's outputs, typed by their declarations. */
export type OutputRefs<O extends Outputs> = {
  readonly [N in keyof O]: O[N] extends TypeBuilder<infer K> ? Ref<K> : never;
};

/** `{{inputs.NAME}}` and `{{outputs.NAME}}` for the names a step declares (typos do not compile). */
export interface Placeholders<I, O> {
  inputs: { readonly [N in keyof I]: string };
  outputs: { readonly [N in keyof O]: string };
}

export type Text<I, O> = readonly string[] | ((placeholders: Placeholders<I, O>) => readonly string[]);

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
  /** The container image on the Kubernetes executor (default: the server's `--kube-image`). */
  image?: string;
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

export type ApprovalOutputs = {
  approved: TypeBuilder<'bool'>;
  comment: TypeBuilder<'string'>;
  approver: TypeBuilder<'string'>;
};

export interface Group {
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

export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Adds steps to one section of the pipeline (`steps`, or `on_exit`), optionally inside a fan-out group. */
/** What the builders of one pipeline fill in. */
export interface BuildState {
  params: Record<string, ParamSpec>;
  steps: Record<string, StepSpec>;
  onExit: Record<string, StepSpec>;
  groupOf: Map<string, string>;
  groups: number;
}

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
      image: options.image,
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
