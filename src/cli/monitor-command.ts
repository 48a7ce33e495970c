import { Command } from 'commander';
import type {
  FeatureValueInput,
  PredictionRecordWire,
  ReferenceColumnType,
  ReferenceSourceWire,
} from '../client/index.js';
import { DataFileError, parseNumberCell, readTable, type DataTable } from '../monitoring/index.js';
import { InvalidParameterError } from '../shared/index.js';
import { clientFor, withClientOptions, type CliIo, type ClientCommandOptions } from './cli-context.js';
import { formatTimestamp, toJson } from './format.js';
import {
  alertsTable,
  longWindowText,
  quantilesTable,
  resultsTable,
  segmentsTable,
} from './monitor-format.js';
import { formatTable } from './tables.js';

type Json = Record<string, unknown>;
/** Records per request (the server's limit). */
const BATCH = 10_000;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `90s`, `15m`, `1h`, `7d` or plain milliseconds. */
export function parseDurationText(text: string, flag: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  if (!m) throw new InvalidParameterError(`Invalid ${flag} '${text}': expected e.g. 90s, 15m, 1h, 7d`);
  return Number(m[1]) * unit[(m[2] ?? 'ms') as keyof typeof unit];
}

function parseInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text))
    throw new InvalidParameterError(`Invalid ${flag} '${text}': expected an integer`);
  return Number(text);
}

function parseNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = parseNumberCell(text);
  if (n === undefined || !Number.isFinite(n)) {
    throw new InvalidParameterError(`Invalid ${flag} '${text}': expected a number`);
  }
  return n;
}

/** `accuracy=0.8` pairs into the performance thresholds object. */
function parseThresholds(pairs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of pairs) {
    const [metric, value] = pair.split('=');
    const n = parseNumber(value, `--threshold ${pair}`);
    if (!metric || n === undefined) {
      throw new InvalidParameterError(
        `Invalid --threshold '${pair}': expected METRIC=VALUE, e.g. accuracy=0.8`,
      );
    }
    out[metric] = n;
  }
  return out;
}

/**
 * A file's columns as JSON values: numeric columns (Float64Arrays from the reader, NaN for missing) become
 * numbers and nulls; other columns keep their cells. Non-finite numbers are refused (JSON cannot carry them),
 * naming the row.
 */
function jsonColumns(table: DataTable): Map<string, FeatureValueInput[]> {
  const out = new Map<string, FeatureValueInput[]>();
  for (const name of table.columnNames) {
    const column = table.columns.get(name) ?? [];
    const cells = column instanceof Float64Array ? Array.from(column, (v) => (v !== v ? null : v)) : column;
    const values = cells.map((v, i): FeatureValueInput => {
      if (typeof v === 'number' && !Number.isFinite(v)) {
        throw new DataFileError(
          table.file,
          `${table.rowLabel(i)}, column '${name}': ${v} is not a finite number`,
        );
      }
      return v;
    });
    out.set(name, values);
  }
  return out;
}

function rowsOf(
  columns: Map<string, FeatureValueInput[]>,
  rowCount: number,
  skip: ReadonlySet<string>,
): Json[] {
  const names = [...columns.keys()].filter((n) => !skip.has(n));
  return Array.from({ length: rowCount }, (_, i) => {
    const row: Json = Object.create(null) as Json;
    for (const n of names) row[n] = columns.get(n)![i] ?? null;
    return row;
  });
}

interface ReferenceOptions extends ClientCommandOptions {
  name: string;
  file?: string;
  run?: string;
  artifactPath?: string;
  dataset?: string;
  modelVersion?: string;
  columnType: string[];
}

interface CreateOptions extends ClientCommandOptions {
  name: string;
  reference: string;
  alias?: string;
  modelVersion?: string;
  window: string;
  schedule?: string;
  columns?: string;
  preset?: string;
  driftShare?: string;
  task?: string;
  threshold: string[];
  minRows?: string;
  fireAfter?: string;
  resolveAfter?: string;
  segmentBy?: string;
  maxSegments?: string;
  segmentAlerts?: boolean;
}

interface LogOptions extends ClientCommandOptions {
  file: string;
  alias?: string;
  modelVersion?: string;
  predictionColumn: string;
  labelColumn: string;
  requestIdColumn: string;
  timestampColumn: string;
}

/** A monitor's `config.segment_by`, or `-`. */
function segmentColumn(config: unknown): string {
  const by = (config as { segment_by?: unknown } | null)?.segment_by;
  return typeof by === 'string' ? by : '-';
}

/** `condition: message`, without repeating the condition when the message starts with it (`schema: ...`). */
function firedText(condition: string, message: string): string {
  return message.startsWith(`${condition}: `) ? message : `${condition}: ${message}`;
}

const REFERENCE_COLUMN_TYPES: readonly ReferenceColumnType[] = [
  'numerical',
  'categorical',
  'text',
  'datetime',
];

/** `--column-type zone=categorical` pairs into the reference's `column_types`. */
function parseReferenceColumnTypes(pairs: readonly string[]): Record<string, ReferenceColumnType> {
  const out: Record<string, ReferenceColumnType> = Object.create(null) as Record<string, ReferenceColumnType>;
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const name = at > 0 ? pair.slice(0, at) : '';
    const type = REFERENCE_COLUMN_TYPES.find((t) => t === pair.slice(at + 1));
    if (name === '' || type === undefined) {
      throw new InvalidParameterError(
        `Invalid --column-type '${pair}': expected NAME=${REFERENCE_COLUMN_TYPES.join('|')}`,
      );
    }
    out[name] = type;
  }
  return out;
}

/** The rows of `--file`, which is then required (a reference comes from a file or from a run). */
async function referenceRows(o: ReferenceOptions): Promise<Json[]> {
  if (o.file === undefined) {
    throw new InvalidParameterError('Give --file, or --run with --artifact-path or --dataset');
  }
  if (o.artifactPath !== undefined || o.dataset !== undefined) {
    throw new InvalidParameterError('--artifact-path and --dataset go with --run');
  }
  const table = await readTable(o.file);
  return rowsOf(jsonColumns(table), table.rowCount, new Set());
}

/** `--run` with exactly one of `--artifact-path` and `--dataset` (and no `--file`). */
function referenceSource(o: ReferenceOptions, runId: string): ReferenceSourceWire {
  if (o.file !== undefined) throw new InvalidParameterError('Give --file or --run, not both');
  if (o.artifactPath !== undefined && o.dataset === undefined) {
    return { run_id: runId, artifact_path: o.artifactPath };
  }
  if (o.dataset !== undefined && o.artifactPath === undefined) {
    return { run_id: runId, dataset_name: o.dataset };
  }
  throw new InvalidParameterError('--run needs one of --artifact-path and --dataset');
}

/** `bosun monitor reference|create|list|run|results|segments|alerts|delete`: monitors of registered models, on a server. */
export function monitorCommand(io: CliIo): Command {
  const monitor = new Command('monitor').description('drift and performance monitors of registered models');

  withClientOptions(
    monitor
      .command('reference')
      .description(
        'store a reference dataset (usually the training data): a file (CSV, TSV, JSON lines or Parquet) ' +
          "uploaded, or read by the server from a run's artifact or logged dataset",
      )
      .argument('<model>', 'registered model')
      .requiredOption('--name <name>', "the reference's name")
      .option('--file <file>', 'the data file to upload')
      .option('--run <run-id>', 'or read it from this run (with --artifact-path or --dataset)')
      .option('--artifact-path <path>', "with --run: a file in the run's artifacts, e.g. data/train.csv")
      .option(
        '--dataset <name>',
        "with --run: a dataset the run logged, whose source is a file in a run's artifacts",
      )
      .option('--model-version <version>', 'the model version it belongs to')
      .option(
        '--column-type <name=type>',
        'declare a column numerical, categorical, text or datetime (repeatable), e.g. a numeric code as categorical',
        collect,
        [],
      ),
  ).action(async (model: string, options: ReferenceOptions) => {
    const columnTypes = parseReferenceColumnTypes(options.columnType);
    const common = {
      name: options.name,
      ...(options.modelVersion ? { version: options.modelVersion } : {}),
      ...(options.columnType.length > 0 ? { column_types: columnTypes } : {}),
    };
    const body =
      options.run === undefined
        ? { ...common, rows: await referenceRows(options) }
        : { ...common, source: referenceSource(options, options.run) };
    const answer = await clientFor(options, io).monitoring.createReference(model, body);
    const reference = answer.reference as Json;
    io.stdout(
      options.json
        ? toJson(answer)
        : `reference ${String(reference.reference_id)} '${options.name}': ${String(reference.rows)} rows\n`,
    );
  });

  withClientOptions(
    monitor
      .command('create')
      .description('create a monitor of a model alias or version against a reference')
      .argument('<model>', 'registered model')
      .requiredOption('--name <name>', "the monitor's name")
      .requiredOption('--reference <id>', 'reference id (see `bosun monitor reference`)')
      .option('--alias <alias>', 'follow an alias (the version it points at when each window runs)')
      .option('--model-version <version>', 'or watch one version (neither: every version)')
      .requiredOption('--window <duration>', 'window length: 15m, 1h, 1d...')
      .option('--schedule <duration>', 'how often it should run')
      .option('--columns <a,b,...>', 'columns to compare (default: every reference column)')
      .option('--preset <preset>', 'evidently (default) or bosun')
      .option('--drift-share <share>', 'dataset drift at this share of drifted columns')
      .option('--task <task>', 'classification or regression: performance metrics once labels exist')
      .option(
        '--threshold <metric=value>',
        'accuracy|f1 (alert below) or rmse|mae (alert above)',
        collect,
        [],
      )
      .option('--min-rows <n>', 'fewer rows: insufficient_data (default 10)')
      .option('--fire-after <n>', 'consecutive breaching windows to fire (default 1)')
      .option('--resolve-after <n>', 'consecutive clean windows to resolve (default 1)')
      .option(
        '--segment-by <column>',
        'also judge each window per value of this categorical reference column',
      )
      .option(
        '--max-segments <n>',
        'with --segment-by: segments per window, the rest as __other__ (default 10)',
      )
      .option('--segment-alerts', 'with --segment-by: each segment fires and resolves its own alerts'),
  ).action(async (model: string, o: CreateOptions) => {
    const config: Json = {};
    if (o.preset !== undefined) config.preset = o.preset;
    if (o.driftShare !== undefined) config.drift_share = parseNumber(o.driftShare, '--drift-share');
    if (o.task !== undefined) config.task = o.task;
    if (o.threshold.length > 0) config.performance_thresholds = parseThresholds(o.threshold);
    if (o.minRows !== undefined) config.min_rows = parseInteger(o.minRows, '--min-rows');
    if (o.fireAfter !== undefined) config.fire_after = parseInteger(o.fireAfter, '--fire-after');
    if (o.resolveAfter !== undefined) config.resolve_after = parseInteger(o.resolveAfter, '--resolve-after');
    if (o.segmentBy !== undefined) config.segment_by = o.segmentBy;
    if (o.maxSegments !== undefined) config.max_segments = parseInteger(o.maxSegments, '--max-segments');
    if (o.segmentAlerts === true) config.segment_alerts = true;
    const body: Json = {
      name: o.name,
      reference_id: o.reference,
      window_ms: parseDurationText(o.window, '--window'),
      config,
    };
    if (o.alias !== undefined) body.alias = o.alias;
    if (o.modelVersion !== undefined) body.version = o.modelVersion;
    if (o.schedule !== undefined) body.schedule_ms = parseDurationText(o.schedule, '--schedule');
    if (o.columns !== undefined) body.columns = o.columns.split(',').map((c) => c.trim());
    const answer = await clientFor(o, io).monitoring.createMonitor(model, body);
    const created = answer.monitor as Json;
    io.stdout(o.json ? toJson(answer) : `monitor ${String(created.monitor_id)} '${o.name}' created\n`);
  });

  withClientOptions(
    monitor.command('list').description("a model's monitors").argument('<model>', 'registered model'),
  ).action(async (model: string, options: ClientCommandOptions) => {
    const answer = await clientFor(options, io).monitoring.listMonitors(model);
    const monitors = answer.monitors as Json[];
    io.stdout(
      options.json
        ? toJson(answer)
        : formatTable(
            [
              { header: 'ID', align: 'right' },
              { header: 'NAME' },
              { header: 'TARGET' },
              { header: 'REFERENCE', align: 'right' },
              { header: 'WINDOW' },
              { header: 'SEGMENT BY' },
              { header: 'LAST RUN' },
            ],
            monitors.map((m) => [
              String(m.monitor_id),
              String(m.name),
              m.alias !== null
                ? `alias ${String(m.alias)}`
                : m.version !== null
                  ? `v${String(m.version)}`
                  : 'all',
              String(m.reference_id),
              `${Number(m.window_ms) / 1000}s`,
              segmentColumn(m.config),
              formatTimestamp(m.last_run_at as number | null),
            ]),
          ),
    );
  });

  withClientOptions(
    monitor
      .command('run')
      .description(
        'judge the window ending now (or at --window-end): store the result, fire or resolve alerts',
      )
      .argument('<model>', 'registered model')
      .argument('<monitor-id>', 'monitor id')
      .option('--window-end <ms>', 'end of the window, epoch milliseconds'),
  ).action(async (model: string, id: string, options: ClientCommandOptions & { windowEnd?: string }) => {
    const answer = await clientFor(options, io).monitoring.runMonitor(
      model,
      id,
      parseInteger(options.windowEnd, '--window-end'),
    );
    if (options.json) {
      io.stdout(toJson(answer));
      return;
    }
    const segments = (answer.segments ?? []) as Json[];
    const lines = [resultsTable([answer.result as Json, ...segments])];
    for (const a of answer.fired as Json[])
      lines.push(`FIRED ${firedText(String(a.condition), String(a.message))}\n`);
    for (const a of answer.resolved as Json[]) {
      const segment =
        a.segment === null || a.segment === undefined ? '' : ` (segment '${String(a.segment)}')`;
      lines.push(`RESOLVED ${String(a.condition)}${segment}\n`);
    }
    io.stdout(lines.join(''));
  });

  withClientOptions(
    monitor
      .command('results')
      .description("a monitor's window results, newest first (with --segment: one segment's series)")
      .argument('<model>', 'registered model')
      .argument('<monitor-id>', 'monitor id')
      .option('--max-results <n>', 'how many (default 100)')
      .option('--segment <value>', 'one segment (a value of the segment column, __other__ or __missing__)'),
  ).action(
    async (
      model: string,
      id: string,
      options: ClientCommandOptions & { maxResults?: string; segment?: string },
    ) => {
      const maxResults = parseInteger(options.maxResults, '--max-results');
      const answer = await clientFor(options, io).monitoring.listResults(model, id, {
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(options.segment !== undefined ? { segment: options.segment } : {}),
      });
      io.stdout(options.json ? toJson(answer) : resultsTable(answer.results as Json[]));
    },
  );

  withClientOptions(
    monitor
      .command('segments')
      .description(
        "the segments of a monitor's windows (monitors with --segment-by), with how many windows each",
      )
      .argument('<model>', 'registered model')
      .argument('<monitor-id>', 'monitor id'),
  ).action(async (model: string, id: string, options: ClientCommandOptions) => {
    const answer = await clientFor(options, io).monitoring.listSegments(model, id);
    io.stdout(options.json ? toJson(answer) : segmentsTable(answer.segments as Json[]));
  });

  withClientOptions(
    monitor
      .command('long-window')
      .description(
        "judge a long window from the monitor's merged window sketches (no row read again; approximate, " +
          'each distance with its error bound)',
      )
      .argument('<model>', 'registered model')
      .argument('<monitor-id>', 'monitor id')
      .option('--from <ms>', 'start of the range, epoch milliseconds (default: 30 days before --to)')
      .option('--to <ms>', 'end of the range, epoch milliseconds (default: now)'),
  ).action(
    async (model: string, id: string, options: ClientCommandOptions & { from?: string; to?: string }) => {
      const from = parseInteger(options.from, '--from');
      const to = parseInteger(options.to, '--to');
      const answer = await clientFor(options, io).monitoring.longWindow(model, id, {
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      io.stdout(options.json ? toJson(answer) : longWindowText(answer.long_window as Json));
    },
  );

  withClientOptions(
    monitor
      .command('quantiles')
      .description(
        "a numerical column's quantiles over a range, from the merged window sketches, beside the reference's",
      )
      .argument('<model>', 'registered model')
      .argument('<monitor-id>', 'monitor id')
      .requiredOption('--column <name>', 'a numerical column of the reference')
      .option('--q <list>', 'quantiles, comma-separated (default 0.05,0.25,0.5,0.75,0.95)')
      .option('--from <ms>', 'start of the range, epoch milliseconds (default: 30 days before --to)')
      .option('--to <ms>', 'end of the range, epoch milliseconds (default: now)'),
  ).action(
    async (
      model: string,
      id: string,
      options: ClientCommandOptions & { column: string; q?: string; from?: string; to?: string },
    ) => {
      const from = parseInteger(options.from, '--from');
      const to = parseInteger(options.to, '--to');
      const q = options.q?.split(',').map((p) => {
        const n = parseNumber(p.trim(), '--q');
        if (n === undefined || n < 0 || n > 1) {
          throw new InvalidParameterError(
            `Invalid --q '${p}': expected quantiles from 0 to 1, e.g. 0.5,0.99`,
          );
        }
        return n;
      });
      const answer = await clientFor(options, io).monitoring.quantiles(model, id, {
        column: options.column,
        ...(q !== undefined ? { q } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      io.stdout(options.json ? toJson(answer) : quantilesTable(answer.quantiles as Json));
    },
  );

  withClientOptions(
    monitor
      .command('alerts')
      .description("alerts of a model's monitors, or of every model you may read")
      .argument('[model]', 'registered model')
      .option('--state <state>', 'firing or resolved')
      .option('--monitor <monitor-id>', "with a model: one monitor's alerts"),
  ).action(
    async (
      model: string | undefined,
      options: ClientCommandOptions & { state?: string; monitor?: string },
    ) => {
      const state = options.state;
      if (state !== undefined && state !== 'firing' && state !== 'resolved') {
        throw new InvalidParameterError(`Invalid --state '${state}': expected firing or resolved`);
      }
      if (options.monitor !== undefined && model === undefined) {
        throw new InvalidParameterError('--monitor needs the model: bosun monitor alerts MODEL --monitor ID');
      }
      const answer = await clientFor(options, io).monitoring.listAlerts({
        ...(model !== undefined ? { model } : {}),
        ...(state !== undefined ? { state } : {}),
        ...(options.monitor !== undefined ? { monitorId: options.monitor } : {}),
      });
      io.stdout(options.json ? toJson(answer) : alertsTable(answer.alerts as Json[]));
    },
  );

  withClientOptions(
    monitor
      .command('delete')
      .description('delete a monitor with its results and alerts')
      .argument('<model>', 'registered model')
      .argument('<monitor-id>', 'monitor id'),
  ).action(async (model: string, id: string, options: ClientCommandOptions) => {
    await clientFor(options, io).monitoring.deleteMonitor(model, id);
    io.stdout(options.json ? toJson({}) : `monitor ${id} deleted\n`);
  });

  return monitor;
}

/** A file's rows as prediction records: the named columns, the rest as features. */
export function predictionRecords(table: DataTable, o: LogOptions): PredictionRecordWire[] {
  const columns = jsonColumns(table);
  const prediction = columns.get(o.predictionColumn);
  if (!prediction) {
    throw new DataFileError(table.file, `no column '${o.predictionColumn}' (set --prediction-column)`);
  }
  const label = columns.get(o.labelColumn);
  const requestId = columns.get(o.requestIdColumn);
  const timestamp = columns.get(o.timestampColumn);
  const special = new Set([o.predictionColumn, o.labelColumn, o.requestIdColumn, o.timestampColumn]);
  const features = rowsOf(columns, table.rowCount, special);
  return features.map((f, i) => {
    const p = prediction[i];
    if (p === null || p === undefined) {
      throw new DataFileError(table.file, `${table.rowLabel(i)}, column '${o.predictionColumn}': missing`);
    }
    const record: PredictionRecordWire = { features: f as Record<string, FeatureValueInput>, prediction: p };
    const l = label?.[i];
    if (l !== undefined && l !== null) record.label = l;
    const r = requestId?.[i];
    if (r !== undefined && r !== null) record.request_id = String(r);
    const t = timestamp?.[i];
    if (t !== undefined && t !== null) {
      const ms = typeof t === 'number' ? t : Date.parse(String(t));
      if (!Number.isFinite(ms)) {
        throw new DataFileError(
          table.file,
          `${table.rowLabel(i)}, column '${o.timestampColumn}': not a time`,
        );
      }
      record.timestamp = Math.round(ms);
    }
    return record;
  });
}

/** `bosun predictions log`: logs a file of predictions for a model alias or version, in batches. */
export function predictionsCommand(io: CliIo): Command {
  const predictions = new Command('predictions').description('log predictions and labels for monitoring');
  withClientOptions(
    predictions
      .command('log')
      .description(
        'log a file of predictions (CSV, TSV, JSON lines, Parquet): one row per inference, the other columns ' +
          'are features; sent in batches of 10,000 (each batch is stored whole or not at all)',
      )
      .argument('<model>', 'registered model')
      .requiredOption('--file <file>', 'the data file')
      .option('--alias <alias>', 'the alias that served them')
      .option('--model-version <version>', 'or the version that served them')
      .option('--prediction-column <name>', 'column holding the prediction', 'prediction')
      .option('--label-column <name>', 'column holding the label, when known', 'label')
      .option('--request-id-column <name>', 'column holding the request id', 'request_id')
      .option('--timestamp-column <name>', 'column holding the time (epoch ms or ISO 8601)', 'timestamp'),
  ).action(async (model: string, o: LogOptions) => {
    const records = predictionRecords(await readTable(o.file), o);
    const client = clientFor(o, io);
    const target = {
      ...(o.alias ? { alias: o.alias } : {}),
      ...(o.modelVersion ? { version: o.modelVersion } : {}),
    };
    let logged = 0;
    let version = '';
    for (let i = 0; i < records.length; i += BATCH) {
      const answer = await client.monitoring.logPredictions(model, target, records.slice(i, i + BATCH));
      logged += Number(answer.logged);
      version = String(answer.version);
    }
    io.stdout(o.json ? toJson({ logged, version }) : `logged ${logged} predictions for version ${version}\n`);
  });
  return predictions;
}
