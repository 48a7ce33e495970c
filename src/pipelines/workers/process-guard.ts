import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The guard's program: reads `+PID` / `-PID` lines on stdin (the process groups of the worker's running steps);
 * when stdin ends (the worker exited or was killed, even by SIGKILL), kills every group still listed and exits.
 * It ignores SIGINT and SIGTERM: a Ctrl-C reaches the worker, which drains, and the guard ends with it.
 */
const GUARD = `
const groups = new Set();
let buffer = '';
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (line[0] === '+') groups.add(pid); else groups.delete(pid);
  }
});
process.stdin.on('end', () => {
  for (const pid of groups) { try { process.kill(-pid, 'SIGKILL'); } catch {} }
  process.exit(0);
});
`;

/**
 * A small process beside the worker that kills the worker's step processes when the worker dies. Step processes
 * run in their own process groups (so that a timeout kills the whole tree), which also means they outlive a
 * worker killed with SIGKILL; without the guard such a step would keep running while the server hands its attempt
 * to another worker. (A machine that is lost takes its steps with it.)
 */
export class ProcessGuard {
  readonly #child: ChildProcess;

  constructor() {
    this.#child = spawn(process.execPath, ['-e', GUARD], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.#child.stdin?.on('error', () => undefined);
    this.#child.unref();
    (this.#child.stdin as { unref?: () => void } | null)?.unref?.();
  }

  /** The guard's own pid (tests check that it is gone after the worker). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  add(pid: number): void {
    this.#child.stdin?.write(`+${pid}\n`);
  }

  remove(pid: number): void {
    this.#child.stdin?.write(`-${pid}\n`);
  }

  /** Ends the guard without killing anything (the worker stops cleanly). */
  stop(): void {
    this.#child.stdin?.end();
  }
}
