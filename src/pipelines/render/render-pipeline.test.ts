import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validatePipeline, validatePipelineText } from '../spec/validate-pipeline.js';
import { renderPipeline } from './render-pipeline.js';

type Steps = Record<string, Record<string, unknown>>;
const out = { outputs: { o: { type: 'int' } } };
const reads = (...names: string[]) => ({
  inputs: Object.fromEntries(names.map((n) => [`i_${n}`, { type: 'int', from: `steps.${n}.outputs.o` }])),
});

function valid(steps: Steps) {
  const result = validatePipeline({ apiVersion: 'bosun.dev/v1', kind: 'Pipeline', name: 'p', steps });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result;
}

const example = validatePipelineText(
  readFileSync(new URL('../../../examples/pipelines/train-classifier.yaml', import.meta.url), 'utf8'),
);

describe('bosun pipeline show', () => {
  it('draws the example with boxes, arrows and the exit handlers under a rule', () => {
    if (!example.ok) throw new Error('example invalid');
    expect(renderPipeline(example.spec, example.graph, { width: 100 }).join('\n')).toBe(
      [
        'train-classifier: 7 steps, 7 levels',
        '',
        '           ┌─────────┐',
        '           │ prepare │',
        '           │ script  │',
        '           └────┬────┘',
        '                ▼',
        '     ┌─────────────────────┐',
        '     │ train               │',
        '     │ function · for each │',
        '     └──────────┬──────────┘',
        '                ▼',
        '          ┌───────────┐',
        '          │ pick_best │',
        '          │ function  │',
        '          └─────┬─────┘',
        '         ┌──────┴─────┐',
        '         ▼            │',
        '┌─────────────────┐   │',
        '│ register        │   │',
        '│ function · when │   │',
        '└────────┬────────┘   │',
        '  ┌──────┴─────┐      │',
        '  │            ├──────┴─────┐',
        '  │            ▼            │',
        '  │   ┌─────────────────┐   │',
        '  │   │ approve         │   │',
        '  │   │ approval · when │   │',
        '  │   └────────┬────────┘   │',
        '  └────────────┼────────────┘',
        '               ▼',
        '      ┌─────────────────┐',
        '      │ promote         │',
        '      │ function · when │',
        '      └─────────────────┘',
        '┄┄┄┄┄┄┄┄┄┄ on exit ┄┄┄┄┄┄┄┄┄┄┄',
        '     ┌────────┐',
        '     │ notify │',
        '     │ script │',
        '     └────────┘',
      ].join('\n'),
    );
  });

  it('draws crossing lines as a bridge, not a junction, and has an ASCII form', () => {
    const { spec, graph } = valid({
      a: { command: ['a'], ...out },
      b: { command: ['b'], ...out },
      c: { command: ['c'], ...out, ...reads('a', 'b') },
      d: { command: ['d'], ...out, ...reads('a') },
      e: { command: ['e'], ...out, ...reads('b') },
      f: { command: ['f'], ...reads('c', 'd', 'e', 'a') },
    });
    const drawing = renderPipeline(spec, graph, { width: 100, ascii: true });
    expect(drawing.join('\n')).toBe(
      [
        'p: 6 steps, 3 levels',
        '',
        '         +---------+     +---------+',
        '         | a       |     | b       |',
        '         | command |     | command |',
        '         +----+----+     +----+----+',
        '     +--------+--------+      |',
        '     |        |        +------+-----+',
        '     v        |        v            v',
        '+---------+   |   +---------+  +---------+',
        '| d       |   |   | c       |  | e       |',
        '| command |   |   | command |  | command |',
        '+----+----+   |   +----+----+  +----+----+',
        // d's line crosses a's (the vertical passes over); lines that only feed f meet at its entry.
        '     +--------|-----+--+            |',
        '              +-----+---------------+',
        '                    v',
        '               +---------+',
        '               | f       |',
        '               | command |',
        '               +---------+',
      ].join('\n'),
    );
    expect(drawing.join('')).toMatch(/^[\x20-\x7e]*$/);
  });

  it('draws a wide level as one box of the steps that share their neighbours', () => {
    const steps: Steps = { source: { command: ['s'], ...out } };
    for (let i = 0; i < 30; i++) steps[`feature_${i}`] = { command: ['f'], ...out, ...reads('source') };
    steps['join'] = { command: ['j'], ...reads(...Array.from({ length: 30 }, (_, i) => `feature_${i}`)) };
    const { spec, graph } = valid(steps);
    const drawing = renderPipeline(spec, graph, { width: 80 });
    expect(drawing.every((line) => [...line].length <= 80)).toBe(true);
    expect(drawing).toContain('│ 30 steps · command                  │');
    expect(drawing.join('\n')).toContain('feature_29');
    expect(drawing.filter((line) => line.includes('▼'))).toHaveLength(2);
  });

  it('draws a deep chain one box under the other', () => {
    const steps: Steps = { s0: { command: ['s'], ...out } };
    for (let i = 1; i < 40; i++) steps[`s${i}`] = { command: ['s'], ...out, ...reads(`s${i - 1}`) };
    const { spec, graph } = valid(steps);
    const drawing = renderPipeline(spec, graph, { width: 40 });
    expect(drawing[0]).toBe('p: 40 steps, 40 levels');
    expect(drawing.slice(2, 7)).toEqual([
      '┌─────────┐',
      '│ s0      │',
      '│ command │',
      '└────┬────┘',
      '     ▼',
    ]);
    expect(drawing.filter((line) => line.startsWith('│ s')).map((line) => line.slice(2, 5).trim())).toEqual(
      Array.from({ length: 40 }, (_, i) => `s${i}`),
    );
  });

  it('lists the levels when even the grouped drawing is too wide, or when asked', () => {
    const steps: Steps = {};
    for (let i = 0; i < 12; i++) steps[`independent_${i}`] = { command: ['x'], ...out };
    steps['last'] = { command: ['l'], ...reads('independent_0', 'independent_1') };
    const { spec, graph } = valid(steps);
    const drawing = renderPipeline(spec, graph, { width: 60 });
    expect(drawing.slice(0, 4)).toEqual([
      'p: 13 steps, 2 levels',
      '(too wide to draw in 60 columns; listed by level)',
      '',
      'level 1',
    ]);
    expect(drawing).toContain('  last            command  <- independent_0, independent_1');
    if (!example.ok) throw new Error('example invalid');
    expect(renderPipeline(example.spec, example.graph, { width: 100, layout: 'list' })).toEqual([
      'train-classifier: 7 steps, 7 levels',
      '',
      'level 1',
      '  prepare    script',
      'level 2',
      '  train      function, for each  <- prepare',
      'level 3',
      '  pick_best  function  <- train',
      'level 4',
      '  register   function, when  <- pick_best',
      'level 5',
      '  approve    approval, when  <- pick_best, register',
      'level 6',
      '  promote    function, when  <- register, approve, pick_best',
      'level 7 (on exit)',
      '  notify     script',
      'outputs',
      '  model <- steps.pick_best.outputs.model',
    ]);
  });
});
