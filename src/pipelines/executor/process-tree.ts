import { spawn } from 'node:child_process';
import { openSync, closeSync, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { secretMaskingStream } from './secret-masker.js';
import { readWrapperReport, USAGE_WRAPPER } from '../cost/usage-wrapper.js';
import { StepSpawner } from './step-spawner.js';
import type { KillReason, ProcessEnd, RunningProcess, SpawnOptions } from './step-process.js';

/** How long `ended` waits for masked output still in the pipes once the process group is gone. */
const DRAIN_MS = 5_000;

/**
 * Starts a step's process in its own process group, its output going straight to two files (so a chatty step
 * costs the server nothing and a crash of the server loses no line already written). A kill reaches the whole
 * group: `sh -c 'train & evaluate'` leaves nothing behind.
 */
export function spawnStep(options: SpawnOptions): RunningProcess {
  const measure = options.measure;
  const [command, ...args] = measure
    ? [measure.python, '-I', '-S', '-c', USAGE_WRAPPER, measure.file, ...options.argv]
    : options.argv;
  const masked = options.maskSecrets !== undefined && options.maskSecrets.length > 0;
  const out = masked ? 'pipe' : openSync(options.stdoutFile, 'a');
  const err = masked ? 'pipe' : openSync(options.stderrFile, 'a');
  let killedFor: KillReason | undefined;
  let usage: { cpuMs: number; peakRssBytes: number } | undefined;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  let hardKill: NodeJS.Timeout | undefined;
  const child = spawn(command ?? '', args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', out, err],
  });
  if (typeof out === 'number') closeSync(out);
  if (typeof err === 'number') closeSync(err);
  const drained: Promise<unknown> =
    masked && child.stdout !== null && child.stderr !== null
      ? Promise.all([
          pipeline(
            child.stdout,
            secretMaskingStream(options.maskSecrets ?? []),
            createWriteStream(options.stdoutFile, { flags: 'a' }),
          ),
          pipeline(
            child.stderr,
            secretMaskingStream(options.maskSecrets ?? []),
            createWriteStream(options.stderrFile, { flags: 'a' }),
          ),
        ]).catch(() => undefined)
      : Promise.resolve();

  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const kill = (why: KillReason) => {
    if (settled || killedFor !== undefined) return;
    killedFor = why;
    signalGroup('SIGTERM');
    hardKill = setTimeout(() => signalGroup('SIGKILL'), options.graceMs ?? 2_000);
    hardKill.unref();
  };
  const ended = new Promise<ProcessEnd>((resolve) => {
    const finish = (end: ProcessEnd) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      // The leader is gone; anything it left in its group goes too.
      signalGroup('SIGKILL');
      if (hardKill !== undefined) clearTimeout(hardKill);
      resolve(end);
    };
    child.once('error', (error) => finish({ kind: 'spawn-failed', message: error.message }));
    child.once('exit', (code, signal) => {
      const report = measure !== undefined ? readWrapperReport(measure.file) : undefined;
      if (report !== undefined && 'error' in report) {
        finish({ kind: 'spawn-failed', message: report.error });
        return;
      }
      usage = report;
      if (killedFor !== undefined) finish({ kind: 'killed', why: killedFor });
      else if (signal !== null) finish({ kind: 'signalled', signal });
      else finish({ kind: 'exited', code: code ?? 1 });
    });
  });
  if (options.timeoutMs !== undefined) {
    timer = setTimeout(() => kill('timeout'), options.timeoutMs);
  }
  const endedAndDrained = ended.then(async (end) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
    if (timer !== undefined) clearTimeout(timer);
    return end;
  });
  return { pid: child.pid, kill, ended: masked ? endedAndDrained : ended, usage: () => usage };
}

const spawners = new Map<string, StepSpawner>();

/**
 * This process's step spawner for `python` (a real interpreter, see `usageInterpreter`): one per interpreter and
 * process, shared by every executor in it (the server's, or a worker's), started on first use.
 */
export function sharedStepSpawner(python: string): StepSpawner {
  let spawner = spawners.get(python);
  if (spawner === undefined) {
    spawner = new StepSpawner(python);
    spawners.set(python, spawner);
  }
  return spawner;
}

/** How `startLocalStep` may start a step: the interpreter found (undefined: none), and whether to measure it. */
export interface LocalStart {
  interpreter: string | undefined;
  measure: boolean;
  /** Where the usage wrapper writes its report, when a step runs under it. */
  usageFile: string;
}

/**
 * Starts a step as a process of this machine, resolving once it runs (or could not start): through this process's
 * step spawner (no fork of this process, no interpreter start per step; masked output is masked here), or, when
 * there is no Python interpreter or it cannot run the spawner, with `spawnStep` (unmeasured).
 */
export async function startLocalStep(options: SpawnOptions, local: LocalStart): Promise<RunningProcess> {
  if (local.interpreter !== undefined) {
    const started = await sharedStepSpawner(local.interpreter).start(options, local.measure);
    if (started !== undefined) return started;
  }
  return spawnStep({
    ...options,
    ...(local.measure && local.interpreter !== undefined
      ? { measure: { python: local.interpreter, file: local.usageFile } }
      : {}),
  });
}

/** Kills a process group left by a process that died (a crashed server's step): best effort, same host only. */
export function killOrphanGroup(pid: number): boolean {
  try {
    process.kill(-pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
