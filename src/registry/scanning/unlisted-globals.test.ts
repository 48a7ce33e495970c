import { describe, expect, it } from 'vitest';
import { fixture } from './test-support/fixtures.js';
import { scanBuffer, type ScanVerdict } from './index.js';

/** Callables that were on neither list before the allow list (the old scanner called their pickles clean). */
const LISTED = [
  'pandas.io.pickle.read_pickle',
  'distutils.spawn.spawn',
  'mlflow.pyfunc.load_model',
  'site.main',
  '_thread.start_new_thread',
  'keras.models.load_model',
  'lib2to3.main.main',
  'tempfile.mkstemp',
  'dbm.open',
];

/** Each fixture imports the callable and then calls or instantiates it with this opcode. */
const OPCODES: Record<string, string> = {
  'reduce.p0': 'REDUCE',
  'reduce.p4': 'REDUCE',
  inst: 'INST',
  obj: 'OBJ',
  newobj: 'NEWOBJ',
  newobj_ex: 'NEWOBJ_EX',
  build: 'BUILD',
};

function split(qualified: string): [string, string] {
  const dot = qualified.lastIndexOf('.');
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
}

function summary(v: ScanVerdict): string {
  return `${v.status}: ${v.findings.map((f) => `${f.kind} ${f.module}.${f.name}`).join('; ')}`;
}

describe('callables on no list are never clean', () => {
  for (const qualified of LISTED) {
    const [module, name] = split(qualified);
    for (const [variant, opcode] of Object.entries(OPCODES)) {
      it(`${qualified} via ${variant}`, () => {
        const v = scanBuffer(`${qualified}.pkl`, fixture(`unlisted/${qualified}.${variant}.pkl`));
        expect(v.status, summary(v)).toBe('unsafe');
        const hit = v.findings.find((f) => f.module === module && f.name === name);
        expect(hit, summary(v)).toBeDefined();
        expect(hit?.kind).toBe('dangerous-global');
        // the finding names how the callable was imported and used, and where
        expect(hit?.detail).toContain(opcode);
        expect(hit?.offset).toBeTypeOf('number');
        expect(hit?.opcodes).toContain(opcode);
      });
    }
  }
});
