/**
 * Writes the scanner's test files once per test file with a real Python (`make_fixtures.py`): pickles by
 * `pickle`, `joblib`, `numpy`, scikit-learn and the `mlflow` client. Malicious files are written, never loaded.
 * Their folder is removed after the test file (src/shared/test-support/remove-test-temp-dirs.ts).
 *
 * Python: env BOSUN_TEST_PYTHON (the test command sets it to the mlflow 3.x environment it creates first),
 * otherwise the same environment is created (or reused) here by `scripts/compat-venv.sh` under the clone's own
 * `.cache/`, so `npx vitest` alone works on a fresh clone too. Nothing outside the clone is looked at.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestTempDir } from '../../../shared/test-support/test-temp-dirs.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../../..');

export function testPython(): string {
  const fromEnv = process.env['BOSUN_TEST_PYTHON'];
  if (fromEnv) return fromEnv;
  const script = join(REPO, 'scripts/compat-venv.sh');
  const python = execFileSync('bash', [script, 'mlflow3', join(REPO, '.cache/venv-mlflow3')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  process.env['BOSUN_TEST_PYTHON'] = python;
  return python;
}

let cached: string | undefined;

/** The folder holding every fixture (made on the test file's first call; files sharing a worker each make theirs). */
export function fixtureDir(): string {
  if (cached !== undefined && existsSync(cached)) return cached;
  const dir = makeTestTempDir('bosun-scan-fixtures-');
  execFileSync(testPython(), [join(HERE, 'make_fixtures.py'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  cached = dir;
  return dir;
}

export function fixture(rel: string): Buffer {
  return readFileSync(join(fixtureDir(), rel));
}
