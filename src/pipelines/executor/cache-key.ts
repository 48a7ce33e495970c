import { join } from 'node:path';
import type { StepSpec } from '../spec/index.js';
import type { CacheParts } from '../store/pipeline-store-types.js';
import { canonicalJson, pathDigest, sha256 } from './digests.js';
import { artifactRefs } from './unit-values.js';

/** What goes into a step's cache key besides its resolved inputs. */
export interface KeyEnvironment {
  codeDir: string;
  /** The interpreter a Python step runs with, and its `pip freeze` digest (undefined for other steps). */
  python?: { path: string; freezeDigest: string | undefined };
}

/** The parts of the step's own definition that change what it computes (not retries, timeouts, resources). */
function specPart(step: StepSpec): string {
  const { description: _d, retry: _r, timeout: _t, resources: _res, cache, ...rest } = step;
  return sha256(canonicalJson({ ...rest, cache: { ignore_inputs: cache?.ignore_inputs } }));
}

/** The file a function step's module lives in, relative to the code folder (`a.b:f` → a/b.py or a/b/__init__.py). */
function moduleFiles(fn: string): string[] {
  const module = fn.split(':')[0] ?? '';
  const path = module.split('.').join('/');
  return [`${path}.py`, `${path}/__init__.py`];
}

async function codePart(step: StepSpec, codeDir: string): Promise<string> {
  const files: string[] = [];
  if (step.script !== undefined) files.push(step.script.path);
  if (step.function !== undefined) files.push(...moduleFiles(step.function));
  if (step.command !== undefined) {
    const first = step.command[0] ?? '';
    if (!first.startsWith('/') && first.includes('/')) files.push(first);
    // An interpreter running a file of the code folder: that file is the code.
    for (const arg of step.command.slice(1))
      if (/\.(py|sh|R|jl|js|ts)$/.test(arg) && !arg.includes('{{')) files.push(arg);
  }
  if (step.requirements_file !== undefined) files.push(step.requirements_file);
  const digests: Record<string, string> = {};
  for (const file of files) {
    const digest = await pathDigest(join(codeDir, file));
    if (digest !== undefined) digests[file] = digest;
  }
  return sha256(canonicalJson(digests));
}

/**
 * A step's cache key: the SHA-256 of its parts, each a digest of one thing the result depends on: `spec` (the
 * step's own definition), `code` (the files it runs), `input:NAME` (each resolved input; an artifact by its content
 * digest), `environment` (interpreter, `pip freeze`, requirements, environment variables) and `version` (the
 * step's `cache.version`); environment variables are part of `spec`. `plan` compares parts with the last run's to say what changed.
 *
 * @example
 * const { key, parts } = await cacheKey(step, inputs, { codeDir: '/src' });
 */
export async function cacheKey(
  step: StepSpec,
  inputs: Record<string, unknown>,
  environment: KeyEnvironment,
): Promise<{ key: string; parts: CacheParts }> {
  const ignored = new Set(step.cache?.ignore_inputs ?? []);
  const parts: CacheParts = {
    spec: specPart(step),
    code: await codePart(step, environment.codeDir),
    environment: sha256(
      canonicalJson({
        python: environment.python?.path,
        freeze: environment.python?.freezeDigest,
        requirements: step.requirements ?? [],
      }),
    ),
    version: step.cache?.version ?? '',
  };
  for (const [name, value] of Object.entries(inputs)) {
    if (ignored.has(name)) continue;
    const refs = artifactRefs(value);
    parts[`input:${name}`] =
      refs.length > 0 ? sha256(refs.map((r) => r.digest).join(',')) : sha256(canonicalJson(value));
  }
  return { key: sha256(canonicalJson(parts)), parts };
}

/** The parts that differ between two keys (added, removed or changed), in a stable order. */
export function changedParts(before: CacheParts, after: CacheParts): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}
