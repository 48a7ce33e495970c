import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageInterpreter } from '../cost/usage-wrapper.js';
import { running } from '../workers/test-support/worker-processes.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import type { RunningProcess, SpawnOptions } from './step-process.js';
import { startLocalStep } from './process-tree.js';
import { StepSpawner } from './step-spawner.js';

/** A masked step's log file as written so far: the server opens it as the first output arrives, so maybe not yet. */
const writtenSoFar = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describe('the step spawner', () => {
  let dir: string;
  let python: string;
  let spawner: StepSpawner;
  let serial = 0;
  const path = process.env.PATH ?? '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-spawner-'));
    python = (await usageInterpreter('python3')) ?? '';
    expect(python).not.toBe('');
    spawner = new StepSpawner(python);
  });
  afterAll(() => {
    if (spawner.pid !== undefined) process.kill(spawner.pid, 'SIGKILL');
    // Its folder goes too: a step still waiting on a file in it (a test that failed midway) then ends.
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (argv: string[], extra: Partial<SpawnOptions> = {}): SpawnOptions => {
    const name = `step-${++serial}`;
    return {
      argv,
      cwd: dir,
      env: { PATH: path },
      stdoutFile: join(dir, `${name}.out`),
      stderrFile: join(dir, `${name}.err`),
      ...extra,
    };
  };
  const start = async (opts: SpawnOptions, measure = true): Promise<RunningProcess> => {
    const proc = await spawner.start(opts, measure);
    if (proc === undefined) throw new Error('the spawner could not run');
    return proc;
  };

  it('passes the exit code through, appends both streams to their files and reports usage', async () => {
    const opts = options(['sh', '-c', 'echo out; echo err >&2; yes | head -c 4; exit 7']);
    writeFileSync(opts.stdoutFile, 'before\n');
    const proc = await start(opts);
    expect(proc.pid).toBeGreaterThan(0);
    expect(await proc.ended).toEqual({ kind: 'exited', code: 7 });
    expect(readFileSync(opts.stdoutFile, 'utf8')).toBe('before\nout\ny\ny\n');
    expect(readFileSync(opts.stderrFile, 'utf8')).toBe('err\n');
    expect(proc.usage?.()).toEqual({ cpuMs: expect.any(Number), peakRssBytes: expect.any(Number) });
    expect(proc.usage?.()?.peakRssBytes).toBeGreaterThan(0);
  });

  it('reports the CPU time of a busy step and the peak memory of a step holding 200 MiB', async () => {
    const busy = await start(
      options([
        python,
        '-c',
        'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass',
      ]),
    );
    expect(await busy.ended).toEqual({ kind: 'exited', code: 0 });
    expect(busy.usage?.()?.cpuMs).toBeGreaterThanOrEqual(400);
    const big = await start(options([python, '-c', 'b = b"x" * (200 * 1024 * 1024)\nprint(len(b))']));
    expect(await big.ended).toEqual({ kind: 'exited', code: 0 });
    expect(big.usage?.()?.peakRssBytes).toBeGreaterThanOrEqual(200 * 1024 * 1024);
  });

  it('gives no usage when not measuring', async () => {
    const proc = await start(options(['true']), false);
    expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    expect(proc.usage?.()).toBeUndefined();
  });

  it('ends by the signal that ended the step, with signal dispositions reset and stdin empty', async () => {
    const proc = await start(options(['sh', '-c', 'kill -USR1 $$']));
    expect(await proc.ended).toEqual({ kind: 'signalled', signal: 'SIGUSR1' });
    expect(proc.usage?.()).toBeDefined();
    // SIGPIPE is back to its default (Python ignores it): `yes` dies of it, so the pipeline ends.
    const piped = options(['sh', '-c', 'yes | head -c 2; cat; echo done']);
    const pipe = await start(piped);
    expect(await pipe.ended).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(piped.stdoutFile, 'utf8')).toBe('y\ndone\n');
  });

  it('reports a command that cannot start as the wrapper did (missing, not executable)', async () => {
    const missing = await start(options(['no-such-command-bosun']));
    expect(missing.pid).toBeUndefined();
    expect(await missing.ended).toEqual({
      kind: 'spawn-failed',
      message: 'spawn no-such-command-bosun No such file or directory',
    });
    expect(missing.usage?.()).toBeUndefined();
    const script = join(dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    const denied = await start(options([script]));
    expect(await denied.ended).toEqual({
      kind: 'spawn-failed',
      message: `spawn ${script} Permission denied`,
    });
    const nowhere = await start(options(['true'], { cwd: join(dir, 'no-such-folder') }));
    expect(await nowhere.ended).toEqual({
      kind: 'spawn-failed',
      message: 'spawn true No such file or directory',
    });
  });

  it('gives the step exactly its env and cwd, and finds its command on its own PATH', async () => {
    const bin = join(dir, 'bin');
    const work = join(dir, 'work');
    mkdirSync(bin);
    mkdirSync(work);
    writeFileSync(join(bin, 'bosun-hello'), '#!/bin/sh\n/usr/bin/env\n/bin/pwd\n');
    chmodSync(join(bin, 'bosun-hello'), 0o755);
    process.env.BOSUN_SPAWNER_TEST_LEAK = 'server-only';
    const env = { PATH: bin, ONLY_THIS: 'a b "c"\n', EMPTY: '' };
    const opts = options(['bosun-hello'], { cwd: work, env });
    const proc = await start(opts);
    expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    const lines = readFileSync(opts.stdoutFile, 'utf8').split('\n');
    expect(lines.at(-2)).toBe(work);
    const printed = lines.slice(0, -2).join('\n');
    // `sh` may add PWD; nothing of the server's environment arrives.
    expect(printed).toContain('ONLY_THIS=a b "c"\n');
    expect(printed).toContain(`PATH=${bin}`);
    expect(printed).toContain('EMPTY=');
    expect(printed).not.toContain('BOSUN_SPAWNER_TEST_LEAK');
    expect(printed).not.toContain('HOME=');
    delete process.env.BOSUN_SPAWNER_TEST_LEAK;
  });

  it('runs an executable script with no #! line with /bin/sh, as execvp does, by path or on PATH', async () => {
    const bin = join(dir, 'no-shebang-bin');
    mkdirSync(bin);
    const script = join(bin, 'bosun-plain-script');
    writeFileSync(script, 'echo "ran as $0 with $# args: $*"\necho to-err >&2\nexit 5\n');
    chmodSync(script, 0o755);
    const onPath = options(['bosun-plain-script', 'a', 'b c'], { env: { PATH: `${bin}:${path}` } });
    const found = await start(onPath);
    expect(await found.ended).toEqual({ kind: 'exited', code: 5 });
    expect(readFileSync(onPath.stdoutFile, 'utf8')).toBe(`ran as ${script} with 2 args: a b c\n`);
    expect(readFileSync(onPath.stderrFile, 'utf8')).toBe('to-err\n');
    // A masked step (its output through pipes) and a command given as a path take the same way.
    const masked = options([script, 'hidden-x'], { maskSecrets: ['hidden-x'] });
    const byPath = await start(masked);
    expect(await byPath.ended).toEqual({ kind: 'exited', code: 5 });
    expect(readFileSync(masked.stdoutFile, 'utf8')).toBe(`ran as ${script} with 1 args: ***\n`);
  });

  it('kills the whole process group: the step and its grandchild', async () => {
    const opts = options(['sh', '-c', 'sleep 1000 & echo $! > grandchild.pid; wait'], { graceMs: 60_000 });
    const proc = await start(opts);
    const grandchild = await waitFor('the grandchild pid', () => {
      try {
        const pid = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8').trim());
        return pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    });
    expect(running(grandchild)).toBe(true);
    proc.kill('cancelled');
    expect(await proc.ended).toEqual({ kind: 'killed', why: 'cancelled' });
    await waitFor('the grandchild to be gone', () => (running(grandchild) ? undefined : true));
  });

  it('kills a step at its timeout', async () => {
    const proc = await start(options(['sleep', '1000'], { timeoutMs: 50 }));
    expect(await proc.ended).toEqual({ kind: 'killed', why: 'timeout' });
  });

  it('runs 50 steps at once, each ending with its own code and output', async () => {
    const all = Array.from({ length: 50 }, (_, i) => options(['sh', '-c', `echo step-${i}; exit ${i}`]));
    const procs = await Promise.all(all.map((o) => start(o)));
    expect(new Set(procs.map((p) => p.pid)).size).toBe(50);
    const ends = await Promise.all(procs.map((p) => p.ended));
    expect(ends).toEqual(all.map((_, i) => ({ kind: 'exited', code: i })));
    all.forEach((o, i) => expect(readFileSync(o.stdoutFile, 'utf8')).toBe(`step-${i}\n`));
  });

  it('holds 520 masked steps at once (over 1,024 pipes: past what select() can watch) and starts one more', async () => {
    const many = Array.from({ length: 520 }, () =>
      options(['sleep', '1000'], { maskSecrets: ['never-printed'] }),
    );
    const procs = await Promise.all(many.map((o) => start(o, false)));
    expect(new Set(procs.map((p) => p.pid)).size).toBe(520);
    const last = options(['sh', '-c', 'echo never-printed; echo done'], { maskSecrets: ['never-printed'] });
    const proc = await start(last, false);
    expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(last.stdoutFile, 'utf8')).toBe('***\ndone\n');
    for (const p of procs) p.kill('cancelled');
    const ends = await Promise.all(procs.map((p) => p.ended));
    expect(ends.filter((e) => e.kind !== 'killed')).toEqual([]);
  });

  it('when the spawner dies mid-step: kills the step group, ends it preempted, and starts again', async () => {
    const opts = options(['sh', '-c', 'sleep 1000 & echo $! > orphan.pid; wait']);
    const proc = await start(opts);
    const grandchild = await waitFor('the grandchild pid', () => {
      try {
        const pid = Number(readFileSync(join(dir, 'orphan.pid'), 'utf8').trim());
        return pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    });
    const first = spawner.pid;
    expect(first).toBeDefined();
    process.kill(first ?? 0, 'SIGKILL');
    const end = await proc.ended;
    expect(end).toEqual({ kind: 'preempted', reason: expect.stringContaining('the step spawner died') });
    await waitFor('the step to be gone', () => (running(proc.pid ?? 0) ? undefined : true));
    await waitFor('the grandchild to be gone', () => (running(grandchild) ? undefined : true));
    const again = await start(options(['sh', '-c', 'exit 3']));
    expect(await again.ended).toEqual({ kind: 'exited', code: 3 });
    expect(spawner.pid).not.toBe(first);
  });

  it('masks a masked step in the server: nothing unmasked reaches the files, output grows while it runs', async () => {
    const secret = 's3cr3t-value';
    const release = join(dir, 'masked-release');
    // The secret split across two writes; then a line seen while the step still runs.
    const script = `printf 's3cr3t-'; printf 'value and more\\n'; echo live; printf '%0200d\\n' 0; echo ${secret} >&2; while [ -d ${dir} ] && [ ! -e ${release} ]; do sleep 0.05; done; echo bye`;
    const opts = options(['sh', '-c', script], { maskSecrets: [secret] });
    const proc = await start(opts);
    await waitFor('live output', () =>
      // The masker holds back a tail as long as the longest masked form: filler pushes \`live\` through.
      writtenSoFar(opts.stdoutFile).includes('live\n') ? true : undefined,
    );
    expect(readFileSync(opts.stdoutFile, 'utf8')).not.toContain('s3cr3t');
    writeFileSync(release, '');
    expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(opts.stdoutFile, 'utf8')).toBe(`*** and more\nlive\n${'0'.repeat(200)}\nbye\n`);
    expect(readFileSync(opts.stderrFile, 'utf8')).toBe('***\n');
    expect(proc.usage?.()?.peakRssBytes).toBeGreaterThan(0);
  });

  it('ends a masked step preempted when the spawner dies, keeping what it wrote masked', async () => {
    const opts = options(['sh', '-c', "echo hidden-secret-x; printf '%0200d' 0; exec sleep 1000"], {
      maskSecrets: ['hidden-secret-x'],
    });
    const proc = await start(opts);
    await waitFor('its output', () =>
      writtenSoFar(opts.stdoutFile).startsWith('***\n000') ? true : undefined,
    );
    process.kill(spawner.pid ?? 0, 'SIGKILL');
    expect(await proc.ended).toEqual({
      kind: 'preempted',
      reason: expect.stringContaining('the step spawner died'),
    });
    await waitFor('the step to be gone', () => (running(proc.pid ?? 0) ? undefined : true));
    expect(readFileSync(opts.stdoutFile, 'utf8')).toBe(`***\n${'0'.repeat(200)}`);
  });

  it('when no interpreter can run it, steps start without it (measured by the wrapper when one exists)', async () => {
    const none = await startLocalStep(options(['sh', '-c', 'exit 4']), {
      interpreter: join(dir, 'no-such-python'),
      measure: false,
      usageFile: join(dir, 'no-python-usage.json'),
    });
    expect(await none.ended).toEqual({ kind: 'exited', code: 4 });
    const unmeasured = await startLocalStep(options(['sh', '-c', 'exit 4']), {
      interpreter: undefined,
      measure: true,
      usageFile: join(dir, 'unmeasured.json'),
    });
    expect(await unmeasured.ended).toEqual({ kind: 'exited', code: 4 });
    expect(unmeasured.usage?.()).toBeUndefined();
  });
});
