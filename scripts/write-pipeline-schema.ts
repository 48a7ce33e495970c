/**
 * Writes schemas/pipeline-v1.json, the published JSON Schema of a pipeline document, from the TypeBox schemas in
 * src/pipelines/spec (formatted by Prettier, as the repository's check expects). Run after changing the schema:
 *
 *     npx tsx scripts/write-pipeline-schema.ts
 *
 * src/pipelines/spec/json-schema.test.ts fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { pipelineJsonSchema } from '../src/pipelines/index.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'pipeline-v1.json');
const options = (await prettier.resolveConfig(target)) ?? {};
const text = await prettier.format(JSON.stringify(pipelineJsonSchema()), { ...options, parser: 'json' });
writeFileSync(target, text);
console.log(`wrote ${target}`);
