import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureDir } from './test-support/fixtures.js';
import { LocalArtifactStore } from '../../artifacts/index.js';
import { classifyGlobal, isAllowListed, scanArtifactTree, scanBuffer, type ScanVerdict } from './index.js';

function summary(v: ScanVerdict): string {
  return `${v.status}: ${v.findings.map((f) => `${f.kind} ${f.module}.${f.name} ${f.file}`).join('; ')}`;
}

describe('the allow list is exact module.qualname, never a prefix', () => {
  it('lists model classes of scikit-learn, XGBoost, LightGBM, PyTorch and Keras', () => {
    for (const q of [
      'sklearn.linear_model._logistic.LogisticRegression',
      'sklearn.compose._column_transformer.ColumnTransformer',
      'sklearn.tree._tree.Tree',
      'xgboost.sklearn.XGBClassifier',
      'xgboost.core.Booster',
      'lightgbm.sklearn.LGBMClassifier',
      'torch.nn.modules.linear.Linear',
      'keras.src.layers.core.dense.Dense',
      'numpy.core.multiarray._reconstruct',
      'numpy.float64',
    ]) {
      expect(isAllowListed(q), q).toBe(true);
    }
  });

  it('a function in a module whose classes are allowed is not (nor a name the module re-exports)', () => {
    for (const [module, name] of [
      ['sklearn.linear_model._logistic', '_logistic_regression_path'], // module-level function
      ['sklearn.utils._joblib', 'Memory'], // joblib.Memory re-exported by a scikit-learn module
      ['torch.nn.modules.linear', 'F'], // torch.nn.functional, imported into the module
      ['numpy', 'mean'], // a numpy function: numpy.dtype is listed, numpy.* is not
      ['numpy.core.multiarray', 'fromfile'],
      ['xgboost.core', '_load_lib'],
      ['lightgbm.basic', '_load_lib'],
      ['keras.src.layers.core.dense', 'ops'],
      ['sklearn', 'LogisticRegression'], // a re-export of the class: pickle never writes this name
    ] as const) {
      expect(classifyGlobal(module, name).kind, `${module}.${name}`).not.toBe('safe');
    }
  });

  it('loaders inside allowed namespaces are dangerous, whatever module they sit in', () => {
    for (const [module, name] of [
      ['xgboost.core', 'Booster.load_model'],
      ['keras.models', 'load_model'],
      ['keras.src.saving.saving_api', 'load_model'],
      ['torch.serialization', 'load'],
      ['torch.hub', 'load'],
      ['sklearn.datasets', 'fetch_openml'],
      ['sklearn.utils._testing', 'assert_run_python_script_without_output'],
      ['numpy.lib.npyio', 'load'],
      ['pandas.io.pickle', 'read_pickle'],
      ['mlflow.sklearn', 'load_model'],
    ] as const) {
      expect(classifyGlobal(module, name).kind, `${module}.${name}`).toBe('dangerous');
    }
  });

  it('builtins.getattr is never safe', () => {
    expect(classifyGlobal('builtins', 'getattr').kind).toBe('dangerous');
    expect(classifyGlobal('__builtin__', 'getattr', new Set(['builtins.getattr'])).kind).toBe('dangerous');
  });
});

describe('what a pickle does with its imports', () => {
  it("numpy's _ufunc_reconstruct(module, name) is read as the import it makes", () => {
    expect(scanBuffer('u.pkl', fixture('tricks/ufunc_log1p.pkl')).status).toBe('clean');
    const os = scanBuffer('u.pkl', fixture('tricks/ufunc_os_system.pkl'));
    expect(os.status).toBe('unsafe');
    expect(os.findings.find((f) => f.kind === 'dangerous-global')).toMatchObject({
      module: 'os',
      name: 'system',
      opcodes: ['REDUCE(_ufunc_reconstruct)', 'REDUCE'],
    });
    const computed = scanBuffer('u.pkl', fixture('tricks/ufunc_computed.pkl'));
    expect(computed.status).toBe('unsafe');
    expect(computed.findings.map((f) => f.kind)).toContain('unresolved-global');
  });

  it('BUILD or SETITEM on an imported object itself (module state) is unsafe, even on an allowed class', () => {
    const build = scanBuffer('b.pkl', fixture('tricks/build_on_global.pkl'));
    expect(build.status, summary(build)).toBe('unsafe');
    expect(build.findings).toEqual([
      expect.objectContaining({
        kind: 'global-mutation',
        module: 'collections',
        name: 'OrderedDict',
        opcodes: ['BUILD'],
      }),
    ]);
    const setitem = scanBuffer('s.pkl', fixture('tricks/setitem_on_global.pkl'));
    expect(setitem.status).toBe('unsafe');
    expect(setitem.findings.map((f) => f.kind).sort()).toEqual(['global-mutation', 'unknown-global']);
  });

  it('calling the result of a call is suspicious: the allow list cannot vet it', () => {
    const v = scanBuffer('c.pkl', fixture('tricks/indirect_call.pkl'));
    expect(v.status).toBe('suspicious');
    expect(v.findings).toEqual([
      expect.objectContaining({ kind: 'indirect-call', severity: 'MEDIUM', offset: 37, opcodes: ['REDUCE'] }),
    ]);
  });

  it('an unknown class is suspicious through every opcode that calls or instantiates it, with where and how', () => {
    for (const [variant, opcode] of [
      ['reduce.p0', 'REDUCE'],
      ['reduce.p4', 'REDUCE'],
      ['inst', 'INST'],
      ['obj', 'OBJ'],
      ['newobj', 'NEWOBJ'],
      ['newobj_ex', 'NEWOBJ_EX'],
      ['build', 'BUILD'],
    ] as const) {
      const v = scanBuffer('t.pkl', fixture(`unknown/mypackage.models.Thing.${variant}.pkl`));
      expect(v.status, variant).toBe('suspicious');
      const f = v.findings[0];
      expect(f).toMatchObject({
        kind: 'unknown-global',
        module: 'mypackage.models',
        name: 'Thing',
        file: 't.pkl',
      });
      expect(f?.opcodes).toContain(opcode);
      expect(f?.detail).toMatch(/at offset \d+/);
    }
  });
});

describe('false positives: scikit-learn models saved by the real mlflow client', () => {
  const store = (): LocalArtifactStore => new LocalArtifactStore(join(fixtureDir(), 'mlflow_fp'));

  for (const format of ['pickle', 'cloudpickle']) {
    it(`every estimator and pipeline in the ${format} format scans clean`, async () => {
      const models = readdirSync(join(fixtureDir(), 'mlflow_fp', format));
      expect(models.length).toBeGreaterThanOrEqual(10);
      for (const model of models) {
        const v = await scanArtifactTree(store(), `${format}/${model}`);
        expect(v.status, `${model}: ${summary(v)}`).toBe('clean');
        expect(v.scannedFiles, model).toBeGreaterThan(0);
      }
    });
  }
});
