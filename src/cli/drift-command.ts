import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, type ErrorOptions } from 'commander';
import {
  BOSUN_PRESET,
  buildDriftReport,
  datasetDriftParallel,
  defaultDriftThreads,
  driftColumns,
  EVIDENTLY_PRESET,
  MAX_DRIFT_THREADS,
  parseDriftThreads,
  readTable,
  renderDriftHtml,
  renderDriftJson,
  renderDriftText,
  type DeclaredColumnType,
  type DriftPreset,
  type DriftReport,
} from '../monitoring/index.js';
import { BosunError, InvalidParameterError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';

/** `bosun drift` exit codes, as linters use them: 0 no dataset drift, 1 dataset drift, 2 the comparison failed. */
export const DRIFT_EXIT = { noDrift: 0, drift: 1, error: 2 } as const;

/** Where the HTML report goes when `--html` is not given: this name in the working directory. */
export const DEFAULT_HTML_REPORT = 'drift-report.html';

const PRESETS: Readonly<Record<string, DriftPreset>> = { evidently: EVIDENTLY_PRESET, bosun: BOSUN_PRESET };

const COLUMN_TYPES: Readonly<Record<string, DeclaredColumnType>> = {
  numeric: 'numerical',
  numerical: 'numerical',
  categorical: 'categorical',
};

interface DriftOptions {
  json?: boolean;
  html: string | false | undefined;
  preset: string;
  columns: string[];
  columnType: string[];
  threads?: string;
}

/** Usage errors (unknown option, missing file argument) exit 2 too, so 1 always means "drift". */
class DriftCommand extends Command {
  override error(message: string, errorOptions?: ErrorOptions): never {
    return super.error(message, { ...errorOptions, exitCode: DRIFT_EXIT.error });
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `bosun drift REF CUR`: compares two CSV, TSV, JSON lines or Parquet files column by column, prints a summary
 * (or `--json`), writes a self-contained HTML report, and exits 0 (no dataset drift), 1 (drift) or 2 (error).
 */
export function driftCommand(io: CliIo): Command {
  return new DriftCommand('drift')
    .description(
      'compare a reference and a current data file column by column (CSV, TSV, JSON lines, Parquet)',
    )
    .argument('<reference>', 'reference data, e.g. the training set')
    .argument('<current>', 'current data, e.g. recent production inputs')
    .option('--json', 'print the results as JSON (schema bosun.drift-report/v1) instead of a table')
    .option('--html <file>', `write the HTML report here (default: ./${DEFAULT_HTML_REPORT})`)
    .option('--no-html', 'do not write the HTML report')
    .option('--preset <name>', 'evidently (Evidently 0.7 defaults) or bosun (better choices)', 'evidently')
    .option('--columns <names>', 'compare only these columns, comma-separated (repeatable)', collect, [])
    .option('--column-type <name=type>', 'declare a column numeric or categorical (repeatable)', collect, [])
    .option(
      '--threads <n>',
      `worker threads for the numeric columns, 1 to ${MAX_DRIFT_THREADS} (default: the cores, here ${defaultDriftThreads()})`,
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 no dataset drift, 1 dataset drift detected, 2 bad input or another error.\n' +
        'Example: bosun drift train.csv today.parquet --column-type zip=categorical --html report.html',
    )
    .action(async (reference: string, current: string, options: DriftOptions) => {
      let report: DriftReport;
      let htmlPath: string | undefined;
      try {
        const preset = parsePreset(options.preset);
        const columnTypes = parseColumnTypes(options.columnType);
        const columns = parseColumns(options.columns);
        const threads = options.threads === undefined ? undefined : parseThreads(options.threads);
        const textColumns = new Set([...columnTypes].filter(([, t]) => t === 'categorical').map(([n]) => n));
        const [ref, cur] = [
          await readTable(reference, undefined, { textColumns }),
          await readTable(current, undefined, { textColumns }),
        ];
        const data = driftColumns(ref, cur, { columns, columnTypes });
        // The columns on worker threads; the same result as buildDriftReport's own datasetDrift, bit for bit.
        const drift = await datasetDriftParallel(
          data.reference,
          data.current,
          { preset, columnTypes: data.columnTypes },
          threads === undefined ? {} : { threads },
        );
        report = buildDriftReport({
          drift,
          reference: { name: reference, rows: ref.rowCount },
          current: { name: current, rows: cur.rowCount },
          referenceColumns: data.reference,
          currentColumns: data.current,
          columnTypes: data.columnTypes,
          preset,
        });
        if (options.html !== false) {
          htmlPath = options.html ?? DEFAULT_HTML_REPORT;
          await writeHtml(htmlPath, renderDriftHtml(report));
        }
      } catch (error) {
        io.stderr(`${describeError(error)}\n`);
        throw new CommanderError(DRIFT_EXIT.error, 'bosun.drift.error', describeError(error));
      }
      if (options.json) {
        io.stdout(renderDriftJson(report));
        if (htmlPath !== undefined) io.stderr(`HTML report: ${htmlPath}\n`);
      } else {
        io.stdout(renderDriftText(report));
        if (htmlPath !== undefined) io.stdout(`HTML report: ${htmlPath}\n`);
      }
      if (report.dataset.driftDetected) {
        throw new CommanderError(DRIFT_EXIT.drift, 'bosun.drift.detected', 'dataset drift detected');
      }
    });
}

/** `error: CODE: message`, as the rest of the CLI prints failures (program.ts's describeError, without the client). */
function describeError(error: unknown): string {
  if (error instanceof BosunError) return `error: ${error.code}: ${error.message}`;
  return `error: INTERNAL_ERROR: ${error instanceof Error ? error.message : String(error)}`;
}

function parsePreset(name: string): DriftPreset {
  const preset = PRESETS[name];
  if (preset === undefined || !Object.prototype.hasOwnProperty.call(PRESETS, name)) {
    throw new InvalidParameterError(`Invalid --preset '${name}': expected evidently or bosun`);
  }
  return preset;
}

function parseThreads(value: string): number {
  try {
    return parseDriftThreads(value);
  } catch {
    throw new InvalidParameterError(
      `Invalid --threads '${value}': expected an integer from 1 to ${MAX_DRIFT_THREADS}`,
    );
  }
}

function parseColumns(values: readonly string[]): string[] | undefined {
  if (values.length === 0) return undefined;
  const names = values.flatMap((v) => v.split(',')).filter((n) => n !== '');
  if (names.length === 0) throw new InvalidParameterError('--columns names no column');
  return [...new Set(names)];
}

function parseColumnTypes(values: readonly string[]): Map<string, DeclaredColumnType> {
  const types = new Map<string, DeclaredColumnType>();
  for (const value of values) {
    const at = value.lastIndexOf('=');
    const name = value.slice(0, Math.max(at, 0));
    const type = at < 0 ? undefined : COLUMN_TYPES[value.slice(at + 1)];
    if (
      name === '' ||
      type === undefined ||
      !Object.prototype.hasOwnProperty.call(COLUMN_TYPES, value.slice(at + 1))
    ) {
      throw new InvalidParameterError(
        `Invalid --column-type '${value}': expected NAME=numeric or NAME=categorical`,
      );
    }
    types.set(name, type);
  }
  return types;
}

async function writeHtml(path: string, html: string): Promise<void> {
  try {
    await writeFile(path, html, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InvalidParameterError(`cannot write the HTML report to ${path} (${code})`);
  }
}
