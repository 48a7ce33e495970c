import type { KillWhy, StepAttemptRunner } from './step-backend.js';

/** A step being started or running: a kill before its process exists is kept and applied when it does. */
export class LaunchHandle {
  constructor(readonly step: string) {}
  launcher: StepAttemptRunner | undefined;
  killed: KillWhy | undefined;
  kill(why: KillWhy): void {
    this.killed ??= why;
    this.launcher?.kill(why);
  }
  attach(launcher: StepAttemptRunner): void {
    this.launcher = launcher;
    if (this.killed !== undefined) launcher.kill(this.killed);
  }
}
