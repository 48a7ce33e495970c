/** Everything `bosun import` counts, in the order the final report lists it. */
export const counterLabels = {
  experimentsCreated: 'experiments created',
  experimentsExisting: 'experiments already on the target',
  experimentsSkippedDone: 'experiments already imported (state file)',
  runsImported: 'runs imported',
  runsResumed: 'runs already on the target (checked, missing parts written)',
  runsSkippedDone: 'runs already imported (state file)',
  metricPoints: 'metric points written',
  metricPointsPresent: 'metric points already on the target',
  params: 'params of new runs',
  tags: 'tags of new runs',
  datasetInputs: 'dataset inputs of new runs',
  loggedModelsImported: 'logged models imported',
  loggedModelsExisting: 'logged models completed or checked again',
  loggedModelsSkippedDone: 'logged models already imported (state file)',
  artifactFiles: 'artifact files copied',
  artifactBytes: 'artifact bytes copied',
  artifactFilesPresent: 'artifact files already on the target',
  registeredModelsCreated: 'registered models created',
  registeredModelsExisting: 'registered models already on the target',
  registeredModelsSkippedDone: 'registered models already imported (state file)',
  versionsCreated: 'model versions created',
  versionsExisting: 'model versions already on the target',
  aliases: 'aliases set',
  stages: 'stages set',
} as const;

export type CounterName = keyof typeof counterLabels;

/** Something the import left out, and why (shown in the final report). */
export interface SkippedItem {
  what: string;
  reason: string;
}

/** What the import did: counters, what it skipped, and how long it took. */
export class ImportReport {
  readonly counts: Record<CounterName, number>;
  readonly skipped: SkippedItem[] = [];
  /** Model versions whose number differs on the target (`name`, source number → target number). */
  readonly renumbered: { name: string; from: number; to: number }[] = [];
  readonly startedAt = Date.now();
  /** Milliseconds from the first run started to the last run finished (for the runs/s and points/s figures). */
  private firstRunAt: number | undefined;
  private lastRunAt: number | undefined;

  get runMs(): number {
    return this.firstRunAt === undefined || this.lastRunAt === undefined
      ? 0
      : this.lastRunAt - this.firstRunAt;
  }

  runStarted(): void {
    this.firstRunAt ??= Date.now();
  }

  runFinished(): void {
    this.lastRunAt = Date.now();
  }

  constructor() {
    this.counts = Object.fromEntries(Object.keys(counterLabels).map((k) => [k, 0])) as Record<
      CounterName,
      number
    >;
  }

  add(name: CounterName, n = 1): void {
    this.counts[name] += n;
  }

  skip(what: string, reason: string): void {
    this.skipped.push({ what, reason });
  }

  /** The report as JSON (`--json`). */
  toJson(): Record<string, unknown> {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const runSeconds = this.runMs / 1000;
    const runsDone = this.counts.runsImported + this.counts.runsResumed;
    return {
      counts: this.counts,
      skipped: this.skipped,
      renumbered: this.renumbered,
      seconds: Number(seconds.toFixed(3)),
      throughput: {
        runsPerSecond: runSeconds > 0 ? Number((runsDone / runSeconds).toFixed(2)) : 0,
        metricPointsPerSecond: runSeconds > 0 ? Math.round(this.counts.metricPoints / runSeconds) : 0,
      },
    };
  }

  /** The report as text, one line per non-zero count, then what was skipped. */
  toText(): string {
    const json = this.toJson();
    const throughput = json.throughput as { runsPerSecond: number; metricPointsPerSecond: number };
    const lines = [`Import finished in ${String(json.seconds)} s.`];
    const shown = (Object.entries(counterLabels) as [CounterName, string][]).filter(
      ([name]) => this.counts[name] !== 0,
    );
    const width = Math.max('throughput'.length, ...shown.map(([, label]) => label.length));
    for (const [name, label] of shown) lines.push(`  ${label.padEnd(width)}  ${this.counts[name]}`);
    if (this.runMs > 0) {
      lines.push(
        `  ${'throughput'.padEnd(width)}  ${throughput.runsPerSecond} runs/s, ${throughput.metricPointsPerSecond} metric points/s`,
      );
    }
    for (const r of this.renumbered) {
      lines.push(`Model '${r.name}' version ${r.from} is version ${r.to} on the target (aliases follow it).`);
    }
    if (this.skipped.length === 0) {
      lines.push('Nothing was skipped.');
    } else {
      lines.push(`Skipped (${this.skipped.length}):`);
      for (const s of this.skipped) lines.push(`  ${s.what}: ${s.reason}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
