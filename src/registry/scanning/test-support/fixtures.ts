/**
 * Writes the scanner's test files once per test process with a real Python (`make_fixtures.py`): pickles by
 * `pickle`, `joblib`, `numpy`, scikit-learn and the `mlflow` client. Malicious files are written, never loaded.
 *
 * Python: env BOSUN_TEST_PYTHON (the test command points it at .cache/venv-mlflow3/bin/python), else
 * /tmp/warm/v3/bin/python when it exists; otherwise the tests fail with a message saying so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const FALLBACK_PYTHON = '/tmp/warm/v3/bin/python';

export function testPython(): string {
  const fromEnv = process.env['BOSUN_TEST_PYTHON'];
  if (fromEnv) return fromEnv;
  if (existsSync(FALLBACK_PYTHON)) return FALLBACK_PYTHON;
  throw new Error(
    'scanner tests need a Python with numpy, joblib, scikit-learn and mlflow: set BOSUN_TEST_PYTHON ' +
      '(e.g. .cache/venv-mlflow3/bin/python)',
  );
}

let cached: string | undefined;

/** The folder holding every fixture (made on first call). */
export function fixtureDir(): string {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'bosun-scan-fixtures-'));
  execFileSync(testPython(), [join(HERE, 'make_fixtures.py'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  cached = dir;
  return dir;
}

export function fixture(rel: string): Buffer {
  return readFileSync(join(fixtureDir(), rel));
}
