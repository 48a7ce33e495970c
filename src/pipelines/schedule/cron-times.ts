import { Cron } from 'croner';
import { InvalidParameterError } from '../../shared/index.js';

/**
 * Cron arithmetic in a time zone, through croner (11.x: no dependencies, Node >= 18, IANA zones through Intl,
 * DST handled: a fixed time that does not exist on a spring-forward day fires at the end of the gap, one that
 * happens twice on a fall-back day fires once; interval patterns fire at every real instant that matches).
 * Patterns have five fields (minute precision) or six (seconds first).
 */
export class CronTimes {
  readonly #cron: Cron;

  /** Throws InvalidParameterError for a malformed pattern or an unknown time zone. */
  constructor(
    readonly pattern: string,
    readonly timezone: string,
  ) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new InvalidParameterError(
        `Invalid value for timezone: '${timezone.slice(0, 64)}' is not an IANA time zone (e.g. 'Europe/Berlin', 'UTC')`,
      );
    }
    try {
      this.#cron = new Cron(pattern, { timezone, paused: true, mode: '5-or-6-parts' });
    } catch (err) {
      const why = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
      throw new InvalidParameterError(`Invalid value for cron: '${pattern.slice(0, 64)}': ${why}`);
    }
    if (this.#cron.nextRun(new Date(0)) === null) {
      throw new InvalidParameterError(`Invalid value for cron: '${pattern.slice(0, 64)}' never fires`);
    }
  }

  /** The first fire time strictly after `afterMs`, or undefined when there is none. */
  nextAfter(afterMs: number): number | undefined {
    return this.#cron.nextRun(new Date(afterMs))?.getTime();
  }

  /** The most recent `n` fire times at or before `toMs`, oldest first (a catch-up after a long downtime). */
  latest(n: number, toMs: number): number[] {
    const before = this.#cron.previousRuns(n, new Date(toMs + 1)).map((d) => d.getTime());
    return before.filter((t) => t <= toMs).sort((a, b) => a - b);
  }

  /** Fire times `t` with `fromMs <= t <= toMs`, in order, at most `limit` of them (the earliest). */
  between(fromMs: number, toMs: number, limit: number): number[] {
    const out: number[] = [];
    let t = this.nextAfter(fromMs - 1);
    while (t !== undefined && t <= toMs && out.length < limit) {
      out.push(t);
      t = this.nextAfter(t);
    }
    return out;
  }
}
