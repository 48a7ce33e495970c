import { PipelineSpecSchema } from './pipeline-schema.js';
import { PIPELINE_API_VERSION } from './syntax.js';

/** Where the published schema says it lives; editors match documents to it by this id or by a modeline. */
export const PIPELINE_SCHEMA_ID = 'https://bosun.dev/schemas/pipeline-v1.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The JSON Schema (draft 2020-12) of a pipeline document, generated from the TypeBox schemas the validator and the
 * TypeScript types come from. Sub-schemas with a `title` (Step, Input, Retry...) move to `$defs` and are referred
 * to, so the document stays readable. Written to schemas/pipeline-v1.json by `scripts/write-pipeline-schema.ts`;
 * a test keeps that file equal to this.
 */
export function pipelineJsonSchema(): Record<string, Json> {
  const plain = JSON.parse(JSON.stringify(PipelineSpecSchema)) as { [key: string]: Json };
  const defs: Record<string, Json> = {};

  const extract = (node: Json, isRoot: boolean): Json => {
    if (Array.isArray(node)) return node.map((item) => extract(item, false));
    if (node === null || typeof node !== 'object') return node;
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) out[key] = extract(value, false);
    const title = node['title'];
    if (!isRoot && typeof title === 'string') {
      const existing = defs[title];
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(out)) {
        throw new Error(`two different schemas are titled ${title}`);
      }
      defs[title] = out;
      return { $ref: `#/$defs/${title}` };
    }
    return out;
  };

  const root = extract(plain, true) as { [key: string]: Json };
  const sortedDefs = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b)));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: PIPELINE_SCHEMA_ID,
    ...root,
    description: `A Bosun pipeline document (apiVersion: ${PIPELINE_API_VERSION}). See docs/pipelines.md.`,
    $defs: sortedDefs,
  };
}
