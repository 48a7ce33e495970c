/**
 * Placeholders in a step's own text (its command line, script arguments, environment values, approval message):
 * `{{inputs.NAME}}` is the input's value (for an artifact, the local path it was downloaded to) and
 * `{{outputs.NAME}}` the path the step writes that output to. Only the step's own declared inputs and outputs:
 * data from other steps always comes in through `inputs`, so the inputs alone say what a step depends on.
 */

export interface Placeholder {
  /** The whole `{{ ... }}` as written. */
  text: string;
  offset: number;
  /** `inputs` or `outputs` and the name, when the placeholder is well formed. */
  target?: { section: 'inputs' | 'outputs'; name: string };
}

const anyPlaceholder = /\{\{(.*?)\}\}/g;
const wellFormed = /^\s*(inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/** Every `{{...}}` in `text`, with what it names when it is well formed. */
export function findPlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of text.matchAll(anyPlaceholder)) {
    const inner = wellFormed.exec(match[1] ?? '');
    found.push({
      text: match[0],
      offset: match.index ?? 0,
      ...(inner ? { target: { section: inner[1] as 'inputs' | 'outputs', name: inner[2] ?? '' } } : {}),
    });
  }
  return found;
}
