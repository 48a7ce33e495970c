import { parseReference, type InputSpec, type PipelineGraph, type StepSpec } from '../spec/index.js';
import type { OutputValue, StepRun } from '../store/pipeline-store-types.js';
import { hasOutputs } from '../store/step-state.js';

/** A resolved value: plain data, or (for artifacts) the OutputValue reference, or a list of either. */
export type Found = { value: unknown } | { missing: string };

/** What a unit (one step, or one fan-out item of it) can see: the run's values and the units of other steps. */
export interface UnitScope {
  params: Record<string, unknown>;
  pipeline: { name: string; runId: string; status?: string };
  graph: PipelineGraph;
  /** The artifacts the trigger that started the run attached to it, by name (`trigger.drift_report`). */
  triggerArtifacts?: Readonly<Record<string, Extract<OutputValue, { kind: 'artifact' }>>>;
  /** The units of a step, in item order; undefined while it has none yet. */
  unitsOf(step: string): readonly StepRun[] | undefined;
}

const isArtifactRef = (v: OutputValue): unknown => (v.kind === 'artifact' ? v : v.value);

/** Whether `reader` reads `producer` item by item (same fan-out group) rather than as a whole list. */
export function sameGroup(graph: PipelineGraph, reader: string, producer: string): boolean {
  const a = graph.step(reader)?.fanOut?.root;
  const b = graph.step(producer)?.fanOut?.root;
  return a !== undefined && a === b;
}

/**
 * The value of a reference for one unit (`itemIndex` -1 outside a fan-out). An output of a step in the same
 * fan-out group is that item's; of another fan-out step, the list of every item's that produced it (fan-in); of
 * a step that was skipped or failed, missing.
 */
export function lookupReference(
  scope: UnitScope,
  text: string,
  reader: string,
  unit: { itemIndex: number; item: unknown },
): Found {
  const ref = parseReference(text);
  if ('error' in ref) return { missing: text };
  switch (ref.kind) {
    case 'param':
      return ref.name in scope.params ? { value: scope.params[ref.name] } : { missing: text };
    case 'pipeline':
      if (ref.field === 'name') return { value: scope.pipeline.name };
      if (ref.field === 'run_id') return { value: scope.pipeline.runId };
      return scope.pipeline.status === undefined ? { missing: text } : { value: scope.pipeline.status };
    case 'trigger': {
      const artifact = scope.triggerArtifacts?.[ref.artifact];
      return artifact !== undefined
        ? { value: artifact }
        : {
            missing: `${text} (the run has none: it was not started by a monitoring_alert trigger, or see its bosun.trigger.drift_report_error tag)`,
          };
    }
    case 'item':
      if (unit.itemIndex < 0) return { missing: text };
      if (ref.key === undefined) return { value: unit.item };
      return { value: (unit.item as Record<string, unknown> | null)?.[ref.key] };
    case 'output': {
      const units = scope.unitsOf(ref.step);
      if (units === undefined || units.length === 0) return { missing: `steps.${ref.step} (never ran)` };
      const fansOut = scope.graph.step(ref.step)?.fanOut !== undefined;
      if (fansOut && sameGroup(scope.graph, reader, ref.step)) {
        const mine = units.find((u) => u.itemIndex === unit.itemIndex);
        const out = mine !== undefined && hasOutputs(mine.state) ? mine.outputs?.[ref.output] : undefined;
        return out === undefined ? { missing: text } : { value: isArtifactRef(out) };
      }
      if (fansOut) {
        const produced = units.filter((u) => u.itemIndex >= 0 && hasOutputs(u.state));
        if (
          produced.length === 0 &&
          units.some((u) => !hasOutputs(u.state) && !u.reason?.startsWith('condition:'))
        ) {
          return { missing: text };
        }
        const values: unknown[] = [];
        for (const u of produced) {
          const out = u.outputs?.[ref.output];
          if (out === undefined) return { missing: text };
          values.push(isArtifactRef(out));
        }
        return { value: values };
      }
      const only = units[0];
      const out = only !== undefined && hasOutputs(only.state) ? only.outputs?.[ref.output] : undefined;
      return out === undefined ? { missing: text } : { value: isArtifactRef(out) };
    }
  }
}

/** The inputs of a unit: each input's constant or the value its reference names. */
export function resolveInputs(
  scope: UnitScope,
  stepName: string,
  step: StepSpec,
  unit: { itemIndex: number; item: unknown },
): { inputs: Record<string, unknown> } | { missing: string } {
  const inputs: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(step.inputs ?? {}) as [string, InputSpec][]) {
    if (input.value !== undefined) {
      inputs[name] = input.value;
      continue;
    }
    if (input.from === undefined) continue;
    const found = lookupReference(scope, input.from, stepName, unit);
    if ('missing' in found) return { missing: found.missing };
    inputs[name] = found.value;
  }
  return { inputs };
}

/** Whether a resolved value is an artifact reference (or a list of them). */
export function artifactRefs(value: unknown): Extract<OutputValue, { kind: 'artifact' }>[] {
  const one = (v: unknown) =>
    typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'artifact'
      ? [v as Extract<OutputValue, { kind: 'artifact' }>]
      : [];
  return Array.isArray(value) ? value.flatMap(one) : one(value);
}

/** The items a fan-out step runs over (a constant list, a reference to a list, or a matrix's combinations). */
export function fanOutItems(
  scope: UnitScope,
  stepName: string,
  step: StepSpec,
): { items: unknown[] } | { missing: string } | undefined {
  const forEach = step.for_each;
  if (forEach === undefined || forEach.items_of !== undefined) return undefined;
  const list = (binding: {
    from?: string;
    value?: unknown[];
  }): { items: unknown[] } | { missing: string } => {
    if (binding.value !== undefined) return { items: binding.value };
    const found = lookupReference(scope, binding.from ?? '', stepName, { itemIndex: -1, item: undefined });
    if ('missing' in found) return found;
    return { items: Array.isArray(found.value) ? found.value : [] };
  };
  if (forEach.items !== undefined) return list(forEach.items);
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, binding] of Object.entries(forEach.matrix ?? {})) {
    const values = list(binding);
    if ('missing' in values) return values;
    combos = combos.flatMap((c) => values.items.map((v) => ({ ...c, [key]: v })));
  }
  return { items: combos };
}
