import type { ImportProgress } from './import-progress.js';
import type { ImportReport } from './import-report.js';
import type { ImportSource } from './import-source.js';
import type { ImportState } from './import-state.js';
import type { BosunTarget } from './import-target.js';

/** Choices of one `bosun import`. */
export interface ImportOptions {
  /** Runs copied at the same time (each run's own writes stay in order). */
  parallel: number;
  /** False with `--skip-artifacts`. */
  artifacts: boolean;
}

/** What every step of an import works with. */
export interface ImportContext {
  source: ImportSource;
  target: BosunTarget;
  state: ImportState;
  report: ImportReport;
  progress: ImportProgress;
  options: ImportOptions;
}
