import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { KillReason, ProcessEnd, RunningProcess, SpawnOptions } from './step-process.js';
import { STEP_SPAWNER_PROGRAM } from './step-spawner-program.js';
import { SecretMasker } from './secret-masker.js';
import { parseSpawnerReply, spawnerRequestLine, type SpawnerReply } from './step-spawner-wire.js';

/** Where a masked step's stream goes: masked here, then appended to its file; nothing unmasked is written. */
interface MaskedSink {
  write(chunk: Buffer): void;
  end(): void;
  /** Whether `end` was called (its pipe closed). */
  readonly closed: boolean;
  /** Settles once everything is written and the file closed. */
  done: Promise<unknown>;
}

function maskedSink(file: string, secrets: readonly string[]): MaskedSink {
  const masker = new SecretMasker(secrets);
  const out = createWriteStream(file, { flags: 'a' });
  const done = new Promise((resolve) => {
    out.once('close', () => resolve(undefined));
    out.once('error', () => resolve(undefined));
  });
  let open = true;
  return {
    write: (chunk) => {
      if (!open) return;
      const masked = masker.write(chunk);
      if (masked.length > 0) out.write(masked);
    },
    end: () => {
      if (!open) return;
      open = false;
      const rest = masker.end();
      out.end(rest.length > 0 ? rest : undefined);
    },
    get closed() {
      return !open;
    },
    done,
  };
}

/** `end`, once both masked streams are written out (or `DRAIN_MS` passed: a descendant holding a pipe open). */
async function drained(
  sinks: { stdout: MaskedSink; stderr: MaskedSink },
  end: ProcessEnd,
): Promise<ProcessEnd> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([sinks.stdout.done, sinks.stderr.done]),
    new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_MS))),
  ]);
  if (timer !== undefined) clearTimeout(timer);
  return end;
}

/** How long `ended` of a masked step waits for output still in its pipes once its process group is gone. */
const DRAIN_MS = 5_000;

/** One step handed to the spawner, until it has ended (and, when masked, both its streams have closed). */
interface InFlight {
  options: SpawnOptions;
  measure: boolean;
  pid: number | undefined;
  killedFor: KillReason | undefined;
  usage: { cpuMs: number; peakRssBytes: number } | undefined;
  settled: boolean;
  /** A masked step's two streams, open until their pipes close. */
  sinks: { stdout: MaskedSink; stderr: MaskedSink } | undefined;
  timer: NodeJS.Timeout | undefined;
  hardKill: NodeJS.Timeout | undefined;
  /** Hands the step's handle to `start`'s caller: once it runs, could not start, or the spawner died first. */
  onStart(): void;
  resolveEnd(end: ProcessEnd): void;
}

/** One spawner process, from its start to its death. */
interface Generation {
  child: ChildProcess;
  ready: Promise<boolean>;
  inFlight: Map<number, InFlight>;
  alive: boolean;
  stderr: string;
}

const signalGroup = (pid: number | undefined, signal: NodeJS.Signals) => {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
};

/**
 * Starts step processes through one long-lived Python program (`STEP_SPAWNER_PROGRAM`), started on first use and
 * again after it dies. Starting a step then costs a JSON line each way instead of a fork of this (large) process
 * plus an interpreter start for the usage wrapper. A step whose output is masked gets two pipes instead of its files:
 * the spawner forwards the chunks, masked here before they reach the files (nothing unmasked is written, and the
 * logs still grow while it runs). Kills stay here: `kill` signals the step's process group
 * (SIGTERM, SIGKILL after the grace), as `spawnStep` does. If the spawner dies while steps run, their process groups
 * are killed and they end `preempted`, so their preemption budgets apply. If it cannot run at all (no usable
 * interpreter), `start` resolves undefined and the caller starts the step itself.
 *
 * Example: `const proc = await new StepSpawner('/usr/bin/python3').start(options, true);`
 */
export class StepSpawner {
  #generation: Generation | undefined;
  #unusable = false;
  #nextId = 1;

  constructor(private readonly python: string) {}

  /** The spawner process's pid while one runs (tests kill it to check what happens to running steps). */
  get pid(): number | undefined {
    return this.#generation?.alive === true ? this.#generation.child.pid : undefined;
  }

  /**
   * Starts one step; resolves once it runs (its `pid` known) or could not start (`ended` is then `spawn-failed`).
   * `measure`: report CPU time and peak RSS through `usage()`. Undefined: the spawner cannot run here.
   */
  async start(options: SpawnOptions, measure: boolean): Promise<RunningProcess | undefined> {
    if (this.#unusable) return undefined;
    const gen = this.#ensure();
    if (!(await gen.ready)) return undefined;
    const id = this.#nextId++;
    const secrets = options.maskSecrets ?? [];
    const sinks =
      secrets.length > 0
        ? { stdout: maskedSink(options.stdoutFile, secrets), stderr: maskedSink(options.stderrFile, secrets) }
        : undefined;
    return new Promise<RunningProcess>((onStart) => {
      let resolveEnd: (end: ProcessEnd) => void = () => undefined;
      const processEnded = new Promise<ProcessEnd>((resolve) => (resolveEnd = resolve));
      const ended = sinks === undefined ? processEnded : processEnded.then((end) => drained(sinks, end));
      const entry: InFlight = {
        options,
        measure,
        pid: undefined,
        killedFor: undefined,
        usage: undefined,
        settled: false,
        sinks,
        timer: undefined,
        hardKill: undefined,
        onStart: () => undefined,
        resolveEnd,
      };
      const handle: RunningProcess = {
        get pid() {
          return entry.pid;
        },
        kill: (why) => this.#kill(entry, why),
        ended,
        usage: () => entry.usage,
      };
      entry.onStart = () => onStart(handle);
      if (!gen.alive) {
        this.#finish(entry, { kind: 'preempted', reason: 'the step spawner died before the step started' });
        entry.onStart();
        return;
      }
      gen.inFlight.set(id, entry);
      this.#reference(gen);
      gen.child.stdin?.write(
        spawnerRequestLine({
          id,
          argv: options.argv,
          cwd: options.cwd,
          env: options.env,
          stdout: options.stdoutFile,
          stderr: options.stderrFile,
          ...(sinks !== undefined ? { pipes: true } : {}),
        }),
      );
    });
  }

  #ensure(): Generation {
    if (this.#generation?.alive === true) return this.#generation;
    const child = spawn(this.python, ['-I', '-S', '-c', STEP_SPAWNER_PROGRAM], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own session: a Ctrl-C meant for the server's terminal does not reach it (or, through it, the steps).
      detached: true,
      env: {},
    });
    let markReady: (ok: boolean) => void = () => undefined;
    const gen: Generation = {
      child,
      ready: new Promise<boolean>((resolve) => (markReady = resolve)),
      inFlight: new Map(),
      alive: true,
      stderr: '',
    };
    this.#generation = gen;
    let wasReady = false;
    child.stdin?.on('error', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      gen.stderr = (gen.stderr + chunk.toString()).slice(-2000);
    });
    if (child.stdout !== null) {
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        const reply = parseSpawnerReply(line);
        if (reply === undefined) return;
        if (reply.type === 'ready') {
          wasReady = true;
          markReady(true);
          this.#reference(gen);
          return;
        }
        this.#onReply(gen, reply);
      });
    }
    const died = (how: string) => {
      if (!gen.alive) return;
      gen.alive = false;
      if (!wasReady) {
        // It never ran: this interpreter cannot run the spawner. Steps are started without it from now on.
        this.#unusable = true;
        markReady(false);
      }
      const detail = gen.stderr.trim().split('\n').at(-1) ?? '';
      const reason = `the step spawner died (${how}${detail !== '' ? `: ${detail}` : ''})`;
      for (const entry of gen.inFlight.values()) {
        entry.sinks?.stdout.end();
        entry.sinks?.stderr.end();
        if (!entry.settled) signalGroup(entry.pid, 'SIGKILL');
        this.#finish(entry, { kind: 'preempted', reason });
        entry.onStart();
      }
      gen.inFlight.clear();
    };
    child.once('error', (error) => died(error.message));
    child.once('exit', (code, signal) =>
      died(signal !== null ? `killed by ${signal}` : `exit code ${code ?? 0}`),
    );
    return gen;
  }

  #onReply(gen: Generation, reply: Exclude<SpawnerReply, { type: 'ready' }>): void {
    const entry = gen.inFlight.get(reply.id);
    if (entry === undefined) return;
    switch (reply.type) {
      case 'started': {
        entry.pid = reply.pid;
        const timeoutMs = entry.options.timeoutMs;
        if (timeoutMs !== undefined) entry.timer = setTimeout(() => this.#kill(entry, 'timeout'), timeoutMs);
        entry.onStart();
        return;
      }
      case 'output':
        entry.sinks?.[reply.stream].write(reply.data);
        return;
      case 'eof':
        entry.sinks?.[reply.stream].end();
        if (entry.settled && entry.sinks?.stdout.closed === true && entry.sinks.stderr.closed)
          gen.inFlight.delete(reply.id);
        break;
      case 'spawn-failed':
        gen.inFlight.delete(reply.id);
        entry.sinks?.stdout.end();
        entry.sinks?.stderr.end();
        this.#finish(entry, { kind: 'spawn-failed', message: reply.message });
        entry.onStart();
        break;
      case 'ended':
        if (entry.sinks === undefined || (entry.sinks.stdout.closed && entry.sinks.stderr.closed))
          gen.inFlight.delete(reply.id);
        else {
          // A descendant outside the group may hold a pipe open: stop waiting for it after a while.
          const sinks = entry.sinks;
          setTimeout(() => {
            sinks.stdout.end();
            sinks.stderr.end();
            if (gen.inFlight.delete(reply.id) && gen.inFlight.size === 0) this.#release(gen);
          }, DRAIN_MS).unref();
        }
        if (entry.measure) entry.usage = reply.usage;
        this.#finish(
          entry,
          entry.killedFor !== undefined
            ? { kind: 'killed', why: entry.killedFor }
            : 'signal' in reply.end
              ? { kind: 'signalled', signal: reply.end.signal }
              : { kind: 'exited', code: reply.end.code },
        );
        break;
    }
    if (gen.inFlight.size === 0) this.#release(gen);
  }

  #kill(entry: InFlight, why: KillReason): void {
    if (entry.settled || entry.killedFor !== undefined) return;
    entry.killedFor = why;
    signalGroup(entry.pid, 'SIGTERM');
    entry.hardKill = setTimeout(() => signalGroup(entry.pid, 'SIGKILL'), entry.options.graceMs ?? 2_000);
    entry.hardKill.unref();
  }

  #finish(entry: InFlight, end: ProcessEnd): void {
    if (entry.settled) return;
    entry.settled = true;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    // The leader is gone; anything it left in its group goes too.
    signalGroup(entry.pid, 'SIGKILL');
    if (entry.hardKill !== undefined) clearTimeout(entry.hardKill);
    entry.resolveEnd(
      end.kind === 'preempted' && entry.killedFor !== undefined
        ? { kind: 'killed', why: entry.killedFor }
        : end,
    );
  }

  /** While steps run, the spawner keeps this process alive (as child processes do); idle, it does not. */
  #reference(gen: Generation): void {
    gen.child.ref();
    for (const stream of [gen.child.stdin, gen.child.stdout, gen.child.stderr])
      if (stream instanceof Socket) stream.ref();
  }

  #release(gen: Generation): void {
    gen.child.unref();
    for (const stream of [gen.child.stdin, gen.child.stdout, gen.child.stderr])
      if (stream instanceof Socket) stream.unref();
  }
}
