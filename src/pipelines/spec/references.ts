/**
 * References: how one part of a pipeline names a value another part makes. One spelling everywhere, in an
 * input's `from`, a fan-out's `items`, a pipeline output and inside `when` conditions:
 *
 * - `params.NAME`: a pipeline parameter
 * - `steps.STEP.outputs.NAME`: a step's output (the whole list of them when STEP fans out and the reader is not
 *   one of its followers)
 * - `item`, `item.KEY`: the current element of the reader's own fan-out (`KEY` for a matrix)
 * - `pipeline.name`, `pipeline.run_id`, and `pipeline.status` (in exit handlers)
 * - `trigger.drift_report`: an artifact the trigger that started the run attached to it (a monitoring alert's
 *   drift report, stored at `trigger/drift_report/` of the pipeline run)
 */
export type Reference =
  | { kind: 'param'; name: string }
  | { kind: 'output'; step: string; output: string }
  | { kind: 'item'; key?: string }
  | { kind: 'pipeline'; field: PipelineField }
  | { kind: 'trigger'; artifact: TriggerArtifact };

/** The artifacts a trigger attaches to the runs it starts. */
export type TriggerArtifact = 'drift_report';
export const triggerArtifacts: readonly TriggerArtifact[] = ['drift_report'];

export type PipelineField = 'name' | 'run_id' | 'status';
const pipelineFields: readonly PipelineField[] = ['name', 'run_id', 'status'];

const segment = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The reference written in `text`, or a sentence saying why it is not one. */
export function parseReference(text: string): Reference | { error: string } {
  const parts = text.split('.');
  const bad = parts.find((part) => !segment.test(part));
  if (bad !== undefined || text === '') {
    return { error: `'${text}' is not a reference: expected params.NAME, steps.STEP.outputs.NAME or item` };
  }
  const [head, ...rest] = parts;
  switch (head) {
    case 'params':
      if (rest.length === 1) return { kind: 'param', name: rest[0] ?? '' };
      return { error: `'${text}' is not a reference: a parameter is params.NAME` };
    case 'steps':
      if (rest.length === 3 && rest[1] === 'outputs')
        return { kind: 'output', step: rest[0] ?? '', output: rest[2] ?? '' };
      return { error: `'${text}' is not a reference: a step's output is steps.STEP.outputs.NAME` };
    case 'item':
      if (rest.length === 0) return { kind: 'item' };
      if (rest.length === 1) return { kind: 'item', key: rest[0] ?? '' };
      return { error: `'${text}' is not a reference: the fan-out item is item or item.KEY` };
    case 'pipeline':
      if (rest.length === 1 && (pipelineFields as readonly string[]).includes(rest[0] ?? '')) {
        return { kind: 'pipeline', field: rest[0] as PipelineField };
      }
      return {
        error: `'${text}' is not a reference: the pipeline offers pipeline.name, pipeline.run_id and pipeline.status`,
      };
    case 'trigger':
      if (rest.length === 1 && (triggerArtifacts as readonly string[]).includes(rest[0] ?? '')) {
        return { kind: 'trigger', artifact: rest[0] as TriggerArtifact };
      }
      return { error: `'${text}' is not a reference: a trigger offers trigger.drift_report` };
    case undefined:
    default:
      return {
        error: `'${text}' is not a reference: it starts with params, steps, item, pipeline or trigger`,
      };
  }
}

/** The text of a reference, as `parseReference` reads it. */
export function formatReference(ref: Reference): string {
  switch (ref.kind) {
    case 'param':
      return `params.${ref.name}`;
    case 'output':
      return `steps.${ref.step}.outputs.${ref.output}`;
    case 'item':
      return ref.key === undefined ? 'item' : `item.${ref.key}`;
    case 'pipeline':
      return `pipeline.${ref.field}`;
    case 'trigger':
      return `trigger.${ref.artifact}`;
  }
}
