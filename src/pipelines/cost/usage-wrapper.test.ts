import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnStep } from '../executor/process-tree.js';
import { usageInterpreter } from './usage-wrapper.js';
import { makeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

describe('the usage wrapper', () => {
  let dir: string;
  let python: string;
  beforeAll(async () => {
    dir = makeTestTempDir('bosun-usage-');
    python = (await usageInterpreter('python3')) ?? '';
    expect(python).not.toBe('');
  });

  const run = (argv: string[], name: string) => {
    const proc = spawnStep({
      argv,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      stdoutFile: join(dir, `${name}.out`),
      stderrFile: join(dir, `${name}.err`),
      measure: { python, file: join(dir, `${name}.json`) },
    });
    return proc.ended.then((end) => ({ end, usage: proc.usage?.() }));
  };

  it('passes the exit code, output and SIGPIPE default of the command through, and reports usage', async () => {
    const { end, usage } = await run(['sh', '-c', 'yes | head -c 3; echo; exit 7'], 'code');
    expect(end).toEqual({ kind: 'exited', code: 7 });
    expect(readFileSync(join(dir, 'code.out'), 'utf8')).toBe('y\ny\n');
    expect(usage).toEqual({ cpuMs: expect.any(Number), peakRssBytes: expect.any(Number) });
    expect(usage?.peakRssBytes).toBeGreaterThan(0);
  });

  it('ends by the same signal as the command', async () => {
    const { end, usage } = await run(['sh', '-c', 'kill -USR1 $$'], 'signal');
    expect(end).toEqual({ kind: 'signalled', signal: 'SIGUSR1' });
    expect(usage).toBeDefined();
  });

  it('reports a command that cannot start as a spawn failure', async () => {
    const { end, usage } = await run(['no-such-command-bosun'], 'missing');
    expect(end).toEqual({
      kind: 'spawn-failed',
      message: 'spawn no-such-command-bosun No such file or directory',
    });
    expect(usage).toBeUndefined();
  });
});
