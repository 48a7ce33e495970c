import { execFile } from 'node:child_process';
import { sha256 } from './digests.js';

/** What a step's code was: the git commit of its folder and a digest of the changes not committed. */
export interface CodeVersion {
  /** Undefined outside a git checkout (or without git). */
  gitCommit: string | undefined;
  /** SHA-256 of `git diff HEAD` plus the untracked files' names and contents; undefined when the tree is clean. */
  dirtyDigest: string | undefined;
}

function run(
  file: string,
  args: readonly string[],
  cwd: string,
  maxBuffer = 256 * 1024 * 1024,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, maxBuffer, encoding: 'buffer' }, (error, stdout) => {
      resolve(error ? undefined : stdout.toString('utf8'));
    });
  });
}

/** The code version of a folder (once per pipeline run: every step of a run shares its code folder). */
export async function codeVersion(folder: string): Promise<CodeVersion> {
  const commit = (await run('git', ['rev-parse', 'HEAD'], folder))?.trim();
  if (commit === undefined || commit === '') return { gitCommit: undefined, dirtyDigest: undefined };
  const diff = (await run('git', ['diff', 'HEAD', '--binary'], folder)) ?? '';
  const untracked = ((await run('git', ['ls-files', '--others', '--exclude-standard', '-z'], folder)) ?? '')
    .split('\0')
    .filter((f) => f !== '');
  if (diff === '' && untracked.length === 0) return { gitCommit: commit, dirtyDigest: undefined };
  const parts = [diff];
  for (const file of untracked.sort()) {
    const content = (await run('git', ['hash-object', '--', file], folder))?.trim() ?? '';
    parts.push(`${file}\t${content}`);
  }
  return { gitCommit: commit, dirtyDigest: `sha256:${sha256(parts.join('\n'))}` };
}

/**
 * `pip freeze` of a Python interpreter, remembered per interpreter for the life of the cache (an executor):
 * the resolved environment a Python step ran with.
 */
export class PipFreezeCache {
  readonly #frozen = new Map<string, Promise<string | undefined>>();

  freeze(python: string, cwd: string): Promise<string | undefined> {
    let found = this.#frozen.get(python);
    if (found === undefined) {
      found = run(python, ['-m', 'pip', 'freeze', '--all'], cwd);
      this.#frozen.set(python, found);
    }
    return found;
  }
}

/** Whether an argv runs a Python interpreter (`python`, `python3`, `python3.12`, a venv's `.../bin/python`). */
export function pythonOf(argv: readonly string[]): string | undefined {
  const first = argv[0];
  if (first === undefined) return undefined;
  const base = first.split('/').pop() ?? '';
  return /^python(\d+(\.\d+)?)?$/.test(base) ? first : undefined;
}
