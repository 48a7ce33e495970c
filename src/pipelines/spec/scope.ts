import type { CheckContext, StepEntry } from './check-context.js';
import { didYouMean } from './diagnostics.js';
import type { ItemType, OutputSpec } from './type-schemas.js';
import { parseReference } from './references.js';
import { aType, inferItemType, listOf, type TypeSpec } from './value-types.js';

/** The outputs every approval step has, without declaring them. */
export const APPROVAL_OUTPUTS: Readonly<Record<string, TypeSpec>> = {
  approved: { type: 'bool' },
  comment: { type: 'string' },
  approver: { type: 'string' },
};

/** What `pipeline.status` holds in an exit handler. */
export const PIPELINE_STATUS_TYPE: TypeSpec = { type: 'enum', values: ['succeeded', 'failed', 'cancelled'] };

/**
 * What a reference means from where it is written. `type` is absent when it cannot be known because the part it
 * names is itself broken (that part's own error says so; no second error here).
 */
export type Resolution =
  | { ok: true; type?: TypeSpec; producer?: string; output?: string; collected?: { step: string } }
  | { ok: false; code: 'reference' | 'type'; message: string };

type ItemTypes = ItemType | Map<string, ItemType> | 'unknown';

/**
 * Resolves references and fan-out groups. A fan-out group is a step with `items` or `matrix` (its root) and the
 * steps that share its items through `items_of`. Inside a group a reference to another member's output is that
 * member's output for the same item; from anywhere else it is the list of all of them (fan-in).
 */
export class Scope {
  private readonly groups = new Map<string, string | undefined>();
  private readonly items = new Map<string, ItemTypes>();

  constructor(private readonly context: CheckContext) {}

  /** The root of `step`'s fan-out group, or undefined when it does not fan out (or its group is broken). */
  groupOf(step: string): string | undefined {
    if (this.groups.has(step)) return this.groups.get(step);
    const seen: string[] = [];
    let current: string | undefined = step;
    let root: string | undefined;
    while (current !== undefined) {
      if (seen.includes(current)) break; // a loop of items_of: reported by the step check
      seen.push(current);
      const forEach: StepEntry['spec']['for_each'] = this.context.steps.get(current)?.spec.for_each;
      if (forEach === undefined || forEach === null || typeof forEach !== 'object') break;
      if (forEach.items_of === undefined) {
        root = current;
        break;
      }
      current = forEach.items_of;
    }
    this.groups.set(step, root);
    return root;
  }

  /** The chain of `items_of` from `step` when it goes round in a circle, else undefined. */
  itemsOfLoop(step: string): string[] | undefined {
    const chain: string[] = [];
    let current: string | undefined = step;
    while (current !== undefined) {
      const index = chain.indexOf(current);
      if (index >= 0) return [...chain.slice(index), current];
      chain.push(current);
      current = this.context.steps.get(current)?.spec.for_each?.items_of;
    }
    return undefined;
  }

  /** The type of one item of the group rooted at `root` (a map by key for a matrix). */
  itemTypes(root: string): ItemTypes {
    const known = this.items.get(root);
    if (known !== undefined) return known;
    this.items.set(root, 'unknown'); // guards against a root whose items refer back to itself
    const entry = this.context.steps.get(root);
    const forEach = entry?.spec.for_each;
    let result: ItemTypes = 'unknown';
    if (entry !== undefined && forEach !== undefined) {
      if (forEach.items !== undefined) result = this.bindingItemType(forEach.items, entry) ?? 'unknown';
      else if (forEach.matrix !== undefined) {
        const keys = new Map<string, ItemType>();
        let complete = true;
        for (const [key, binding] of Object.entries(forEach.matrix)) {
          const type = this.bindingItemType(binding, entry);
          if (type === undefined) complete = false;
          else keys.set(key, type);
        }
        result = complete ? keys : 'unknown';
      }
    }
    this.items.set(root, result);
    return result;
  }

  private bindingItemType(
    binding: { from?: string; value?: unknown[] },
    entry: StepEntry,
  ): ItemType | undefined {
    if (binding.value !== undefined)
      return Array.isArray(binding.value) ? inferItemType(binding.value) : undefined;
    if (binding.from === undefined) return undefined;
    const resolved = this.resolve(binding.from, entry, { allowItem: false });
    if (!resolved.ok || resolved.type === undefined || resolved.type.type !== 'list') return undefined;
    return resolved.type.items;
  }

  /**
   * What `text` names when written in `reader` (undefined for a pipeline output). `allowItem: false` inside a
   * fan-out's own `items`, where there is no item yet.
   */
  resolve(text: string, reader: StepEntry | undefined, options: { allowItem: boolean }): Resolution {
    const ref = parseReference(text);
    if ('error' in ref) return { ok: false, code: 'reference', message: ref.error };
    const { spec } = this.context;
    switch (ref.kind) {
      case 'param': {
        const params = spec.params ?? {};
        const param = params[ref.name];
        if (param !== undefined) {
          return this.context.clean(['params', ref.name]) ? { ok: true, type: param } : { ok: true };
        }
        if (!this.context.clean(['params'])) return { ok: true };
        const names = Object.keys(params);
        const known =
          names.length === 0
            ? ' (the pipeline has no params)'
            : didYouMean(ref.name, names) || ` (params: ${names.join(', ')})`;
        return { ok: false, code: 'reference', message: `unknown parameter '${ref.name}'${known}` };
      }
      case 'output':
        return this.resolveOutput(ref.step, ref.output, reader);
      case 'item':
        return this.resolveItem(ref.key, reader, options);
      case 'pipeline':
        if (ref.field !== 'status') return { ok: true, type: { type: 'string' } };
        if (reader?.phase !== 'exit') {
          return {
            ok: false,
            code: 'reference',
            message: 'pipeline.status is only known to exit handlers (steps under on_exit)',
          };
        }
        return { ok: true, type: PIPELINE_STATUS_TYPE };
      case 'trigger':
        // Only inputs take an artifact: a condition or a fan-out over it is refused by the type checks.
        return { ok: true, type: { type: 'artifact', kind: 'drift_report' } };
    }
  }

  private resolveOutput(step: string, output: string, reader: StepEntry | undefined): Resolution {
    const producer = this.context.steps.get(step);
    if (producer === undefined) {
      if (!this.context.clean(['steps']) || !this.context.clean(['on_exit'])) return { ok: true };
      return {
        ok: false,
        code: 'reference',
        message: `unknown step '${step}'${didYouMean(step, this.context.steps.keys())}`,
      };
    }
    if (producer.phase === 'exit' && reader?.phase !== 'exit') {
      return {
        ok: false,
        code: 'reference',
        message: `'${step}' is an exit handler: it runs after every other step, so ${reader === undefined ? 'the pipeline outputs' : `'${reader.name}'`} cannot read it`,
      };
    }
    let declared: TypeSpec | undefined;
    if (
      producer.spec.approval !== undefined &&
      producer.spec.command === undefined &&
      producer.spec.script === undefined &&
      producer.spec.function === undefined
    ) {
      declared = APPROVAL_OUTPUTS[output];
      if (declared === undefined) {
        return {
          ok: false,
          code: 'reference',
          message: `unknown output '${step}.${output}' (an approval has: ${Object.keys(APPROVAL_OUTPUTS).join(', ')})`,
        };
      }
    } else {
      const outputs: Record<string, OutputSpec> = producer.spec.outputs ?? {};
      const found = outputs[output];
      if (found === undefined) {
        if (!this.context.clean([...producer.path, 'outputs'])) return { ok: true, producer: step, output };
        const names = Object.keys(outputs);
        const has = names.length === 0 ? `${step} has no outputs` : `${step} has: ${names.join(', ')}`;
        return { ok: false, code: 'reference', message: `unknown output '${step}.${output}' (${has})` };
      }
      if (!this.context.clean([...producer.path, 'outputs', output]))
        return { ok: true, producer: step, output };
      declared = found;
    }
    const group = this.groupOf(step);
    if (group === undefined || (reader !== undefined && this.groupOf(reader.name) === group)) {
      return { ok: true, type: declared, producer: step, output };
    }
    const collected = listOf(declared);
    if (collected === undefined) {
      return {
        ok: false,
        code: 'type',
        message: `'${step}' runs once per item and its output '${output}' is ${aType(declared)}: collecting it would make a list of lists, which is not a type`,
      };
    }
    return { ok: true, type: collected, producer: step, output, collected: { step } };
  }

  private resolveItem(
    key: string | undefined,
    reader: StepEntry | undefined,
    options: { allowItem: boolean },
  ): Resolution {
    const text = key === undefined ? 'item' : `item.${key}`;
    if (reader === undefined || reader.spec.for_each === undefined) {
      const where = reader === undefined ? 'pipeline outputs' : `'${reader.name}'`;
      return {
        ok: false,
        code: 'reference',
        message: `${text} is only defined in a step with for_each, and ${where} has none`,
      };
    }
    if (!options.allowItem) {
      return {
        ok: false,
        code: 'reference',
        message: `${text} cannot be used to compute the fan-out's own items`,
      };
    }
    const root = this.groupOf(reader.name);
    if (root === undefined) return { ok: true };
    const types = this.itemTypes(root);
    if (types === 'unknown') return { ok: true };
    if (types instanceof Map) {
      const keys = [...types.keys()];
      if (key === undefined) {
        return {
          ok: false,
          code: 'reference',
          message: `the fan-out is a matrix: use ${keys.map((k) => `item.${k}`).join(' or ')}`,
        };
      }
      const type = types.get(key);
      if (type === undefined) {
        return {
          ok: false,
          code: 'reference',
          message: `unknown matrix key '${key}'${didYouMean(key, keys) || ` (keys: ${keys.join(', ')})`}`,
        };
      }
      return { ok: true, type };
    }
    if (key !== undefined) {
      return {
        ok: false,
        code: 'reference',
        message: `the fan-out's item is ${aType(types)}, not a matrix: use item`,
      };
    }
    return { ok: true, type: types };
  }
}
