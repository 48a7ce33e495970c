import type { ImportReport } from './import-report.js';

/**
 * The import's progress on stderr. On a terminal, one line redrawn in place a few times a second (phase,
 * experiment i of n, runs, metric points, artifact bytes, rate); elsewhere (a log file, CI), a plain line per
 * phase and experiment and at most one progress line every 10 seconds, so logs stay readable. `quiet` shows
 * nothing.
 * Example: `const progress = new ImportProgress(io.stderr, true, report); progress.phase('runs'); ... progress.stop();`
 */
export class ImportProgress {
  private timer: NodeJS.Timeout | undefined;
  private label = 'starting';
  private lastPlainAt = 0;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    private readonly report: ImportReport,
    private readonly quiet = false,
  ) {
    if (tty && !quiet) {
      this.timer = setInterval(() => this.draw(), 200);
      this.timer.unref();
    }
  }

  /** A new phase or experiment (`experiment 2/5 'churn'`, `registry`). */
  phase(label: string): void {
    this.label = label;
    if (this.quiet) return;
    if (this.tty) this.draw();
    else this.write(`import: ${label}\n`);
  }

  /** Called as work finishes; prints a plain line at most every 10 s when not on a terminal. */
  tick(): void {
    if (this.quiet || this.tty) return;
    const now = Date.now();
    if (now - this.lastPlainAt < 10_000) return;
    this.lastPlainAt = now;
    this.write(`import: ${this.status()}\n`);
  }

  private status(): string {
    const c = this.report.counts;
    const runs = c.runsImported + c.runsResumed + c.runsSkippedDone;
    const seconds = Math.max((Date.now() - this.report.startedAt) / 1000, 0.001);
    const mb = (c.artifactBytes / 1024 / 1024).toFixed(1);
    return (
      `${this.label}: ${runs} runs, ${c.metricPoints} metric points (${Math.round(c.metricPoints / seconds)}/s), ` +
      `${c.artifactFiles} files (${mb} MiB), ${c.loggedModelsImported} logged models, ${c.versionsCreated} versions`
    );
  }

  private draw(): void {
    const line = this.status();
    const width = process.stderr.columns ?? 120;
    this.write(`\r\x1b[K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
    this.drawn = true;
  }

  /** Stops redrawing and ends the line, so the report starts on a fresh one. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.quiet) return;
    if (this.tty) {
      this.draw();
      if (this.drawn) this.write('\n');
    } else {
      this.write(`import: ${this.status()}\n`);
    }
  }
}
