import { describe, expect, it } from 'vitest';
import { fixture } from './test-support/fixtures.js';
import { scanBuffer, type ScanFinding, type ScanVerdict } from './index.js';

/** family -> [module regex, name, severity], as the pickler records the callable. */
const FAMILIES: Record<string, [RegExp, string, string]> = {
  os_system: [/^posix$/, 'system', 'CRITICAL'],
  builtins_exec: [/^builtins$/, 'exec', 'CRITICAL'],
  builtins_eval: [/^builtins$/, 'eval', 'CRITICAL'],
  subprocess_popen: [/^subprocess$/, 'Popen', 'CRITICAL'],
  runpy_run_code: [/^runpy$/, '_run_code', 'CRITICAL'],
  builtins_getattr: [/^builtins$/, 'getattr', 'CRITICAL'],
  socket_connection: [/^socket$/, 'create_connection', 'CRITICAL'],
  webbrowser_open: [/^webbrowser$/, 'open', 'HIGH'],
  shutil_rmtree: [/^shutil$/, 'rmtree', 'CRITICAL'],
  importlib_import: [/^importlib$/, 'import_module', 'CRITICAL'],
  pickle_loads: [/^_?pickle$/, 'loads', 'CRITICAL'],
  operator_attrgetter: [/^_?operator$/, 'attrgetter', 'CRITICAL'],
  sys_exit: [/^sys$/, 'exit', 'CRITICAL'],
};

function scan(rel: string, limits?: Parameters<typeof scanBuffer>[2]): ScanVerdict {
  return scanBuffer(rel, fixture(rel), limits);
}

function dangerous(v: ScanVerdict): ScanFinding[] {
  return v.findings.filter((f) => f.kind === 'dangerous-global');
}

function expectFamily(v: ScanVerdict, family: string): void {
  const [module, name, severity] = FAMILIES[family] as [RegExp, string, string];
  expect(v.status, JSON.stringify(v)).toBe('unsafe');
  const hit = dangerous(v).find((f) => module.test(f.module ?? '') && f.name === name);
  expect(hit, JSON.stringify(v.findings)).toBeDefined();
  expect(hit?.severity).toBe(severity);
  expect(hit?.detail).toContain('REDUCE');
}

function expectClean(v: ScanVerdict): void {
  expect(v.status, JSON.stringify(v)).toBe('clean');
  expect(v.findings.filter((f) => f.severity !== 'LOW')).toEqual([]);
}

describe('dangerous families in every container', () => {
  for (const family of Object.keys(FAMILIES)) {
    it(`${family}: raw pickle at protocols 0, 2, 4 and 5`, () => {
      for (const p of [0, 2, 4, 5]) expectFamily(scan(`raw/${family}.p${p}.pkl`), family);
    });
    it(`${family}: PyTorch-style zip (archive/data.pkl)`, () => {
      const v = scan(`torchzip/${family}.pt`);
      expectFamily(v, family);
      expect(dangerous(v)[0]?.file).toBe(`torchzip/${family}.pt!archive/data.pkl`);
    });
    it(`${family}: joblib, plain and zlib-compressed, after raw numpy array bytes`, () => {
      expectFamily(scan(`joblib/${family}.joblib`), family);
      expectFamily(scan(`joblib/${family}.z.joblib`), family);
    });
  }

  for (const family of ['os_system', 'builtins_eval', 'subprocess_popen', 'runpy_run_code']) {
    it(`${family}: .npy object array`, () => expectFamily(scan(`npy/${family}.npy`), family));
  }

  it('the literal os.system written by hand (protocols 0 and 2)', () => {
    for (const rel of ['raw/os_literal.p0.pkl', 'raw/os_literal.p2.pkl']) {
      const v = scan(rel);
      expect(v.status).toBe('unsafe');
      expect(dangerous(v).map((f) => `${f.module}.${f.name}`)).toEqual(['os.system']);
    }
  });

  it('Python 2 names map to Python 3 modules (__builtin__.eval, commands.Popen)', () => {
    const v = scan('raw/py2_builtin_eval.pkl');
    expect(dangerous(v).map((f) => `${f.module}.${f.name}`)).toEqual(['builtins.eval']);
    expect(dangerous(v)[0]?.detail).toContain('written as __builtin__.eval');
    expect(dangerous(scan('raw/subprocess_popen.p0.pkl'))[0]?.detail).toContain('written as commands.Popen');
  });

  it('INST and OBJ opcodes report their targets', () => {
    const inst = dangerous(scan('raw/inst_subprocess.pkl'));
    expect(inst.map((f) => `${f.module}.${f.name}`)).toEqual(['subprocess.check_output']);
    expect(inst[0]?.detail).toContain('INST');
    const obj = dangerous(scan('raw/obj_posix.pkl'));
    expect(obj.map((f) => `${f.module}.${f.name}`)).toEqual(['posix.system']);
    expect(obj[0]?.detail).toContain('OBJ');
  });

  it('joblib gzip-compressed; bz2 and xz (not decompressible here) fail closed', () => {
    expectFamily(scan('joblib/os_system.gz.joblib'), 'os_system');
    for (const kind of ['bz2', 'xz']) {
      const v = scan(`joblib/os_system.${kind}.joblib`);
      expect(v.status).toBe('failed');
      if (v.status === 'failed') expect(v.error).toContain(`${kind}-compressed`);
    }
  });

  it('a malicious object inside an object array inside a joblib file (nested pickle)', () => {
    expectFamily(scan('joblib/objarr_eval.joblib'), 'builtins_eval');
  });

  it('gzip- and zlib-compressed pickles, whatever the suffix (the .pkl.gz bypass)', () => {
    expectFamily(scan('compressed/python_model.pkl.gz'), 'os_system');
    expectFamily(scan('compressed/model.bin.gz'), 'builtins_exec');
    expectFamily(scan('compressed/model.zlib.pkl'), 'subprocess_popen');
    expectClean(scan('compressed/clean.pkl.gz'));
  });

  it('a deflated PyTorch zip, a zip member found by pickle magic, and .npz', () => {
    expectFamily(scan('torchzip/deflated_exec.pt'), 'builtins_exec');
    const magic = scan('zips/magic_member.zip');
    expectFamily(magic, 'os_system');
    expect(dangerous(magic)[0]?.file).toBe('zips/magic_member.zip!weights/blob');
    const npz = scan('npy/evil.npz');
    expectFamily(npz, 'builtins_exec');
    expect(dangerous(npz)[0]?.file).toBe('npy/evil.npz!evil.npy');
  });

  it('a protocol-0 pickle behind a text name is still read', () => {
    expect(dangerous(scan('data/disguised.txt')).map((f) => `${f.module}.${f.name}`)).toEqual(['os.system']);
  });
});

describe('functools.partial', () => {
  it('is allowed: the callable it binds is vetted on its own, and calling the partial is an indirect call', () => {
    // Call(functools.partial, (print,)): print is on no list
    const v = scan('raw/functools_partial.p4.pkl');
    expect(v.status).toBe('suspicious');
    expect(v.findings.map((f) => `${f.kind} ${f.module}.${f.name}`)).toEqual([
      'unknown-global builtins.print',
    ]);
  });
});

describe('memo and stack tricks', () => {
  it('STACK_GLOBAL from memoized strings fetched back with BINGET', () => {
    const v = scan('tricks/stack_global_binget.pkl');
    expect(v.status).toBe('unsafe');
    expect(dangerous(v).map((f) => `${f.module}.${f.name}`)).toEqual(['os.system']);
  });

  it('LONG_BINPUT / LONG_BINGET of protocol-0 strings', () => {
    expect(dangerous(scan('tricks/long_binget.pkl')).map((f) => `${f.module}.${f.name}`)).toEqual([
      'subprocess.Popen',
    ]);
  });

  it('a STACK_GLOBAL operand that is not a string is unresolved and unsafe', () => {
    const v = scan('tricks/unresolved.pkl');
    expect(v.status).toBe('unsafe');
    const f = v.findings.find((x) => x.kind === 'unresolved-global');
    expect(f?.severity).toBe('CRITICAL');
    expect(f?.module).toBe('os');
    // builtins.str, the call that produced the name, is on the safe list: no finding of its own
    expect(v.findings.some((x) => x.module === 'builtins' && x.name === 'str')).toBe(false);
  });

  it('two pickles in one file, the second malicious', () => {
    expectFamily(scan('tricks/two_pickles.pkl'), 'builtins_exec');
  });
});

describe('clean models and data', () => {
  it('a scikit-learn LogisticRegression pickled at protocols 2, 4 and 5 (its class is allow-listed)', () => {
    for (const p of [2, 4, 5]) {
      const v = scan(`sklearn/logreg.p${p}.pkl`);
      expectClean(v);
      expect(v.findings).toEqual([]);
    }
  });

  it('LogisticRegression and RandomForest joblib-dumped, plain, zlib and gzip', () => {
    for (const model of ['logreg', 'forest']) {
      for (const variant of ['joblib', 'z.joblib', 'gz.joblib']) {
        const v = scan(`sklearn/${model}.${variant}`);
        expectClean(v);
        expect(v.scannedFiles).toBeGreaterThan(0);
      }
    }
    expectClean(scan('sklearn/objarr.joblib'));
  });

  it('numpy arrays, pickled and saved (numeric, structured, harmless objects), and .npz', () => {
    for (const rel of [
      'clean/numpy.p2.pkl',
      'clean/numpy.p5.pkl',
      'clean/dict.p4.pkl',
      'npy/clean_float.npy',
      'npy/clean_structured.npy',
      'npy/clean_object.npy',
      'npy/clean.npz',
    ]) {
      const v = scan(rel);
      expect(v.status, rel).toBe('clean');
      expect(v.findings, rel).toEqual([]);
    }
  });

  it('a PyTorch zip with harmless state, and a storage member whose bytes look like a pickle', () => {
    expectClean(scan('torchzip/clean.pt'));
    expectClean(scan('torchzip/storage_like_pickle.pt'));
  });

  it('safetensors, JSON, text and MLmodel files are data', () => {
    for (const rel of ['data/model.safetensors', 'data/config.json', 'data/notes.txt', 'data/MLmodel']) {
      const v = scan(rel);
      expect(v.status, rel).toBe('clean');
      expect(v.findings, rel).toEqual([]);
    }
  });
});

describe('Keras', () => {
  it('a .keras zip whose config.json has a Lambda layer is unsafe', () => {
    const v = scan('keras/lambda.keras');
    expect(v.status).toBe('unsafe');
    const f = v.findings.find((x) => x.kind === 'keras-lambda');
    expect(f?.file).toBe('keras/lambda.keras!config.json');
    expect(f?.severity).toBe('MEDIUM');
    expect(f?.detail).toContain('evil_lambda');
  });

  it('an .h5 model_config with a Lambda layer is unsafe', () => {
    const v = scan('keras/lambda.h5');
    expect(v.status).toBe('unsafe');
    expect(v.findings.map((x) => x.kind)).toEqual(['keras-lambda']);
  });

  it('Keras files without Lambda are clean', () => {
    expectClean(scan('keras/clean.keras'));
    expectClean(scan('keras/clean.h5'));
  });
});

describe('bounds and broken files', () => {
  it('a zip bomb fails on its compression ratio, before inflating, naming the limit', () => {
    const v = scan('bombs/zip_bomb.zip');
    expect(v.status).toBe('failed');
    if (v.status === 'failed') expect(v.error).toContain('maxCompressionRatio');
  });

  it('a zip bomb under a lax ratio still stops at the inflate cap', () => {
    const v = scan('bombs/zip_bomb.zip', { maxCompressionRatio: 1e9, maxInflatedBytes: 16 * 1024 * 1024 });
    expect(v.status).toBe('failed');
    if (v.status === 'failed') expect(v.error).toContain('maxInflatedBytes');
  });

  it('a gzip bomb fails on its declared ratio, or on the inflate cap', () => {
    const a = scan('bombs/gzip_bomb.pkl.gz');
    expect(a.status).toBe('failed');
    if (a.status === 'failed') expect(a.error).toContain('maxCompressionRatio');
    const b = scan('bombs/gzip_bomb.pkl.gz', { maxCompressionRatio: 1e9, maxInflatedBytes: 8 * 1024 * 1024 });
    expect(b.status).toBe('failed');
    if (b.status === 'failed') expect(b.error).toContain('maxInflatedBytes');
  });

  it('zips nested five deep fail on maxArchiveDepth', () => {
    const v = scan('bombs/nested.zip');
    expect(v.status).toBe('failed');
    if (v.status === 'failed') expect(v.error).toContain('maxArchiveDepth');
    expect(scan('bombs/nested.zip', { maxArchiveDepth: 6 }).status).toBe('clean');
  });

  it('truncated and garbled pickles fail; a dangerous import read before the break still makes it unsafe', () => {
    for (const rel of ['broken/truncated_clean.pkl', 'broken/garbled.pkl']) {
      const v = scan(rel);
      expect(v.status, rel).toBe('failed');
      expect(v.findings.some((f) => f.kind === 'scan-error')).toBe(true);
    }
    const partial = scan('broken/truncated.pkl');
    expect(partial.status).toBe('unsafe');
    expect(partial.findings.some((f) => f.kind === 'scan-error' && /truncated/.test(f.detail))).toBe(true);
  });

  it('opcode, memo and stack limits end as failed verdicts naming the limit', () => {
    const ops = scan('sklearn/forest.joblib', { maxOpcodes: 100 });
    expect(ops.status).toBe('failed');
    if (ops.status === 'failed') expect(ops.error).toContain('maxOpcodes');
    const memo = scan('sklearn/logreg.p4.pkl', { maxMemoSize: 3 });
    if (memo.status === 'failed') expect(memo.error).toContain('maxMemoSize');
    else expect.fail('memo limit not applied');
    const stack = scan('clean/dict.p4.pkl', { maxStackSize: 1 });
    if (stack.status === 'failed') expect(stack.error).toContain('maxStackSize');
    else expect.fail('stack limit not applied');
    const size = scan('sklearn/logreg.p4.pkl', { maxBytesPerFile: 100 });
    if (size.status === 'failed') expect(size.error).toContain('maxBytesPerFile');
    else expect.fail('size limit not applied');
  });

  it('a spent time budget fails the scan, naming the limit', () => {
    // ten million opcodes (None, POP) then None, STOP
    const many = Buffer.concat([Buffer.alloc(20_000_000, 'N0'), Buffer.from('N.')]);
    const v = scanBuffer('busy.pkl', many, { timeBudgetMs: 1 });
    expect(v.status).toBe('failed');
    if (v.status === 'failed') expect(v.error).toContain('timeBudgetMs');
    // negative or non-finite limits are ignored (the default applies)
    expect(scanBuffer('busy.pkl', many, { timeBudgetMs: -1 }).status).toBe('clean');
  });
});

describe('strict mode and allowGlobals', () => {
  const thing = 'unknown/mypackage.models.Thing.reduce.p4.pkl';

  it('a class on neither list is suspicious by default and unsafe with strict', () => {
    expect(scanBuffer('m.pkl', fixture(thing)).status).toBe('suspicious');
    expect(scanBuffer('m.pkl', fixture(thing), { strict: true }).status).toBe('unsafe');
    expect(scanBuffer('m.pkl', fixture('sklearn/logreg.p4.pkl'), { strict: true }).status).toBe('clean');
  });

  it('allowGlobals adds exact entries; a dangerous one stays dangerous', () => {
    expect(scanBuffer('m.pkl', fixture(thing), { allowGlobals: ['mypackage.models.Thing'] }).status).toBe(
      'clean',
    );
    expect(scanBuffer('m.pkl', fixture(thing), { allowGlobals: ['mypackage.models'] }).status).toBe(
      'suspicious',
    );
    const getattr = scanBuffer('m.pkl', fixture('raw/builtins_getattr.p4.pkl'), {
      allowGlobals: ['builtins.getattr'],
    });
    expect(getattr.status).toBe('unsafe');
  });
});
