import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { LocalArtifactStore } from '../../artifacts/index.js';
import { fixture, fixtureDir } from './test-support/fixtures.js';
import { scanArtifactTree, scanBuffer } from './index.js';

describe('JSON model configs name what loading imports', () => {
  it('a Keras config naming a module outside Keras: dangerous is unsafe, unknown is suspicious', () => {
    const os = scanBuffer('m.keras', fixture('keras/module_os.keras'));
    expect(os.status).toBe('unsafe');
    expect(os.findings).toEqual([
      expect.objectContaining({
        kind: 'dangerous-global',
        module: 'os',
        name: 'system',
        file: 'm.keras!config.json',
      }),
    ]);
    const custom = scanBuffer('m.keras', fixture('keras/module_custom.keras'));
    expect(custom.status).toBe('suspicious');
    expect(custom.findings).toEqual([
      expect.objectContaining({ kind: 'unknown-global', module: 'mypkg.layers', name: 'Evil' }),
    ]);
    // keras.* names resolve through Keras's own registry
    expect(scanBuffer('m.keras', fixture('keras/clean.keras')).status).toBe('clean');
  });

  it('a skops schema naming a function: allow-listed, dangerous or unknown', () => {
    expect(scanBuffer('m.skops', fixture('skops/log1p.skops')).status).toBe('clean');
    const os = scanBuffer('m.skops', fixture('skops/os_system.skops'));
    expect(os.status).toBe('unsafe');
    expect(os.findings[0]).toMatchObject({ module: 'os', name: 'system', file: 'm.skops!schema.json' });
    expect(scanBuffer('m.skops', fixture('skops/custom.skops')).status).toBe('suspicious');
  });
});

describe('MLmodel loader modules and shipped Python code', () => {
  const store = (): LocalArtifactStore => new LocalArtifactStore(join(fixtureDir(), 'mlmodel'));

  it("mlflow's own loader_module is clean", async () => {
    const v = await scanArtifactTree(store(), 'sklearn');
    expect(v).toEqual({ status: 'clean', scannedFiles: 0, findings: [] });
  });

  it('a loader_module of its own, with its code in code/, is suspicious and names both', async () => {
    const v = await scanArtifactTree(store(), 'custom');
    expect(v.status).toBe('suspicious');
    expect(v.findings.map((f) => `${f.kind} ${f.file} ${f.module ?? ''}`).sort()).toEqual([
      'code-file code/evil_loader.py ',
      'unknown-global MLmodel evil_loader',
    ]);
  });

  it('a loader_module on the deny list is unsafe', async () => {
    const v = await scanArtifactTree(store(), 'os');
    expect(v.status).toBe('unsafe');
    expect(v.findings[0]).toMatchObject({ kind: 'dangerous-global', module: 'os', file: 'MLmodel' });
  });
});
