import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../../..');

/**
 * Script lines that make a replica wait for the others: it writes `ready-<owner>` in `dir`, then waits until
 * `replicas` such files exist, so that every process starts its rounds together. Needs `readdirSync` and
 * `writeFileSync` imported from node:fs in the script.
 */
export function replicaBarrier(dir: string, owner: string, replicas: number): string {
  return `
    writeFileSync(${JSON.stringify(join(dir, `ready-${owner}`))}, '');
    while (readdirSync(${JSON.stringify(dir)}).filter((f) => f.startsWith('ready-')).length < ${replicas}) {
      await new Promise((r) => setTimeout(r, 5));
    }`;
}

/**
 * Runs `script` (an ES module importing the repository's sources as `./src/...ts`) in its own Node process under
 * tsx, from the repository root, as a second server would run; resolves with the JSON it prints, rejects with
 * its stderr when it exits non-zero.
 */
export function runReplicaScript(script: string): Promise<unknown[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', script], {
      cwd: repo,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? done(JSON.parse(out) as unknown[]) : fail(new Error(err))));
  });
}
