import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from '../../shared/test-support/test-python.js';
import { writeWheel } from '../test-support/wheels.js';
import { StepEnvironmentError, StepVenvs } from './step-venv.js';

function importValue(python: string, module: string): string {
  return execFileSync(python, ['-c', `import ${module}; print(${module}.VALUE)`], {
    encoding: 'utf8',
  }).trim();
}

describe('step virtual environments (requirements)', () => {
  let dir: string;
  let wheelA: string;
  let wheelB: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-step-venv-'));
    wheelA = writeWheel(dir, 'bosuntinya', '1.0', 'alpha');
    wheelB = writeWheel(dir, 'bosuntinyb', '2.0', 'beta');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds one environment per requirements, reuses it, and keeps the base interpreter packages importable', async () => {
    const venvs = new StepVenvs(join(dir, 'envs-1'));
    const first = await venvs.ensure(testPython(), [wheelA], undefined, dir);
    expect(first.reused).toBe(false);
    expect(importValue(first.python, 'bosuntinya')).toBe('alpha');
    // The test Python is itself a virtual environment holding mlflow: the step's environment still sees it.
    expect(
      execFileSync(first.python, ['-c', 'import mlflow; print("ok")'], { encoding: 'utf8' }).trim(),
    ).toBe('ok');
    const again = await venvs.ensure(testPython(), [wheelA], undefined, dir);
    expect(again).toEqual({ ...first, reused: true });
    // Another process (another StepVenvs on the same folder) reuses what the first built.
    const elsewhere = await new StepVenvs(join(dir, 'envs-1')).ensure(testPython(), [wheelA], undefined, dir);
    expect(elsewhere).toEqual({ ...first, reused: true });

    writeFileSync(join(dir, 'requirements.txt'), `${wheelB}\n`);
    const withFile = await venvs.ensure(testPython(), [wheelA], 'requirements.txt', dir);
    expect(withFile.digest).not.toBe(first.digest);
    expect(importValue(withFile.python, 'bosuntinyb')).toBe('beta');
    expect(() => importValue(first.python, 'bosuntinyb')).toThrow();
  });

  it('builds once when two processes ask at the same time, and takes over a lock its holder left', async () => {
    const root = join(dir, 'envs-2');
    const [one, two] = await Promise.all([
      new StepVenvs(root, 20).ensure(testPython(), [wheelB], undefined, dir),
      new StepVenvs(root, 20).ensure(testPython(), [wheelB], undefined, dir),
    ]);
    expect(one.root).toBe(two.root);
    expect([one.reused, two.reused].sort()).toEqual([false, true]);

    // A lock left by a process that is gone (a pid no process has) does not stop the next build.
    const venvs = new StepVenvs(root, 20);
    const digest = await venvs.digest(testPython(), [wheelA, wheelB], undefined, dir);
    mkdirSync(join(root, `${digest}.lock`), { recursive: true });
    writeFileSync(join(root, `${digest}.lock`, 'owner'), `${hostname()} 2147483646`);
    const built = await venvs.ensure(testPython(), [wheelA, wheelB], undefined, dir);
    expect(built.digest).toBe(digest);
    expect(built.reused).toBe(false);
    expect(importValue(built.python, 'bosuntinya')).toBe('alpha');
    expect(existsSync(join(root, `${digest}.lock`))).toBe(false);
  });

  it("fails with pip's words and leaves nothing half-built for the next attempt", async () => {
    const root = join(dir, 'envs-3');
    const venvs = new StepVenvs(root);
    const missing = join(dir, 'nope-9.9-py3-none-any.whl');
    const failure = await venvs.ensure(testPython(), [missing], undefined, dir).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StepEnvironmentError);
    expect((failure as Error).message).toMatch(/^building the step's environment failed/);
    expect((failure as Error).message).toContain('nope-9.9-py3-none-any.whl');
    expect(readdirSync(root).filter((f) => !f.endsWith('.log') && !f.endsWith('.txt'))).toEqual([]);
    const unreadable = await venvs.ensure(testPython(), [], 'absent.txt', dir).catch((e: unknown) => e);
    expect((unreadable as Error).message).toMatch(/^cannot read requirements_file 'absent.txt'/);
  });
});
