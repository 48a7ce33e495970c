import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../artifacts/index.js';
import { fixture, fixtureDir } from './test-support/fixtures.js';
import { dangerousGlobals, mlflowModels, putScanTree } from './test-support/scan-tree-files.js';
import { classifyGlobal, scanArtifactTree, scanFiles, type ScanInputFile } from './index.js';

async function* filesUnder(dir: string): AsyncGenerator<ScanInputFile> {
  for (const name of (await readdir(dir)).sort()) {
    const full = join(dir, name);
    const s = await stat(full);
    if (s.isDirectory()) yield* filesUnder(full);
    else yield { path: relative(dir, full), size: s.size, read: async () => createReadStream(full) };
  }
}

describe('scanArtifactTree over a LocalArtifactStore', () => {
  let dir: string;
  let store: LocalArtifactStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-scan-tree-'));
    store = new LocalArtifactStore(join(dir, 'root'));
    await putScanTree(store);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('a scikit-learn model saved by the real mlflow client scans clean (skops and cloudpickle)', async () => {
    for (const model of mlflowModels) {
      const v = await scanArtifactTree(store, `1/run/artifacts/${model}`);
      expect(v.status, JSON.stringify(v)).toBe('clean');
      expect(v.scannedFiles).toBeGreaterThan(0);
      expect(v.findings.filter((f) => f.severity !== 'LOW')).toEqual([]);
    }
  });

  it('walks folders recursively and names files relative to the root', async () => {
    const v = await scanArtifactTree(store, '1/bad/artifacts/model/');
    expect(v.status).toBe('unsafe');
    expect(dangerousGlobals(v)).toEqual([
      'data/model.pkl subprocess.Popen',
      'extra.pt!archive/data.pkl runpy._run_code',
    ]);
  });

  it('a root that is a single file scans that file', async () => {
    const v = await scanArtifactTree(store, '1/bad/artifacts/model/data/model.pkl');
    expect(v.status).toBe('unsafe');
    expect(v.findings[0]?.file).toBe('model.pkl');
  });

  it('an empty or missing folder is clean with nothing scanned', async () => {
    const v = await scanArtifactTree(store, '1/nothing-here');
    expect(v).toEqual({ status: 'clean', scannedFiles: 0, findings: [] });
  });
});

describe('scanFiles with streams', () => {
  it('folds many files into one verdict: unsafe beats failed beats clean', async () => {
    const base = fixtureDir();
    const v = await scanFiles(filesUnder(join(base, 'sklearn')));
    expect(v.status).toBe('clean');
    const mixed = async function* (): AsyncGenerator<ScanInputFile> {
      yield* filesUnder(join(base, 'broken'));
      yield { path: 'ok.pkl', size: 5, read: async () => Buffer.from('\x80\x04N.', 'latin1') };
    };
    const m = await scanFiles(mixed());
    // broken/truncated.pkl carries a dangerous import before its break
    expect(m.status).toBe('unsafe');
    const onlyBroken = async function* (): AsyncGenerator<ScanInputFile> {
      yield { path: 'garbled.pkl', size: 16, read: async () => fixture('broken/garbled.pkl') };
    };
    const f = await scanFiles(onlyBroken());
    expect(f.status).toBe('failed');
    if (f.status === 'failed') expect(f.error).toMatch(/^garbled\.pkl: pickle: invalid opcode/);
  });

  it('maxTotalBytes bounds a whole version', async () => {
    const v = await scanFiles(filesUnder(join(fixtureDir(), 'sklearn')), { maxTotalBytes: 10_000 });
    expect(v.status).toBe('failed');
    if (v.status === 'failed') expect(v.error).toContain('maxTotalBytes');
  });
});

describe('classifyGlobal', () => {
  it('matches whole modules, submodules, dotted names and the allow list', () => {
    expect(classifyGlobal('os.path', 'join')).toMatchObject({ kind: 'dangerous', severity: 'CRITICAL' });
    expect(classifyGlobal('subprocess', 'Popen.__init__')).toMatchObject({ kind: 'dangerous' });
    expect(classifyGlobal('code', 'InteractiveInterpreter.runcode')).toMatchObject({ kind: 'dangerous' });
    expect(classifyGlobal('requests.api', 'get')).toMatchObject({ kind: 'dangerous', severity: 'HIGH' });
    expect(classifyGlobal('builtins', 'object.__subclasses__')).toMatchObject({ kind: 'dangerous' });
    expect(classifyGlobal('numpy', 'dtype')).toEqual({ kind: 'safe' });
    expect(classifyGlobal('torch._utils', '_rebuild_tensor_v2')).toEqual({ kind: 'safe' });
    expect(classifyGlobal('numpy.f2py', 'compile')).toMatchObject({ kind: 'dangerous' });
    expect(classifyGlobal('sklearn.tree._tree', 'Tree')).toEqual({ kind: 'safe' });
    expect(classifyGlobal('mypackage', 'Thing')).toEqual({ kind: 'unknown' });
    expect(classifyGlobal('builtins', 'len')).toEqual({ kind: 'unknown' });
  });
});
