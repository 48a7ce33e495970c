import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { doc } from '../test-support/check.js';
import { pipelineJsonSchema } from './json-schema.js';
import { PipelineSpecSchema } from './pipeline-schema.js';
import { checkStructure } from './structure-check.js';

const committed = JSON.parse(
  readFileSync(new URL('../../../schemas/pipeline-v1.json', import.meta.url), 'utf8'),
) as unknown;
const example = readFileSync(
  new URL('../../../examples/pipelines/train-classifier.yaml', import.meta.url),
  'utf8',
);

describe('the published JSON Schema', () => {
  it('is what the TypeBox schemas generate (run `npx tsx scripts/write-pipeline-schema.ts` after a change)', () => {
    expect(committed).toEqual(pipelineJsonSchema());
  });

  it('accepts the example pipeline in a general JSON Schema validator', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(pipelineJsonSchema());
    expect(validate(parse(example)), JSON.stringify(validate.errors)).toBe(true);
  });
});

/**
 * Documents on both sides of the line: the structural check (which writes the messages people read) and ajv on the
 * published schema must agree on each, so the schema editors use says what Bosun enforces.
 */
const valid = [
  parse(example) as unknown,
  parse(doc('steps:\n  a:\n    command: [echo, hi]\n')) as unknown,
  parse(
    doc(
      [
        'params: { mode: { type: enum, values: [a], default: a }, xs: { type: list, items: { type: int }, max_items: 3 } }',
        'steps:',
        '  a:',
        '    function: pkg.mod:fn',
        '    for_each: { matrix: { x: { value: [1, 2] }, y: { from: params.xs } }, concurrency: 4 }',
        '    inputs: { x: { type: int, from: item.x } }',
        '    resources: { class: gpu.small, cpu: 0.5, memory: 1.5Gi, gpu: 1, spot: true }',
        '    cache: { enabled: true, version: "2", ignore_inputs: [x], max_age: 7d }',
        '  gate:',
        '    approval: { message: hi, timeout: 1d, on_timeout: approve, on_reject: continue, model: { name: n, version: v } }',
        '    inputs: { n: { type: string, value: m }, v: { type: int, value: 1 } }',
      ].join('\n'),
    ),
  ) as unknown,
];

const invalid: [string, unknown][] = [
  ['no steps', parse(doc('steps: {}\n'))],
  ['unknown field', parse(doc('steps:\n  a:\n    command: [a]\n    retires: 1\n'))],
  ['two kinds', parse(doc('steps:\n  a:\n    command: [a]\n    function: m:f\n'))],
  ['no kind', parse(doc('steps:\n  a: {}\n'))],
  ['bad name', parse(doc('steps:\n  a-b:\n    command: [a]\n'))],
  ['bad function', parse(doc('steps:\n  a:\n    function: nope\n'))],
  ['bad type', parse(doc('params: { x: { type: flaot } }\nsteps:\n  a:\n    command: [a]\n'))],
  ['artifact param', parse(doc('params: { x: { type: artifact } }\nsteps:\n  a:\n    command: [a]\n'))],
  [
    'list of lists',
    parse(
      doc(
        'params: { x: { type: list, items: { type: list, items: { type: int } } } }\nsteps:\n  a:\n    command: [a]\n',
      ),
    ),
  ],
  [
    'both bindings',
    parse(doc('steps:\n  a:\n    command: [a]\n    for_each: { items: { from: params.x, value: [1] } }\n')),
  ],
  ['no binding', parse(doc('steps:\n  a:\n    command: [a]\n    for_each: { concurrency: 2 }\n'))],
  ['bad duration', parse(doc('timeout: 10\nsteps:\n  a:\n    command: [a]\n'))],
  ['absolute script', parse(doc('steps:\n  a:\n    script: { path: /etc/x.py }\n'))],
  ['escaping script', parse(doc('steps:\n  a:\n    script: { path: a/../../x.py }\n'))],
  ['bad secret', parse(doc('steps:\n  a:\n    command: [a]\n    secrets: { X: a//b }\n'))],
  ['bad memory', parse(doc('steps:\n  a:\n    command: [a]\n    resources: { memory: lots }\n'))],
  ['zero cpu', parse(doc('steps:\n  a:\n    command: [a]\n    resources: { cpu: 0 }\n'))],
  ['jitter above 1', parse(doc('steps:\n  a:\n    command: [a]\n    retry: { backoff: { jitter: 2 } }\n'))],
  ['bad on_reject', parse(doc('steps:\n  a:\n    approval: { on_reject: maybe }\n'))],
  ['newline in requirement', parse(doc('steps:\n  a:\n    command: [a]\n    requirements: ["a\\nb"]\n'))],
  ['pipeline output without from', parse(doc('steps:\n  a:\n    command: [a]\noutputs: { x: {} }\n'))],
];

describe('the structural check and the published schema agree', () => {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(pipelineJsonSchema());

  it.each(valid.map((value, i) => [i, value]))('valid document %i', (_, value) => {
    expect(checkStructure(PipelineSpecSchema, value).diagnostics).toEqual([]);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(invalid)('invalid document: %s', (_, value) => {
    expect(checkStructure(PipelineSpecSchema, value).diagnostics).not.toEqual([]);
    expect(validate(value)).toBe(false);
  });
});
