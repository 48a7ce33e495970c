import { StepLauncher, type Attempt, type AttemptResult, type LaunchDeps } from './step-launcher.js';

/** Why an attempt is stopped from outside: the run was cancelled or timed out, the lease was lost, or shutdown. */
export type KillWhy = Extract<AttemptResult, { kind: 'killed' }>['why'];

/** One attempt of one step, somewhere: run it to its end, or stop it early. */
export interface StepAttemptRunner {
  /** Runs the attempt and tells how it ended; never rejects for a step's own failure (that is a `failed` result). */
  run(): Promise<AttemptResult>;
  /** Stops the attempt; `run()` then settles with `{kind: 'killed', why}` (the first reason wins). */
  kill(why: KillWhy): void;
}

/**
 * Where a pipeline's step attempts run. The run driver decides what runs and when (leases, retries, caching,
 * approvals); a backend only runs one attempt it is handed: as a child process of this server (`localStepBackend`),
 * on a `bosun worker`, or as a Kubernetes Job.
 */
export interface StepBackend {
  /** A short name for logs and step-run records: `local`, `workers`, `kubernetes`. */
  readonly name: string;
  prepare(deps: LaunchDeps, attempt: Attempt): StepAttemptRunner;
}

/** Runs each attempt as a child process of this process (the default: nothing else to start). */
export const localStepBackend: StepBackend = {
  name: 'local',
  prepare: (deps, attempt) => new StepLauncher(deps, attempt),
};
