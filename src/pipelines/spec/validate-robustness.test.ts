import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validatePipeline, validatePipelineText } from './validate-pipeline.js';

const example = parse(
  readFileSync(new URL('../../../examples/pipelines/train-classifier.yaml', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** Every path inside a value, as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function replaced(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head as string] = replaced(copy[head as string], rest, replacement);
  return copy;
}

const allPaths = paths(example).filter((p) => p.length > 0);

describe('validation of damaged documents', () => {
  it('reports problems, never throws, whatever replaces any part of a valid pipeline', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: allPaths.length - 1 }), fc.anything(), (index, junk) => {
        const damaged = replaced(example, allPaths[index] ?? [], junk);
        const result = validatePipeline(damaged);
        for (const d of result.diagnostics) expect(typeof d.message).toBe('string');
      }),
      { numRuns: 400 },
    );
  });

  it('a for_each replaced by null is reported, not thrown (fast-check found it: seed 1525637162)', () => {
    const forEachPaths = allPaths.filter((p) => p[p.length - 1] === 'for_each');
    expect(forEachPaths.length).toBeGreaterThan(0);
    for (const path of forEachPaths) {
      const result = validatePipeline(replaced(example, path, null));
      expect(result.ok).toBe(false);
    }
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const result = validatePipelineText(`apiVersion: bosun.dev/v1\nkind: Pipeline\n${text}`);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
