import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The CLI as users run it: the build output (`npm test` builds before it runs the tests). */
export const cliEntry = join(repoRoot, 'dist/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bosun ARGS` from the build, with the test process's environment minus every MLFLOW_* and BOSUN_*
 * variable (so nothing leaks in from the developer's shell), plus `env`.
 */
export function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(cliEntry))
    throw new Error(`${cliEntry} is missing: run \`npm run build\` before this test`);
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(MLFLOW|BOSUN)_/.test(key)) base[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: repoRoot,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
