import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../../..');
const childScript = resolve(import.meta.dirname, 'server-child.ts');

/** One pino log line of a child server, as far as the tests read it. */
export interface ChildLogLine {
  level: number;
  msg?: string;
}

/** A server process that is listening. */
export interface StartedServer {
  status: 'started';
  address: string;
  /** Log lines written so far (start-up notices included). */
  logs(): ChildLogLine[];
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: no shutdown at all), then waits for the process to exit. */
  kill(): Promise<void>;
}

/** A server process that exited before it listened. */
export interface FailedServer {
  status: 'failed';
  exitCode: number | null;
  stderr: string;
}

export type ServerStart = StartedServer | FailedServer;

type ChildLine = ChildLogLine | { bosunTestReady: string } | { bosunTestWaiting: true };

function parseLine(line: string): ChildLine | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    if ('bosunTestWaiting' in value) return { bosunTestWaiting: true };
    if ('bosunTestReady' in value && typeof value.bosunTestReady === 'string') {
      return { bosunTestReady: value.bosunTestReady };
    }
    if ('level' in value && typeof value.level === 'number') {
      const msg = 'msg' in value && typeof value.msg === 'string' ? value.msg : undefined;
      return { level: value.level, ...(msg !== undefined ? { msg } : {}) };
    }
  } catch {
    // Not JSON: not a log line.
  }
  return undefined;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

interface Spawned {
  /** Resolves once the child has loaded its code and waits to be released (false: it exited first). */
  waiting: Promise<boolean>;
  release(): void;
  start: Promise<ServerStart>;
}

function spawnWaitingServer(env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx/esm', childScript], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', BOSUN_LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A child that died has no reader on stdin: the write fails, and its 'close' reports the failure.
  child.stdin.on('error', () => {});
  const logs: ChildLogLine[] = [];
  let stderr = '';
  let pending = '';
  let onWaiting: (waiting: boolean) => void = () => {};
  const waiting = new Promise<boolean>((done) => (onWaiting = done));
  const start = new Promise<ServerStart>((done) => {
    let settled = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const parsed = parseLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        if (parsed === undefined) continue;
        if ('bosunTestWaiting' in parsed) {
          onWaiting(true);
        } else if ('bosunTestReady' in parsed) {
          settled = true;
          done({
            status: 'started',
            address: parsed.bosunTestReady,
            logs: () => [...logs],
            stop: async () => {
              child.kill('SIGTERM');
              await waitForExit(child);
            },
            kill: async () => {
              child.kill('SIGKILL');
              await waitForExit(child);
            },
          });
        } else {
          logs.push(parsed);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    // 'close' comes after stdout and stderr are drained, so `stderr` is complete.
    child.on('close', (code) => {
      onWaiting(false);
      if (!settled) done({ status: 'failed', exitCode: code, stderr });
    });
  });
  return { waiting, start, release: () => child.stdin.write('start\n') };
}

/**
 * Starts `count` `bosun server` processes (the TypeScript sources, through tsx) with only PATH and `env` in
 * their environment, all released at the same moment once every one has loaded its code, so that their
 * start-ups overlap. Resolves when each listens or has exited: no clock is involved, so a slow machine makes it
 * slower, never wrong. The caller stops the started servers.
 * Example: `const [a, b] = await startServerProcesses(2, { BOSUN_BACKEND_STORE_URI: uri });`
 */
export async function startServerProcesses(
  count: number,
  env: Record<string, string>,
): Promise<ServerStart[]> {
  const spawned = Array.from({ length: count }, () => spawnWaitingServer(env));
  const waiting = await Promise.all(spawned.map((s) => s.waiting));
  spawned.forEach((s, i) => {
    if (waiting[i] === true) s.release();
  });
  return Promise.all(spawned.map((s) => s.start));
}

/** One server process; see `startServerProcesses`. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerStart> {
  const [start] = await startServerProcesses(1, env);
  if (!start) throw new Error('startServerProcesses(1) returned no server');
  return start;
}
