import { validatePipelineText } from '../spec/validate-pipeline.js';

/** The diagnostics for `text` as `line:column path: message [code]` lines, in document order. */
export function problems(text: string): string[] {
  const result = validatePipelineText(text);
  return result.diagnostics.map(
    (d) => `${d.line ?? '?'}:${d.column ?? '?'} ${d.path}: ${d.message} [${d.code}]`,
  );
}

/** A pipeline header followed by `body` (YAML, unindented): saves repeating apiVersion, kind and name. */
export function doc(body: string): string {
  return `apiVersion: bosun.dev/v1\nkind: Pipeline\nname: demo\n${body}`;
}
