import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../spec/pipeline-schema.js';
import { validatePipelineText } from '../spec/validate-pipeline.js';
import { pipelineToYaml } from './pipeline-builder.js';

/**
 * The example pipeline of examples/pipelines/ in its three forms, YAML, TypeScript and Python, must be one and the
 * same document. The Python form is compiled by the package's own source (python/, standard library only) with the
 * test Python (BOSUN_TEST_PYTHON, which the test command sets, else python3 on the PATH).
 */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLES = join(REPO, 'examples/pipelines');
const python = process.env['BOSUN_TEST_PYTHON'] ?? 'python3';

function compilePython(format: 'yaml' | 'json'): string {
  return execFileSync(
    python,
    [
      '-m',
      'bosun_pipelines',
      'compile',
      'examples.pipelines.train_classifier:train_classifier',
      '--format',
      format,
    ],
    { cwd: REPO, env: { ...process.env, PYTHONPATH: join(REPO, 'python') }, encoding: 'utf8' },
  );
}

async function typescriptForm(): Promise<PipelineSpec> {
  // Imported by URL so that the type check of src/ does not take in a file outside it (the test command checks it
  // with examples/pipelines/tsconfig.json).
  const module = (await import(pathToFileURL(join(EXAMPLES, 'train-classifier.ts')).href)) as {
    trainClassifier: PipelineSpec;
  };
  return module.trainClassifier;
}

describe('the example pipeline in YAML, TypeScript and Python', () => {
  const yamlText = readFileSync(join(EXAMPLES, 'train-classifier.yaml'), 'utf8');
  const yamlForm = parse(yamlText) as unknown;

  it('is valid in its YAML form, which docs/pipelines.md shows as it is', () => {
    expect(validatePipelineText(yamlText).diagnostics).toEqual([]);
    const docs = readFileSync(join(REPO, 'docs/pipelines.md'), 'utf8');
    const shown = /### YAML[^\n]*\n+```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(shown && parse(shown)).toEqual(yamlForm);
  });

  it('is the same document written with the TypeScript DSL', async () => {
    const spec = await typescriptForm();
    expect(spec).toEqual(yamlForm);
    const roundTrip = pipelineToYaml(spec);
    expect(validatePipelineText(roundTrip).ok).toBe(true);
    expect(parse(roundTrip)).toEqual(yamlForm);
  });

  it('is the same document compiled from the Python decorators, as YAML and as JSON', () => {
    const asYaml = compilePython('yaml');
    expect(validatePipelineText(asYaml).diagnostics).toEqual([]);
    expect(parse(asYaml)).toEqual(yamlForm);
    expect(JSON.parse(compilePython('json'))).toEqual(yamlForm);
  });
});
