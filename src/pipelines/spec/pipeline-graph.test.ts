import { describe, expect, it } from 'vitest';
import { validatePipeline } from './validate-pipeline.js';

type Steps = Record<string, Record<string, unknown>>;

function graphOf(steps: Steps, onExit?: Steps) {
  const result = validatePipeline({
    apiVersion: 'bosun.dev/v1',
    kind: 'Pipeline',
    name: 'g',
    steps,
    ...(onExit ? { on_exit: onExit } : {}),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.graph;
}

const out = { outputs: { o: { type: 'int' } } };
const reads = (...names: string[]) => ({
  inputs: Object.fromEntries(names.map((n) => [`in_${n}`, { type: 'int', from: `steps.${n}.outputs.o` }])),
});

describe('the pipeline graph', () => {
  it('orders a diamond and gives levels by the longest path', () => {
    const graph = graphOf({
      d: { command: ['d'], ...reads('b', 'c') },
      a: { command: ['a'], ...out },
      b: { command: ['b'], ...out, ...reads('a') },
      c: { command: ['c'], ...out, ...reads('a'), after: ['b'] },
    });
    expect(graph.order).toEqual(['a', 'b', 'c', 'd']);
    expect(graph.levels).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(graph.upstream('c').sort()).toEqual(['a', 'b']);
    expect(graph.downstream('a').sort()).toEqual(['b', 'c']);
    expect(graph.edges.find((e) => e.from === 'b' && e.to === 'c')).toEqual({
      from: 'b',
      to: 'c',
      kinds: ['after'],
      outputs: [],
    });
  });

  it('keeps document order among independent steps', () => {
    const graph = graphOf({ z: { command: ['z'] }, y: { command: ['y'] }, x: { command: ['x'] } });
    expect(graph.order).toEqual(['z', 'y', 'x']);
    expect(graph.levels).toEqual([['z', 'y', 'x']]);
  });

  it('puts exit handlers after every main level, in their own order', () => {
    const graph = graphOf(
      { a: { command: ['a'], ...out }, b: { command: ['b'], ...reads('a') } },
      { notify: { command: ['n'], ...out }, cleanup: { command: ['c'], ...reads('notify', 'a') } },
    );
    expect(graph.levels).toEqual([['a'], ['b'], ['notify'], ['cleanup']]);
    expect(graph.step('cleanup')).toMatchObject({ phase: 'exit', level: 3 });
  });

  it('handles a wide and a deep graph', () => {
    const wide: Steps = { source: { command: ['s'], ...out } };
    for (let i = 0; i < 300; i++) wide[`w${i}`] = { command: ['w'], ...out, ...reads('source') };
    wide['sink'] = { command: ['k'], ...reads(...Array.from({ length: 300 }, (_, i) => `w${i}`)) };
    const w = graphOf(wide);
    expect(w.levels.map((l) => l.length)).toEqual([1, 300, 1]);

    const deep: Steps = { s0: { command: ['s'], ...out } };
    for (let i = 1; i < 500; i++) deep[`s${i}`] = { command: ['s'], ...out, ...reads(`s${i - 1}`) };
    const d = graphOf(deep);
    expect(d.levels).toHaveLength(500);
    expect(d.order[499]).toBe('s499');
  });
});
