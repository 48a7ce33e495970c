import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { doc, problems } from '../test-support/check.js';
import { formatDiagnostic } from './diagnostics.js';
import { validatePipeline, validatePipelineText } from './validate-pipeline.js';

const example = readFileSync(
  new URL('../../../examples/pipelines/train-classifier.yaml', import.meta.url),
  'utf8',
);

describe('a valid pipeline', () => {
  it('passes, with its graph', () => {
    const result = validatePipelineText(example);
    expect(result.diagnostics).toEqual([]);
    if (!result.ok) return;
    expect(result.spec.name).toBe('train-classifier');
    expect(result.graph.levels).toEqual([
      ['prepare'],
      ['train'],
      ['pick_best'],
      ['register'],
      ['approve'],
      ['promote'],
      ['notify'],
    ]);
    expect(result.graph.step('train')).toMatchObject({
      kind: 'function',
      fanOut: { root: 'train' },
      level: 1,
    });
    expect(result.graph.step('notify')).toMatchObject({ phase: 'exit', kind: 'script' });
  });

  it('reads the same document written as JSON, and a value already in memory', () => {
    const json = JSON.stringify(
      validatePipelineText(example).ok ? (validatePipelineText(example) as { spec: unknown }).spec : {},
      null,
      '\t',
    );
    expect(validatePipelineText(json).ok).toBe(true);
    expect(validatePipeline(JSON.parse(json)).ok).toBe(true);
  });
});

describe('syntax and version', () => {
  it('reports YAML that does not parse at its line', () => {
    expect(problems(doc('steps: [a\n'))).toEqual([expect.stringMatching(/^5:1 : .*\[syntax\]$/)]);
  });

  it('reports an empty document and a document that is not a map', () => {
    expect(problems('')).toEqual(['1:1 : the document is empty [syntax]']);
    expect(problems('- a\n')).toEqual(['1:1 : a pipeline is a map with apiVersion: bosun.dev/v1 [version]']);
  });

  it('refuses a missing or unknown apiVersion or kind, and checks nothing else', () => {
    expect(problems('kind: Pipeline\nsteps: 3\n')).toEqual([
      '1:1 : missing apiVersion: this Bosun reads apiVersion: bosun.dev/v1 [version]',
    ]);
    expect(problems('apiVersion: bosun.dev/v2\nkind: Pipeline\n')).toEqual([
      '1:13 apiVersion: unsupported apiVersion "bosun.dev/v2": this Bosun reads bosun.dev/v1 [version]',
    ]);
    expect(problems('apiVersion: bosun.dev/v1\nkind: Workflow\n')).toEqual([
      '2:7 kind: unsupported kind "Workflow": expected Pipeline [version]',
    ]);
  });
});

describe('fields', () => {
  it('names an unknown field at its key, with a guess', () => {
    expect(problems(doc('steps:\n  a:\n    command: [echo]\n    retires: 3\n'))).toEqual([
      "7:5 steps.a.retires: unknown field 'retires' (did you mean 'retry'?) [field]",
    ]);
  });

  it('reports missing fields, wrong types and broken rules where they are', () => {
    const text = doc(
      [
        'timeout: 5 minutes', // 4
        'concurrency: 0', // 5
        'steps:', // 6
        '  a:', // 7
        '    command: echo', // 8
        '    retry: { limit: 1.5 }', // 9
        "  'bad-name':", // 10
        '    function: nope', // 11
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      "4:10 timeout: '5 minutes' is not valid: whole numbers with units ms, s, m, h, d, such as 90s, 1h30m or 7d [field]",
      '5:14 concurrency: must be at least 1, not 0 [field]',
      "8:14 steps.a.command: expected a list, got the string 'echo' [field]",
      '9:21 steps.a.retry.limit: expected a whole number, got 1.5 [field]',
      '10:3 steps["bad-name"]: \'bad-name\' is not a valid name: a letter or _, then letters, digits or _ (at most 63) [field]',
    ]);
    expect(problems('apiVersion: bosun.dev/v1\nkind: Pipeline\n')).toEqual([
      "1:1 : missing field 'name' [field]",
      "1:1 : missing field 'steps' [field]",
    ]);
  });

  it('asks for exactly one of command, script, function and approval', () => {
    expect(problems(doc('steps:\n  a:\n    description: nothing to run\n'))).toEqual([
      '6:5 steps.a: a step needs one of command, script, function or approval [field]',
    ]);
    expect(problems(doc('steps:\n  a:\n    command: [echo]\n    function: m:f\n'))).toEqual([
      '7:5 steps.a.function: a step has both command and function: give only one of command, script, function or approval [field]',
    ]);
  });

  it('names an unknown type with a guess, and a choice outside its list', () => {
    const text = doc(
      ['params:', '  lr: { type: flaot }', 'steps:', '  a:', '    approval: { on_reject: ignore }'].join(
        '\n',
      ),
    );
    expect(problems(text)).toEqual([
      "5:15 params.lr.type: unknown type 'flaot': expected one of string, int, float, bool, enum, list (did you mean 'float'?) [field]",
      "8:28 steps.a.approval.on_reject: 'ignore' is not one of fail, continue [field]",
    ]);
  });

  it('checks type declarations, defaults and constants', () => {
    const text = doc(
      [
        'params:', // 4
        '  n: { type: int, min: 5, max: 1, default: 3 }', // 5
        '  mode: { type: enum, values: [a, b, a], default: c }', // 6
        '  name: { type: string, pattern: "([" }', // 7
        'steps:', // 8
        '  s:', // 9
        '    command: [echo]', // 10
        '    inputs:', // 11
        '      k: { type: list, items: { type: int }, value: [1, x] }', // 12
        '      m: { type: artifact, value: model.pkl }', // 13
        '      o: { type: float }', // 14
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      '5:24 params.n.min: min 5 is more than max 1 [field]',
      "5:44 params.n.default: default of 'n': 3 is less than the minimum 5 [type]",
      "6:38 params.mode.values[2]: the value 'a' is listed twice [duplicate]",
      "6:51 params.mode.default: default of 'mode': 'c' is not one of 'a', 'b', 'a' [type]",
      "7:34 params.name.pattern: '([' is not a valid regular expression [field]",
      "12:53 steps.s.inputs.k.value: value of input 'k': item 1: 'x' is not an int [type]",
      "13:35 steps.s.inputs.m.value: value of input 'm': an artifact cannot be a constant: bind it with from: [type]",
      "14:10 steps.s.inputs.o: input 'o' needs from (a reference) or value (a constant) [field]",
    ]);
  });

  it('keeps Bosun-set environment names and approval-irrelevant fields out', () => {
    const text = doc(
      [
        'steps:', // 4
        '  s:', // 5
        '    command: [echo]', // 6
        '    env: { MLFLOW_RUN_ID: x, TOKEN: a }', // 7
        '    secrets: { TOKEN: team/token }', // 8
        '  gate:', // 9
        '    approval: {}', // 10
        '    retry: { limit: 1 }', // 11
        '  t:', // 12
        '    command: [t]', // 13
        '    secrets: { BAD: ../up }', // 14
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      "7:12 steps.s.env.MLFLOW_RUN_ID: 'MLFLOW_RUN_ID' is reserved: Bosun sets the MLFLOW_* variables itself [field]",
      "8:16 steps.s.secrets.TOKEN: 'TOKEN' is set both in env and in secrets [duplicate]",
      "11:5 steps.gate.retry: an approval step does not use 'retry' [field]",
      "14:21 steps.t.secrets.BAD: '../up' is not valid: segments of letters, digits, _, . and - separated by single / [field]",
    ]);
  });
});

describe('names used twice', () => {
  it('reports a key written twice with the line of the first', () => {
    const text = doc(['steps:', '  a:', '    command: [echo]', '  a:', '    command: [echo2]'].join('\n'));
    expect(problems(text)).toEqual(["7:3 steps.a: duplicate key 'a' (first at line 5) [duplicate]"]);
  });

  it('reports a step named in both steps and on_exit', () => {
    const text = doc(
      ['steps:', '  a:', '    command: [echo]', 'on_exit:', '  a:', '    command: [echo]'].join('\n'),
    );
    expect(problems(text)).toEqual(["8:3 on_exit.a: a step named 'a' is already in steps [duplicate]"]);
  });
});

describe('references', () => {
  it('reports an unknown output with what the step has', () => {
    const text = doc(
      [
        'steps:', // 4
        '  prepare:', // 5
        '    command: [prep]', // 6
        '    outputs: { table: { type: artifact } }', // 7
        '  train:', // 8
        '    command: [train]', // 9
        '    inputs:', // 10
        '      data: { type: artifact, from: steps.prepare.outputs.dataset }', // 11
        '      more: { type: artifact, from: steps.prepar.outputs.table }', // 12
        '      lr: { type: float, from: params.lr }', // 13
        '    after: [prepare, evaluate]', // 14
      ].join('\n'),
    );
    const lines = problems(text);
    expect(lines).toEqual([
      "11:37 steps.train.inputs.data.from: unknown output 'prepare.dataset' (prepare has: table) [reference]",
      "12:37 steps.train.inputs.more.from: unknown step 'prepar' (did you mean 'prepare'?) [reference]",
      "13:32 steps.train.inputs.lr.from: unknown parameter 'lr' (the pipeline has no params) [reference]",
      "14:22 steps.train.after[1]: unknown step 'evaluate' [reference]",
    ]);
    const first = validatePipelineText(text).diagnostics[0];
    expect(first && formatDiagnostic(first, 'pipeline.yaml')).toBe(
      "pipeline.yaml:11:37 steps.train.inputs.data.from: unknown output 'prepare.dataset' (prepare has: table)",
    );
  });

  it('knows where item, pipeline.status and exit handlers may be read', () => {
    const text = doc(
      [
        'steps:', // 4
        '  a:', // 5
        '    command: [a]', // 6
        '    inputs:', // 7
        '      x: { type: int, from: item }', // 8
        '      s: { type: string, from: pipeline.status }', // 9
        '      n: { type: bool, from: steps.cleanup.outputs.done }', // 10
        '      bad: { type: string, from: "steps.a" }', // 11
        'on_exit:', // 12
        '  cleanup:', // 13
        '    command: [c]', // 14
        '    outputs: { done: { type: bool } }', // 15
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      "8:29 steps.a.inputs.x.from: item is only defined in a step with for_each, and 'a' has none [reference]",
      '9:32 steps.a.inputs.s.from: pipeline.status is only known to exit handlers (steps under on_exit) [reference]',
      "10:30 steps.a.inputs.n.from: 'cleanup' is an exit handler: it runs after every other step, so 'a' cannot read it [reference]",
      "11:34 steps.a.inputs.bad.from: 'steps.a' is not a reference: a step's output is steps.STEP.outputs.NAME [reference]",
    ]);
  });

  it('checks placeholders against the step’s own inputs and outputs', () => {
    const text = doc(
      [
        'steps:', // 4
        '  a:', // 5
        "    command: [run, '--in={{inputs.dta}}', '{{outputs.out}}', '{{params.x}}']", // 6
        '    inputs: { data: { type: string, value: x } }', // 7
        '  gate:', // 8
        "    approval: { message: 'ok {{outputs.x}}?' }", // 9
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      "6:26 steps.a.command[1]: '{{inputs.dta}}': the step has no input 'dta' (did you mean 'data'?) [placeholder]",
      "6:44 steps.a.command[2]: '{{outputs.out}}': the step has no output 'out' (it declares no outputs) [placeholder]",
      "6:63 steps.a.command[3]: unknown placeholder '{{params.x}}': use {{inputs.NAME}} or {{outputs.NAME}} [placeholder]",
      "9:30 steps.gate.approval.message: '{{outputs.x}}': an approval message can show inputs only [placeholder]",
    ]);
  });
});

describe('types', () => {
  it('reports an output that does not fit the input it feeds', () => {
    const text = doc(
      [
        'params:', // 4
        '  mode: { type: enum, values: [a, b, c] }', // 5
        'steps:', // 6
        '  p:', // 7
        '    command: [p]', // 8
        '    outputs:', // 9
        '      table: { type: artifact, kind: dataset }', // 10
        '      score: { type: float }', // 11
        '  q:', // 12
        '    command: [q]', // 13
        '    inputs:', // 14
        '      n: { type: int, from: steps.p.outputs.score }', // 15
        '      m: { type: artifact, kind: model, from: steps.p.outputs.table }', // 16
        '      t: { type: float, from: steps.p.outputs.table }', // 17
        '      e: { type: enum, values: [a, b], from: params.mode }', // 18
        '      s: { type: string, from: params.mode }', // 19
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      "15:29 steps.q.inputs.n.from: type mismatch: steps.p.outputs.score is float, input 'n' is int [type]",
      "16:47 steps.q.inputs.m.from: type mismatch: steps.p.outputs.table is artifact(dataset), input 'm' is artifact(model) [type]",
      "17:31 steps.q.inputs.t.from: type mismatch: steps.p.outputs.table is artifact(dataset), input 't' is float [type]",
      "18:46 steps.q.inputs.e.from: type mismatch: params.mode is enum(a, b, c), input 'e' is enum(a, b) [type]",
    ]);
  });

  it('gives a fan-out step’s output to other steps as the list of all of them', () => {
    const text = doc(
      [
        'steps:', // 4
        '  train:', // 5
        '    command: [t]', // 6
        '    for_each: { items: { value: [0.1, 0.01] }, concurrency: 2 }', // 7
        '    inputs: { lr: { type: float, from: item } }', // 8
        '    outputs: { score: { type: float } }', // 9
        '  check:', // 10
        '    command: [c]', // 11
        '    for_each: { items_of: train }', // 12
        '    inputs: { s: { type: float, from: steps.train.outputs.score } }', // 13
        '  best:', // 14
        '    command: [b]', // 15
        '    inputs:', // 16
        '      all: { type: list, items: { type: float }, from: steps.train.outputs.score }', // 17
        '      one: { type: float, from: steps.train.outputs.score }', // 18
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      "18:33 steps.best.inputs.one.from: type mismatch: steps.train.outputs.score is list<float>, input 'one' is float ('train' runs once per item, so its output arrives here as the list of all of them) [type]",
    ]);
  });

  it('checks fan-out lists, matrix keys and followers', () => {
    const text = doc(
      [
        'params:', // 4
        '  n: { type: int }', // 5
        'steps:', // 6
        '  a:', // 7
        '    command: [a]', // 8
        '    for_each: { matrix: { lr: { value: [0.1] }, depth: { value: [1, 2] } } }', // 9
        '    inputs:', // 10
        '      x: { type: float, from: item }', // 11
        '      y: { type: int, from: item.width }', // 12
        '  b:', // 13
        '    command: [b]', // 14
        '    for_each: { items: { from: params.n } }', // 15
        '  c:', // 16
        '    command: [c]', // 17
        '    for_each: { items: { value: [1, x] } }', // 18
        '  d:', // 19
        '    command: [d]', // 20
        '    for_each: { items_of: b, concurrency: 3 }', // 21
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      '11:31 steps.a.inputs.x.from: the fan-out is a matrix: use item.lr or item.depth [reference]',
      "12:29 steps.a.inputs.y.from: unknown matrix key 'width' (keys: lr, depth) [reference]",
      '15:32 steps.b.for_each.items.from: a fan-out goes over a list, and params.n is an int [type]',
      '18:33 steps.c.for_each.items.value: the list mixes types: use only strings, only numbers or only booleans [type]',
      "21:30 steps.d.for_each.concurrency: set concurrency on the step that starts the fan-out ('b'): its followers share it [field]",
    ]);
  });

  it('type-checks conditions and knows enum values', () => {
    const text = doc(
      [
        'params:', // 4
        '  mode: { type: enum, values: [fast, slow] }', // 5
        '  n: { type: int }', // 6
        'steps:', // 7
        '  a:', // 8
        '    command: [a]', // 9
        "    when: params.mode == 'medium' or params.n > 'x'", // 10
        '  b:', // 11
        '    command: [b]', // 12
        '    when: params.n', // 13
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      "10:26 steps.a.when: 'medium' is not one of 'fast', 'slow' [type]",
      "10:47 steps.a.when: cannot order int > string: '>' compares two numbers or two strings [type]",
      "13:11 steps.b.when: a condition must be true or false, and 'params.n' is an int [type]",
    ]);
  });
});

describe('conditions that do not parse', () => {
  it('points at the character', () => {
    const text = doc(['steps:', '  a:', '    command: [a]', '    when: "params.n = 3"'].join('\n'));
    expect(problems(text)).toEqual([
      "7:21 steps.a.when: '=' is not an operator: compare with '==' in condition 'params.n = 3' [expression]",
    ]);
  });
});

describe('cycles', () => {
  it('names the steps of a cycle at the reference that closes it', () => {
    const text = doc(
      [
        'steps:', // 4
        '  train:', // 5
        '    command: [t]', // 6
        '    inputs: { s: { type: float, from: steps.evaluate.outputs.score } }', // 7
        '    outputs: { model: { type: artifact } }', // 8
        '  evaluate:', // 9
        '    command: [e]', // 10
        '    inputs: { m: { type: artifact, from: steps.train.outputs.model } }', // 11
        '    outputs: { score: { type: float } }', // 12
        '  report:', // 13
        '    command: [r]', // 14
        '    after: [report]', // 15
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      '7:39 steps.train.inputs.s.from: cycle: train → evaluate → train [cycle]',
      "15:13 steps.report.after[0]: cycle: report → report ('report' reads itself) [cycle]",
    ]);
  });

  it('finds a cycle through when and items_of loops', () => {
    const text = doc(
      [
        'steps:', // 4
        '  a:', // 5
        '    command: [a]', // 6
        '    when: steps.b.outputs.ok', // 7
        '    outputs: { ok: { type: bool } }', // 8
        '  b:', // 9
        '    command: [b]', // 10
        '    after: [a]', // 11
        '    outputs: { ok: { type: bool } }', // 12
        '  c:', // 13
        '    command: [c]', // 14
        '    for_each: { items_of: d }', // 15
        '  d:', // 16
        '    command: [d]', // 17
        '    for_each: { items_of: c }', // 18
      ].join('\n'),
    );
    expect(problems(text)).toEqual([
      '7:11 steps.a.when: cycle: a → b → a [cycle]',
      '15:27 steps.c.for_each.items_of: items_of goes round in a circle: c → d → c [cycle]',
      '18:27 steps.d.for_each.items_of: items_of goes round in a circle: d → c → d [cycle]',
    ]);
  });
});

describe('many problems at once', () => {
  it('reports structural and semantic problems together, in document order', () => {
    const text = doc(
      [
        'steps:', // 4
        '  a:', // 5
        '    command: [a]', // 6
        '    retires: 3', // 7
        '    inputs: { x: { type: int, from: params.missing } }', // 8
        '    outputs: { y: { type: nope } }', // 9
        '  b:', // 10
        '    command: [b]', // 11
        '    inputs: { y: { type: int, from: steps.a.outputs.y } }', // 12
      ].join('\n'),
    );
    // a.outputs.y is broken, so b's reference to it is not reported a second time.
    expect(problems(text)).toEqual([
      "7:5 steps.a.retires: unknown field 'retires' (did you mean 'retry'?) [field]",
      "8:37 steps.a.inputs.x.from: unknown parameter 'missing' (the pipeline has no params) [reference]",
      "9:27 steps.a.outputs.y.type: unknown type 'nope': expected one of string, int, float, bool, enum, list, artifact [field]",
    ]);
  });
});
