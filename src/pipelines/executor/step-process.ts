/** What every way of running a step (a local process, the step spawner, a Kubernetes pod) starts and reports. */

/** How a step's process ended. */
export type ProcessEnd =
  /** `reason`: what the runtime said beside the code (a Kubernetes container's `OOMKilled`, `Error`). */
  | { kind: 'exited'; code: number; reason?: string }
  /** Killed by a signal nobody here sent (SIGTERM from outside, the OOM killer): a preemption. */
  | { kind: 'signalled'; signal: string }
  /** Taken away by its platform (a Kubernetes pod evicted, disrupted or deleted): retried as a preemption. */
  | { kind: 'preempted'; reason: string }
  /** Killed by us: its timeout, the pipeline's timeout, or a cancellation. */
  | { kind: 'killed'; why: KillReason }
  /** It could not start (no such executable, not executable). */
  | { kind: 'spawn-failed'; message: string };

export type KillReason = 'timeout' | 'pipeline-timeout' | 'cancelled' | 'lease-lost';

/** A running step process. */
export interface RunningProcess {
  readonly pid: number | undefined;
  /** Kills the whole process group (the step and everything it started): SIGTERM, then SIGKILL after a grace. */
  kill(why: KillReason): void;
  readonly ended: Promise<ProcessEnd>;
  /** Once ended: CPU time and peak RSS of its process tree, when measured (see `SpawnOptions.measure`). */
  usage?(): { cpuMs: number; peakRssBytes: number } | undefined;
}

export interface SpawnOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  stdoutFile: string;
  stderrFile: string;
  /** Kill after this long (the step's timeout). */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs?: number;
  /**
   * Secret values to mask in both streams: when set, output goes through a pipe and `secretMaskingStream` before
   * it reaches the files (nothing unmasked is ever written).
   */
  maskSecrets?: readonly string[];
  /**
   * Measure CPU time and peak RSS of the process tree: it runs under `USAGE_WRAPPER` (this interpreter), which
   * writes its report to `file`.
   */
  measure?: { python: string; file: string };
}
