import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { sha256 } from './digests.js';

/** A virtual environment built for a set of requirements. */
export interface StepEnvironment {
  /** Its interpreter: script and function steps run with it. */
  python: string;
  /** Put first on a command step's PATH, so `python` and installed commands are the environment's. */
  binDir: string;
  root: string;
  /** sha256 of the base interpreter and its version, the requirements and the requirements file's text. */
  digest: string;
  /** Built before (by this process or another), not now. */
  reused: boolean;
}

/** Why an environment could not be built: the failing command and the end of its output. */
export class StepEnvironmentError extends Error {}

const COMPLETE = '.bosun-complete';
/** Prints the interpreter's site-packages folders (the ones it has, its virtual environment's included), one per line. */
const SITE_DIRS =
  'import site, sys\nfor p in [*site.getsitepackages(), site.getusersitepackages()]:\n    print(p)';
const PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])";

function output(file: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolveOut, reject) =>
    execFile(file, args, { cwd }, (error, stdout) => (error ? reject(error) : resolveOut(stdout))),
  );
}
const LOG_TAIL = 4000;

function exec(file: string, args: readonly string[], cwd: string, log: string): Promise<void> {
  return new Promise((resolveExec, reject) => {
    const out = createWriteStream(log, { flags: 'a' });
    out.write(`$ ${file} ${args.join(' ')}\n`);
    const child = execFile(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error) => {
      out.end(() => (error ? reject(error) : resolveExec()));
    });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Builds one virtual environment per requirements digest under `root` and reuses it: `python -m venv`, a `.pth`
 * file naming the base interpreter's site-packages (so its packages, mlflow among them, stay importable and count
 * as installed, even when the base is itself a virtual environment, which `--system-site-packages` would skip;
 * the environment's own packages come first, so a requirement that pins another version wins), then `pip install`
 * of the step's `requirements` and `requirements_file`.
 * One build at a time per digest: within this process by a shared promise, across processes on this machine
 * by a lock folder (`<digest>.lock`, holding the builder's host and pid; a lock whose process is gone is taken
 * over). A finished environment carries a marker file; a failed build is removed, so the next attempt builds
 * again. The build's output is kept in `<root>/<digest>.log`.
 */
export class StepVenvs {
  readonly #building = new Map<string, Promise<StepEnvironment>>();
  readonly #versions = new Map<string, Promise<string>>();

  constructor(
    private readonly root: string,
    private readonly pollMs = 200,
  ) {}

  async ensure(
    basePython: string,
    requirements: readonly string[],
    requirementsFile: string | undefined,
    codeDir: string,
  ): Promise<StepEnvironment> {
    const digest = await this.digest(basePython, requirements, requirementsFile, codeDir);
    let building = this.#building.get(digest);
    const builder = building === undefined;
    if (building === undefined) {
      building = this.build(digest, basePython, requirements, requirementsFile, codeDir);
      this.#building.set(digest, building);
      building.catch(() => this.#building.delete(digest));
    }
    const env = await building;
    // Only the call that built it says so: every later (or concurrent) one reuses it.
    return builder ? env : { ...env, reused: true };
  }

  /** The digest that names the environment of these requirements (what `ensure` would build or reuse). */
  async digest(
    basePython: string,
    requirements: readonly string[],
    requirementsFile: string | undefined,
    codeDir: string,
  ): Promise<string> {
    const fileText =
      requirementsFile === undefined
        ? undefined
        : await readFile(resolve(codeDir, requirementsFile), 'utf8').catch((err: Error) => {
            throw new StepEnvironmentError(
              `cannot read requirements_file '${requirementsFile}': ${err.message}`,
            );
          });
    const version = await this.version(basePython, codeDir);
    return sha256(JSON.stringify({ basePython, version, requirements, fileText: fileText ?? null }));
  }

  private version(basePython: string, codeDir: string): Promise<string> {
    let found = this.#versions.get(basePython);
    if (found === undefined) {
      found = output(basePython, ['-c', 'import sys; print(sys.version)'], codeDir).then(
        (text) => text.trim(),
        (error: Error) => {
          throw new StepEnvironmentError(`cannot run ${basePython}: ${error.message}`);
        },
      );
      this.#versions.set(basePython, found);
      found.catch(() => this.#versions.delete(basePython));
    }
    return found;
  }

  private async build(
    digest: string,
    basePython: string,
    requirements: readonly string[],
    requirementsFile: string | undefined,
    codeDir: string,
  ): Promise<StepEnvironment> {
    await mkdir(this.root, { recursive: true });
    const dir = join(this.root, digest);
    const env = (reused: boolean): StepEnvironment => ({
      python: join(dir, 'bin', 'python'),
      binDir: join(dir, 'bin'),
      root: dir,
      digest,
      reused,
    });
    const complete = async () =>
      stat(join(dir, COMPLETE)).then(
        () => true,
        () => false,
      );
    if (await complete()) return env(true);
    const lock = join(this.root, `${digest}.lock`);
    if (!(await this.lock(lock, complete))) return env(true); // another process built it while we waited
    try {
      if (await complete()) return env(true); // another process built it while we waited
      await rm(dir, { recursive: true, force: true }); // what a crashed build left
      const log = join(this.root, `${digest}.log`);
      await writeFile(log, '');
      try {
        // Without its own pip: the base's pip is importable through the .pth (seconds saved per build).
        await exec(basePython, ['-m', 'venv', '--without-pip', dir], codeDir, log);
        const envPython = join(dir, 'bin', 'python');
        const base = await output(basePython, ['-c', SITE_DIRS], codeDir);
        const own = (await output(envPython, ['-c', PURELIB], codeDir)).trim();
        await writeFile(join(own, '_bosun_base_site.pth'), base);
        const hasPip = await output(envPython, ['-m', 'pip', '--version'], codeDir).then(
          () => true,
          () => false,
        );
        if (!hasPip) await exec(envPython, ['-m', 'ensurepip', '--default-pip'], codeDir, log);
        const inline = join(this.root, `${digest}.requirements.txt`);
        await writeFile(inline, requirements.map((r) => `${r}\n`).join(''));
        await exec(
          envPython,
          [
            '-m',
            'pip',
            'install',
            '--disable-pip-version-check',
            '--no-input',
            '-r',
            inline,
            ...(requirementsFile !== undefined ? ['-r', resolve(codeDir, requirementsFile)] : []),
          ],
          codeDir,
          log,
        );
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        const text = await readFile(log, 'utf8').catch(() => '');
        throw new StepEnvironmentError(
          `building the step's environment failed (${(err as Error).message.split('\n')[0] ?? ''}):\n${text.slice(-LOG_TAIL)}`,
        );
      }
      await writeFile(join(dir, COMPLETE), `${new Date().toISOString()}\n`);
      return env(false);
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }

  /**
   * Takes the lock folder (true), waiting while a live process on this host holds it; false when the
   * environment was finished by its holder meanwhile (the lock is not ours then).
   */
  private async lock(lock: string, complete: () => Promise<boolean>): Promise<boolean> {
    const me = `${hostname()} ${process.pid}`;
    for (;;) {
      try {
        await mkdir(lock);
        await writeFile(join(lock, 'owner'), me);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readFile(join(lock, 'owner'), 'utf8').catch(() => '');
      const [host, pid] = owner.split(' ');
      const stale = owner !== '' && host === hostname() && !alive(Number(pid));
      if (stale) await rm(lock, { recursive: true, force: true });
      else if (await complete()) return false;
      else await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}
