import { stringify } from 'yaml';
import { InvalidParameterError } from '../../shared/index.js';
import type { BindingSpec, DefaultsSpec, ForEachSpec, PipelineSpec } from '../spec/pipeline-schema.js';
import { PIPELINE_STATUS_TYPE } from '../spec/scope.js';
import { PIPELINE_API_VERSION, PIPELINE_KIND } from '../spec/syntax.js';
import type { ParamSpec } from '../spec/type-schemas.js';
import { validatePipeline } from '../spec/validate-pipeline.js';
import { bareType, inferItemType, type TypeName } from '../spec/value-types.js';
import { fail, PipelineDefinitionError } from './definition-error.js';
import { Ref } from './refs.js';
import { defined, StepsBuilder, type BuildState, type Group } from './steps-builder.js';
import type { LiteralOf, TypeBuilder } from './types-builder.js';

/** The pipeline's own fields besides its parameters, steps and outputs. */
export interface PipelineOptions {
  description?: string;
  labels?: Record<string, string>;
  defaults?: DefaultsSpec;
  timeout?: string;
  concurrency?: number;
}

/** A parameter's default (checked against its type) and description. */
export interface ParamOptions<K extends TypeName> {
  default?: LiteralOf<K>;
  description?: string;
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

  /**
   * The drift report of the monitoring alert that started the run (`from: trigger.drift_report`): a folder with
   * `report.json` and `report.html`, bound to an artifact input. A run no `monitoring_alert` trigger started has
   * none, and the step reading it fails saying so.
   *
   * @example
   * p.step('retrain', { script: { path: 'retrain.py', args: ({ inputs }) => [inputs.report] },
   *   inputs: { report: p.triggerDriftReport() } });
   */
  triggerDriftReport(): Ref<'artifact'> {
    return new Ref<'artifact'>('trigger.drift_report', { type: 'artifact', kind: 'drift_report' });
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
