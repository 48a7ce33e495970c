/**
 * The Python the tests run scripts with (scipy, numpy, scikit-learn, the mlflow client): env BOSUN_TEST_PYTHON
 * (the test command sets it to the mlflow 3.x environment it creates first), otherwise that environment is
 * created or reused under the clone's own `.cache/` by `scripts/compat-venv.sh`, so `npx vitest run FILE` works on
 * a fresh clone too. Nothing outside the clone is looked at.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

let python: string | undefined;

/** The test Python's interpreter path (made once per test process). */
export function testPython(): string {
  python ??=
    process.env['BOSUN_TEST_PYTHON'] ||
    execFileSync(
      'bash',
      [join(REPO, 'scripts/compat-venv.sh'), 'mlflow3', join(REPO, '.cache/venv-mlflow3')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      },
    ).trim();
  return python;
}
