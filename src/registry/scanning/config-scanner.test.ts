import { describe, expect, it } from 'vitest';
import { fixture } from './test-support/fixtures.js';
import { scanBuffer } from './index.js';

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
