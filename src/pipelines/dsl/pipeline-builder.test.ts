import { describe, expect, it } from 'vitest';
import { PipelineDefinitionError } from './definition-error.js';
import { pipeline } from './pipeline-builder.js';
import { not, Ref } from './refs.js';
import { t } from './types-builder.js';

function definitionError(build: () => unknown): PipelineDefinitionError {
  try {
    build();
  } catch (error) {
    if (error instanceof PipelineDefinitionError) return error;
    throw error;
  }
  throw new Error('no PipelineDefinitionError');
}

describe('the TypeScript DSL', () => {
  it('builds conditions in the canonical text', () => {
    const n = new Ref<'int'>('params.n', { type: 'int' });
    const mode = new Ref<'enum'>('params.mode', { type: 'enum', values: ['a', 'b'] });
    const ok = new Ref<'bool'>('steps.s.outputs.ok', { type: 'bool' });
    expect(n.gte(3).and(mode.eq('a')).toString()).toBe("params.n >= 3 and params.mode == 'a'");
    expect(n.lt(1).or(n.gt(9)).and(ok.isTrue()).toString()).toBe(
      '(params.n < 1 or params.n > 9) and steps.s.outputs.ok',
    );
    expect(not(mode.in(['a', "it's"])).toString()).toBe("not (params.mode in ['a', 'it\\'s'])");
    expect(n.notIn([1, 2.5]).or(n.ne(0), n.lte(n)).toString()).toBe(
      'params.n not in [1, 2.5] or params.n != 0 or params.n <= params.n',
    );
  });

  it('fans out: the first step of a group has the items, the others follow it; outside, outputs are collected', () => {
    const spec = pipeline('sweep', (p) => {
      const grid = p.forEachMatrix({ lr: [0.1, 0.01], depth: [2, 4] }, { concurrency: 3 }, (item, each) => {
        const fit = each.step('fit', {
          command: ({ inputs, outputs }) => ['fit', inputs.lr, inputs.depth, outputs.model],
          inputs: { lr: item.lr, depth: item.depth },
          outputs: { model: t.artifact('model') },
        });
        return each.step('score', {
          function: 'pkg.mod:score',
          inputs: { model: fit.outputs.model },
          outputs: { score: t.float() },
        });
      });
      p.step('best', { function: 'pkg.mod:best', inputs: { scores: grid.collected.score } });
    });
    expect(spec.steps['fit']).toMatchObject({
      for_each: { matrix: { lr: { value: [0.1, 0.01] }, depth: { value: [2, 4] } }, concurrency: 3 },
      inputs: { lr: { type: 'float', from: 'item.lr' }, depth: { type: 'int', from: 'item.depth' } },
      command: ['fit', '{{inputs.lr}}', '{{inputs.depth}}', '{{outputs.model}}'],
    });
    expect(spec.steps['score']).toMatchObject({
      for_each: { items_of: 'fit' },
      inputs: { model: { type: 'artifact', kind: 'model', from: 'steps.fit.outputs.model' } },
    });
    expect(spec.steps['best']?.inputs).toEqual({
      scores: { type: 'list', items: { type: 'float' }, from: 'steps.score.outputs.score' },
    });
  });

  it('refuses a per-item value outside its fan-out, and collecting a step that does not fan out', () => {
    const outside = definitionError(() =>
      pipeline('x', (p) => {
        const one = p.forEach([1, 2], {}, (_item, each) =>
          each.step('one', { command: ['a'], outputs: { o: t.int() } }),
        );
        p.step('two', { command: ['b'], inputs: { o: one.outputs.o } });
      }),
    );
    expect(outside.diagnostics).toEqual([
      {
        code: 'reference',
        path: 'steps.two.inputs.o',
        message: 'steps.one.outputs.o is a per-item value: outside the fan-out, read one.collected.o',
      },
    ]);
    const notFanOut = definitionError(() =>
      pipeline('x', (p) => {
        const one = p.step('one', { command: ['a'], outputs: { o: t.int() } });
        p.step('two', { command: ['b'], inputs: { o: one.collected.o } });
      }),
    );
    expect(notFanOut.message).toContain("'one' does not fan out: read one.outputs.o");
  });

  it('refuses a name used twice and reports what the validator finds, by path', () => {
    const twice = definitionError(() =>
      pipeline('x', (p) => {
        p.step('a', { command: ['a'] });
        p.onExit((exit) => exit.step('a', { command: ['b'] }));
      }),
    );
    expect(twice.diagnostics).toEqual([
      { code: 'duplicate', path: 'on_exit.a', message: "a step named 'a' already exists" },
    ]);

    const invalid = definitionError(() =>
      pipeline('x', (p) => {
        const n = p.param('n', t.int({ min: 5 }), { default: 1 });
        p.step('a', { command: ['run', '{{inputs.m}}'], inputs: { n }, timeout: '0s' });
      }),
    );
    expect(invalid.diagnostics.map((d) => `${d.path}: ${d.message}`)).toEqual([
      "params.n.default: default of 'n': 1 is less than the minimum 5",
      "steps.a.command[1]: '{{inputs.m}}': the step has no input 'm' (inputs: n)",
      'steps.a.timeout: a timeout must be longer than 0',
    ]);
    expect(invalid).toBeInstanceOf(Error);
    expect(invalid.code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('lets the compiler refuse what the validator would (checked by tsc through @ts-expect-error)', () => {
    // Each line below fails to compile without its @ts-expect-error; `npx tsc` (part of the test command)
    // reports an unused @ts-expect-error, so these stay true. They are not run.
    const compileOnly = () => {
      const score = new Ref<'float'>('steps.s.outputs.score', { type: 'float' });
      const model = new Ref<'artifact'>('steps.s.outputs.model', { type: 'artifact' });
      // @ts-expect-error a float does not feed an int
      t.int().from(score);
      // @ts-expect-error an artifact has no order
      model.gte(1);
      // @ts-expect-error a float compares with numbers
      score.eq('high');
      // @ts-expect-error an artifact cannot be a constant
      t.artifact().value('model.pkl');
      pipeline(
        'x',
        (p) =>
          void p.step('a', {
            // @ts-expect-error placeholders name declared inputs only
            command: ({ inputs }) => ['run', inputs.rowz],
            inputs: { rows: t.int().value(1) },
          }),
      );
    };
    expect(typeof compileOnly).toBe('function');
    expect(t.float().from(new Ref<'int'>('params.n', { type: 'int' })).binding).toEqual({
      type: 'float',
      from: 'params.n',
    });
  });
});
