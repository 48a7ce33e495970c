import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { InvalidParameterError } from '../shared/index.js';

/** The kinds of work an import finishes one at a time. */
export type ImportUnit = 'experiment' | 'run' | 'logged-model' | 'registered-model';

const units: readonly ImportUnit[] = ['experiment', 'run', 'logged-model', 'registered-model'];
const format = 'bosun-import-state/1';

/**
 * What an import has finished, so a restart skips it: a JSON-lines file (`--state FILE`) whose first line names
 * the source and target, then one line per finished experiment, run, logged model or registered model. Lines
 * are appended as work finishes (a kill loses at most the line being written, which is then ignored), so the
 * file costs the same per run at a million runs as at ten. Without a file the state lives in memory only, and
 * a repeated import relies on the target alone (every write is repeatable; see docs/import.md).
 * Example: `const state = ImportState.open('mlflow.state', from, to); if (!state.isDone('run', id)) ...`.
 */
export class ImportState {
  private readonly done = new Map<ImportUnit, Set<string>>(units.map((u) => [u, new Set<string>()]));
  /** How many units of each kind the file already held when the import started. */
  readonly resumed: Readonly<Record<ImportUnit, number>>;

  private constructor(
    private readonly file: string | undefined,
    lines: readonly string[],
  ) {
    for (const line of lines) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // a line cut by a kill
      }
      if (typeof parsed !== 'object' || parsed === null) continue;
      const { done, id } = parsed as { done?: unknown; id?: unknown };
      const unit = units.find((u) => u === done);
      if (unit !== undefined && typeof id === 'string') this.done.get(unit)?.add(id);
    }
    this.resumed = {
      experiment: this.count('experiment'),
      run: this.count('run'),
      'logged-model': this.count('logged-model'),
      'registered-model': this.count('registered-model'),
    };
  }

  /** A state kept in memory only. */
  static inMemory(): ImportState {
    return new ImportState(undefined, []);
  }

  /** Opens (or starts) the state file of an import from `source` to `target`. */
  static open(file: string, source: string, target: string): ImportState {
    if (!existsSync(file)) {
      writeFileSync(file, `${JSON.stringify({ format, source, target })}\n`, { flag: 'wx' });
      return new ImportState(file, []);
    }
    const [head = '', ...lines] = readFileSync(file, 'utf8').split('\n');
    let header: unknown;
    try {
      header = JSON.parse(head);
    } catch {
      header = undefined;
    }
    const h = (typeof header === 'object' && header !== null ? header : {}) as Record<string, unknown>;
    if (h.format !== format) {
      throw new InvalidParameterError(`--state ${file}: not a bosun import state file (expected ${format})`);
    }
    if (h.source !== source || h.target !== target) {
      throw new InvalidParameterError(
        `--state ${file} belongs to an import from ${String(h.source)} to ${String(h.target)}, ` +
          `not from ${source} to ${target}; give another file`,
      );
    }
    return new ImportState(file, lines);
  }

  isDone(unit: ImportUnit, id: string): boolean {
    return this.done.get(unit)?.has(id) ?? false;
  }

  count(unit: ImportUnit): number {
    return this.done.get(unit)?.size ?? 0;
  }

  /** Records a finished unit (appended to the file at once). */
  markDone(unit: ImportUnit, id: string): void {
    const set = this.done.get(unit);
    if (set === undefined || set.has(id)) return;
    set.add(id);
    if (this.file !== undefined) appendFileSync(this.file, `${JSON.stringify({ done: unit, id })}\n`);
  }
}
