import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders of the test file running now, made by `makeTestTempDir` and not yet removed. The setup file
 * remove-test-temp-dirs.ts removes what is left after each test file, once the file's own `afterAll` hooks have
 * stopped the servers and processes that write into them: a test that fails midway, or a helper's caller that
 * never calls `close`/`dispose`, leaves nothing in the OS temp folder.
 */
const made = new Set<string>();

/**
 * A new folder under the OS temp folder, named `prefix` and six random characters, removed after the test file
 * at the latest (earlier with `removeTestTempDir`).
 * Example: `const dir = makeTestTempDir('bosun-server-test-');`
 */
export function makeTestTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes a folder made by `makeTestTempDir` now, with everything in it (no error if it is gone already). */
export function removeTestTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}

/** Removes every folder made by `makeTestTempDir` and not removed yet; answers how many there were. */
export function removeLeftoverTestTempDirs(): number {
  const left = [...made];
  for (const dir of left) removeTestTempDir(dir);
  return left.length;
}
