import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pipelineJsonSchema } from '../pipelines/index.js';
import { captureCli } from './test-support/capture-cli.js';

let dir: string;

const cli = (args: string[]) => captureCli(args);

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const broken = `apiVersion: bosun.dev/v1
kind: Pipeline
name: broken
steps:
  prepare:
    command: [prep, '{{outputs.table}}']
    outputs:
      table: { type: artifact }
  train:
    command: [train]
    inputs:
      data: { type: artifact, from: steps.prepare.outputs.dataset }
    retires: 2
`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-cli-pipeline-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bosun pipeline validate', () => {
  it('says a valid file is valid and exits 0', async () => {
    const path = join(dir, 'train.yaml');
    copyFileSync(new URL('../../examples/pipelines/train-classifier.yaml', import.meta.url), path);
    expect(await cli(['pipeline', 'validate', path])).toEqual({
      code: 0,
      out: `${path}: valid (pipeline 'train-classifier', 7 steps, 7 levels)\n`,
      err: '',
    });
  });

  it('prints each problem with file, line, column and path, and exits 1', async () => {
    const path = file('broken.yaml', broken);
    expect(await cli(['pipeline', 'validate', path])).toEqual({
      code: 1,
      out: [
        `${path}:12:37 steps.train.inputs.data.from: unknown output 'prepare.dataset' (prepare has: table)`,
        `${path}:13:5 steps.train.retires: unknown field 'retires' (did you mean 'retry'?)`,
        `2 problems in ${path}`,
        '',
      ].join('\n'),
      err: '',
    });
  });

  it('prints JSON with --json, with the same exit codes', async () => {
    const path = file('broken.yaml', broken);
    const bad = await cli(['pipeline', 'validate', path, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toEqual({
      file: path,
      valid: false,
      diagnostics: [
        {
          code: 'reference',
          path: 'steps.train.inputs.data.from',
          message: "unknown output 'prepare.dataset' (prepare has: table)",
          line: 12,
          column: 37,
        },
        {
          code: 'field',
          path: 'steps.train.retires',
          message: "unknown field 'retires' (did you mean 'retry'?)",
          line: 13,
          column: 5,
        },
      ],
    });
    const good = file(
      'good.json',
      JSON.stringify({
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'g',
        steps: { a: { command: ['true'] } },
      }),
    );
    const ok = await cli(['pipeline', 'validate', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({
      file: good,
      valid: true,
      pipeline: { name: 'g', steps: 1, levels: [['a']] },
      diagnostics: [],
    });
  });

  it('refuses a file that does not exist with a one-line error', async () => {
    const missing = join(dir, 'nope.yaml');
    expect(await cli(['pipeline', 'validate', missing])).toEqual({
      code: 1,
      out: '',
      err: `error: INVALID_PARAMETER_VALUE: Cannot read pipeline file '${missing}': no such file\n`,
    });
  });
});

describe('bosun pipeline show', () => {
  const diamond = JSON.stringify({
    apiVersion: 'bosun.dev/v1',
    kind: 'Pipeline',
    name: 'diamond',
    steps: {
      a: { command: ['a'], outputs: { o: { type: 'int' } } },
      b: { command: ['b'], after: ['a'] },
      c: { command: ['c'], inputs: { x: { type: 'float', from: 'steps.a.outputs.o' } } },
      d: { command: ['d'], after: ['b', 'c'] },
    },
  });

  it('draws the DAG and exits 0', async () => {
    const shown = await cli(['pipeline', 'show', file('d.json', diamond), '--ascii']);
    expect(shown.code).toBe(0);
    expect(shown.out).toBe(
      [
        'diamond: 4 steps, 3 levels',
        '',
        '       +---------+',
        '       | a       |',
        '       | command |',
        '       +----+----+',
        '     +------+-----+',
        '     v            v',
        '+---------+  +---------+',
        '| b       |  | c       |',
        '| command |  | command |',
        '+----+----+  +----+----+',
        '     +-----+------+',
        '           v',
        '      +---------+',
        '      | d       |',
        '      | command |',
        '      +---------+',
        '',
      ].join('\n'),
    );
  });

  it('lists levels with --layout list and prints the DAG as JSON with --json', async () => {
    const path = file('d.json', diamond);
    const listed = await cli(['pipeline', 'show', path, '--layout', 'list']);
    expect(listed.out).toContain('level 3\n  d  command  <- b, c\n');
    const json = JSON.parse((await cli(['pipeline', 'show', path, '--json'])).out) as Record<string, unknown>;
    expect(json['order']).toEqual(['a', 'b', 'c', 'd']);
    expect(json['levels']).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(json['edges']).toContainEqual({ from: 'a', to: 'c', kinds: ['input'], outputs: ['o'] });
  });

  it('prints the problems of an invalid file instead, and exits 1', async () => {
    const path = file('broken.yaml', broken);
    const shown = await cli(['pipeline', 'show', path]);
    expect(shown.code).toBe(1);
    expect(shown.out).toContain(`${path}:13:5 steps.train.retires: unknown field 'retires'`);
  });

  it('refuses a bad --width or --layout', async () => {
    const path = file('d.json', diamond);
    expect((await cli(['pipeline', 'show', path, '--width', '5'])).err).toBe(
      "error: INVALID_PARAMETER_VALUE: Invalid --width '5': expected a number of columns, at least 20\n",
    );
    expect((await cli(['pipeline', 'show', path, '--layout', 'tree'])).err).toBe(
      "error: INVALID_PARAMETER_VALUE: Invalid --layout 'tree': expected auto, graph, list\n",
    );
  });
});

describe('bosun pipeline schema', () => {
  it('prints the JSON Schema', async () => {
    const printed = await cli(['pipeline', 'schema']);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.out)).toEqual(pipelineJsonSchema());
  });
});
