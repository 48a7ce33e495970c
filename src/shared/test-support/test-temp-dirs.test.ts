import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestTempDir, removeLeftoverTestTempDirs, removeTestTempDir } from './test-temp-dirs.js';

describe('temporary folders of a test file', () => {
  it('are made under the OS temp folder with the prefix, and removed with their files', () => {
    const dir = makeTestTempDir('bosun-temp-dirs-');
    expect(dirname(dir)).toBe(tmpdir());
    expect(basename(dir)).toMatch(/^bosun-temp-dirs-.{6}$/);
    writeFileSync(join(dir, 'bosun.db'), 'x');
    removeTestTempDir(dir);
    expect(existsSync(dir)).toBe(false);
    removeTestTempDir(dir); // gone already: no error
  });

  it('left by a test (no close, no dispose) are all removed by the after-file sweep, and only once', () => {
    const kept = [makeTestTempDir('bosun-temp-dirs-'), makeTestTempDir('bosun-temp-dirs-')];
    const removed = makeTestTempDir('bosun-temp-dirs-');
    removeTestTempDir(removed);
    for (const dir of kept) writeFileSync(join(dir, 'file'), 'x');
    expect(removeLeftoverTestTempDirs()).toBe(2);
    for (const dir of kept) expect(existsSync(dir)).toBe(false);
    expect(removeLeftoverTestTempDirs()).toBe(0);
  });
});
