import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../../../..');

/** A `bosun worker` started as its own process (under tsx, from the sources), and what it printed. */
export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  exited: Promise<number | string>;
}

/** Where a test's workers find the server: its database, artifact store and URL. */
export interface WorkerTarget {
  backendStoreUri: string;
  artifactsDestination: string;
  trackingUri: string;
  /** A folder for the workers' work folders. */
  dir: string;
}

/** Timings the tests use: quick heartbeats and polls, and a timeout a loaded machine does not reach by accident. */
export const testWorkerTimings = { heartbeatMs: 200, pollMs: 100, workerTimeoutMs: 6000 };

/**
 * Starts `bosun worker` (src/cli/main.ts under tsx) with the test timings; `args` adds flags such as `--labels`.
 * Resolves once the process is spawned; wait for its row (`WorkerStore.listWorkers`) before relying on it.
 */
export function startWorkerProcess(target: WorkerTarget, name: string, args: string[] = []): WorkerProcess {
  const work = join(target.dir, `work-${name}`);
  mkdirSync(work, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx/esm',
      join(repo, 'src/cli/main.ts'),
      'worker',
      '--backend-store-uri',
      target.backendStoreUri,
      '--artifacts-destination',
      target.artifactsDestination,
      '--default-artifact-root',
      'mlflow-artifacts:/',
      '--tracking-uri',
      target.trackingUri,
      '--name',
      name,
      '--work-dir',
      work,
      '--heartbeat-ms',
      String(testWorkerTimings.heartbeatMs),
      '--poll-ms',
      String(testWorkerTimings.pollMs),
      '--worker-timeout-ms',
      String(testWorkerTimings.workerTimeoutMs),
      ...args,
    ],
    { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BOSUN_LOG_LEVEL: 'warn' } },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((done) =>
    child.on('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return { name, child, stderr: () => err, exited };
}

/** Whether a process is alive and not a zombie (a killed process whose parent died stays one until reaped). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A step program (for `node -e`): appends `start PID MLFLOW_RUN_ID overlap=N` to `<dir>/events.log` (N: earlier
 * starts still alive, read from /proc), waits until `<dir>/release` exists, appends `end PID` and exits 0.
 */
export const BLOCKING_STEP = `
const fs = require('fs'); const path = require('path');
const dir = process.argv[1];
const log = path.join(dir, 'events.log');
const alive = (pid) => { try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
  return s.slice(s.lastIndexOf(')') + 2)[0] !== 'Z'; } catch { return false; } };
const prior = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\\n').filter((l) => l.startsWith('start '))
  .map((l) => Number(l.split(' ')[1])) : [];
const overlap = prior.filter(alive).length;
fs.appendFileSync(log, 'start ' + process.pid + ' ' + process.env.MLFLOW_RUN_ID + ' overlap=' + overlap + '\\n');
const wait = () => {
  if (fs.existsSync(path.join(dir, 'release'))) { fs.appendFileSync(log, 'end ' + process.pid + '\\n'); process.exit(0); }
  setTimeout(wait, 20);
};
wait();
`;

/** The lines of `<dir>/events.log` written by BLOCKING_STEP. */
export function stepEvents(
  dir: string,
): { kind: 'start' | 'end'; pid: number; runId?: string; overlap?: number }[] {
  let text = '';
  try {
    text = readFileSync(join(dir, 'events.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [kind, pid, runId, overlap] = l.split(' ');
      return kind === 'start'
        ? {
            kind: 'start' as const,
            pid: Number(pid),
            runId: runId ?? '',
            overlap: Number((overlap ?? '').replace('overlap=', '')),
          }
        : { kind: 'end' as const, pid: Number(pid) };
    });
}
