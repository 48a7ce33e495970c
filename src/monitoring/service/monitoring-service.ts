import type { Kysely } from 'kysely';
import { isUniqueViolation, type Database, type DatabaseHandle } from '../../db/index.js';
import type { EventAppender } from '../../events/index.js';
import { registryQueries, type RegistryService } from '../../registry/index.js';
import {
  AlreadyExistsError,
  InvalidParameterError,
  InvalidStateError,
  NotFoundError,
  systemClock,
  type Clock,
} from '../../shared/index.js';
import type { MonitoringEventType } from '../alerts/monitoring-event-catalogue.js';
import { monitorStore } from '../store/monitor-store.js';
import { monitoringDb, type MonitoringDb } from '../store/monitoring-tables.js';
import { predictionStore, type NewPredictionRow } from '../store/prediction-store.js';
import { referenceStore } from '../store/reference-store.js';
import { sketchStore } from '../store/sketch-store.js';
import { serialiseDatasetSketch, sketchDataset, type DatasetSketch } from '../sketches/index.js';
import {
  judgeLongWindow,
  mergeWindows,
  parseTimeRange,
  referenceSketch,
  type LongWindow,
  type MergedQuantiles,
} from './long-window.js';
import { parseDuration, parseMonitorConfig } from './monitor-config.js';
import { loadWindow, runMonitorWindow } from './monitor-runner.js';
import { sliceSegments, type SegmentSlice } from './segments.js';
import { driftInputs } from './window-evaluation.js';
import { buildDriftReport, type DriftReport } from '../report/index.js';
import { BOSUN_PRESET, EVIDENTLY_PRESET, type ColumnValue } from '../stats/index.js';
import {
  monitoringLimits,
  type Alert,
  type AlertState,
  type CreateMonitorInput,
  type CreateReferenceFromRunInput,
  type CreateReferenceInput,
  type LabelInput,
  type LogPredictionsInput,
  type Monitor,
  type MonitorResult,
  type MonitorRun,
  type Reference,
  type ReferenceColumn,
  type ReferenceSource,
} from './monitoring-types.js';
import {
  readDatasetArtifact,
  readRunArtifact,
  readVersionMlmodel,
  type MonitoringFileAccess,
} from './model-files.js';
import { readReferenceFile } from './reference-file.js';
import { signatureInputs } from './schema-check.js';
import {
  checkBatchSize,
  parseFeatures,
  parseName,
  parsePositiveId,
  parseRequestId,
  parseTarget,
  parseTimestamp,
} from './record-parsing.js';
import { columnTypes, profileColumns, toColumns } from './reference-profile.js';
import {
  alertFromRow,
  monitorFromRow,
  referenceFromRow,
  resultFromRow,
  segmentResultFromRow,
} from './row-mapping.js';

export interface MonitoringServiceOptions {
  readonly handle: DatabaseHandle;
  readonly registry: RegistryService;
  /** Where alert and monitor events are recorded (the platform outbox). */
  readonly events: EventAppender<MonitoringEventType>;
  readonly clock?: Clock;
  /**
   * The artifact store, roots and runs: references read from a run's artifact or logged dataset, and windows
   * checked against the model version's signature (MLmodel). Without it neither is available.
   */
  readonly files?: MonitoringFileAccess;
}

/** One monitor's latest state, for the Prometheus endpoint. */
export interface MonitorStatus {
  readonly modelName: string;
  readonly monitor: Monitor;
  readonly latest: MonitorResult | null;
  /** The segments of the latest window (empty without segment_by). */
  readonly latestSegments: readonly MonitorResult[];
  readonly firing: readonly Alert[];
}

/** Predictions and labels logged per registered model. */
export interface PredictionCounts {
  readonly modelName: string;
  readonly predictions: number;
  readonly labels: number;
}

/**
 * Production monitoring of registered models: reference datasets (with profiles), logged predictions and their
 * late labels, monitors that judge a window of predictions against a reference (drift, and performance once
 * labels exist), their stored results and the alerts they fire and resolve. Everything hangs off a registered
 * model by its surrogate id, so renames carry it along; callers authorise on the model's name.
 * Example: `await monitoring.logPredictions({ modelName: 'churn', alias: 'champion', records })`.
 */
export class MonitoringService {
  private readonly db: Kysely<Database>;
  private readonly mdb: MonitoringDb;
  private readonly clock: Clock;

  constructor(private readonly options: MonitoringServiceOptions) {
    this.db = options.handle.db;
    this.mdb = monitoringDb(this.db);
    this.clock = options.clock ?? systemClock;
  }

  private async modelId(name: string): Promise<number> {
    const id = await registryQueries.registeredModelId(this.db, name);
    if (id === undefined) throw new NotFoundError(`Registered Model with name=${name} not found`);
    return id;
  }

  /** The version a request names: a version that exists, or the one an alias points at now. */
  private async resolveVersion(modelName: string, version?: string, alias?: string): Promise<number> {
    if (version !== undefined && alias !== undefined) {
      throw new InvalidParameterError('Give either version or alias, not both');
    }
    if (version !== undefined) {
      return Number((await this.options.registry.getModelVersion(modelName, version)).version);
    }
    if (alias !== undefined) {
      return Number((await this.options.registry.getModelVersionByAlias(modelName, alias)).version);
    }
    throw new InvalidParameterError('version or alias is required');
  }

  // References

  /** Stores a reference dataset (rows of feature values) with its column types and profile. */
  async createReference(input: CreateReferenceInput): Promise<Reference> {
    const name = parseName(input.name, 'Reference name');
    const modelId = await this.modelId(input.modelName);
    const version =
      input.version !== undefined ? await this.resolveVersion(input.modelName, input.version) : null;
    if (input.rows.length === 0) throw new InvalidParameterError('rows: at least one row is required');
    if (input.rows.length > monitoringLimits.maxReferenceRows) {
      throw new InvalidParameterError(
        `rows: at most ${monitoringLimits.maxReferenceRows} rows per reference, got ${input.rows.length}`,
      );
    }
    const rows = input.rows.map((row, i) => parseFeatures(row, `rows[${i}]`));
    const data = toColumns(rows);
    if (Object.keys(data).length === 0) throw new InvalidParameterError('rows: the rows have no columns');
    if (Object.keys(data).length > monitoringLimits.maxColumns) {
      throw new InvalidParameterError(`rows: at most ${monitoringLimits.maxColumns} columns`);
    }
    for (const column of Object.keys(input.columnTypes ?? {})) {
      if (!(column in data)) throw new InvalidParameterError(`column_types: '${column}' is not in the rows`);
    }
    const columns = columnTypes(data, input.columnTypes);
    const profile = profileColumns(data, columns);
    try {
      const id = await referenceStore.insert(this.mdb, {
        registered_model_id: modelId,
        name,
        version,
        logged_model_id: input.loggedModelId ?? null,
        columns: JSON.stringify(columns),
        row_count: rows.length,
        data: JSON.stringify(data),
        profile: JSON.stringify(profile),
        source: input.source ? JSON.stringify(input.source) : null,
        created_by: input.actor ?? null,
        created_at: this.clock.nowMs(),
      });
      await sketchStore.saveReferenceSketch(
        this.db,
        id,
        serialiseDatasetSketch(sketchDataset(data, columns, rows.length)),
      );
      return this.getReference(input.modelName, String(id));
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AlreadyExistsError(`Reference '${name}' of model '${input.modelName}' already exists`);
      }
      throw err;
    }
  }

  /**
   * Stores a reference read from a run: one of its artifacts (`{runId, artifactPath}`) or the file behind one
   * of its logged dataset inputs (`{runId, datasetName}`, whose source is a run artifact); CSV, TSV, JSON lines
   * or Parquet. A missing run, artifact or dataset, a folder and an unreadable format are 400s naming them.
   */
  async createReferenceFromRun(input: CreateReferenceFromRunInput): Promise<Reference> {
    const files = this.options.files;
    if (!files) throw new InvalidParameterError('This server does not read run artifacts for references');
    const { source: given, ...rest } = input;
    parseName(input.name, 'Reference name');
    await this.modelId(input.modelName);
    const runId = parseName(given.runId, 'source.run_id');
    let source: ReferenceSource;
    let bytes: Buffer;
    if (given.artifactPath !== undefined && given.datasetName === undefined) {
      bytes = await readRunArtifact(files, runId, given.artifactPath);
      source = { kind: 'run_artifact', runId, artifactPath: given.artifactPath };
    } else if (given.datasetName !== undefined && given.artifactPath === undefined) {
      const read = await readDatasetArtifact(files, runId, given.datasetName);
      bytes = read.bytes;
      source = {
        kind: 'run_dataset',
        runId,
        datasetName: given.datasetName,
        datasetDigest: read.digest,
        artifactRunId: read.runId,
        artifactPath: read.artifactPath,
      };
    } else {
      throw new InvalidParameterError('source: give run_id with either artifact_path or dataset_name');
    }
    const label = `artifact '${source.artifactPath}' of run '${source.kind === 'run_dataset' ? source.artifactRunId : runId}'`;
    const { rows, datetimeColumns } = await readReferenceFile(bytes, source.artifactPath, label);
    // Parquet dates and timestamps are datetime columns unless the caller declared otherwise.
    const columnTypes = {
      ...Object.fromEntries(datetimeColumns.map((c) => [c, 'datetime' as const])),
      ...rest.columnTypes,
    };
    return this.createReference({ ...rest, columnTypes, rows, source });
  }

  async listReferences(modelName: string): Promise<Reference[]> {
    const modelId = await this.modelId(modelName);
    return (await referenceStore.list(this.mdb, modelId)).map((r) => referenceFromRow(r, modelName));
  }

  async getReference(modelName: string, id: string): Promise<Reference> {
    const modelId = await this.modelId(modelName);
    const row = await referenceStore.find(this.mdb, modelId, parsePositiveId(id, 'reference_id'));
    if (!row) throw new NotFoundError(`Reference ${id} of model '${modelName}' not found`);
    return referenceFromRow(row, modelName);
  }

  // Predictions

  /**
   * Logs a batch of predictions for a model version (or the version an alias points at now). Every record is
   * checked first; one bad record refuses the whole batch (naming its index and field) and nothing is stored.
   */
  async logPredictions(input: LogPredictionsInput): Promise<{ logged: number; version: string }> {
    checkBatchSize(input.records.length, monitoringLimits.maxBatchRows, 'records');
    const modelId = await this.modelId(input.modelName);
    const version = await this.resolveVersion(input.modelName, input.version, input.alias);
    const now = this.clock.nowMs();
    const seen = new Map<string, number>();
    const rows: NewPredictionRow[] = input.records.map((record, i) => {
      const where = `records[${i}]`;
      if (typeof record !== 'object' || record === null) {
        throw new InvalidParameterError(`${where}: expected an object`);
      }
      const features = parseFeatures(record.features, `${where}.features`);
      const prediction = parseTarget(record.prediction, `${where}.prediction`);
      const label =
        record.label === undefined || record.label === null
          ? null
          : parseTarget(record.label, `${where}.label`);
      const requestId = parseRequestId(record.requestId, `${where}.request_id`);
      if (requestId !== undefined) {
        const first = seen.get(requestId);
        if (first !== undefined) {
          throw new InvalidParameterError(`${where}.request_id: '${requestId}' is also records[${first}]'s`);
        }
        seen.set(requestId, i);
      }
      return {
        registered_model_id: modelId,
        version,
        request_id: requestId ?? null,
        timestamp: parseTimestamp(record.timestamp, `${where}.timestamp`) ?? now,
        features: JSON.stringify(features),
        prediction: JSON.stringify(prediction),
        label: label === null ? null : JSON.stringify(label),
        labelled_at: label === null ? null : now,
        ingested_at: now,
      };
    });
    try {
      await this.db.transaction().execute(async (trx) => {
        const tdb = monitoringDb(trx);
        const existing = await predictionStore.existingRequestIds(tdb, modelId, [...seen.keys()]);
        if (existing.size > 0) {
          const [id] = existing;
          throw new InvalidParameterError(
            `records[${seen.get(id!)}].request_id: '${id}' was logged before for model '${input.modelName}'`,
          );
        }
        await predictionStore.insertMany(tdb, rows);
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new InvalidParameterError('records: a request_id of this batch was logged concurrently');
      }
      throw err;
    }
    return { logged: rows.length, version: String(version) };
  }

  /** Joins labels to logged predictions by request id; an unknown request id refuses the whole batch. */
  async logLabels(modelName: string, labels: readonly LabelInput[]): Promise<{ labelled: number }> {
    checkBatchSize(labels.length, monitoringLimits.maxBatchRows, 'labels');
    const modelId = await this.modelId(modelName);
    const parsed = labels.map((l, i) => ({
      requestId:
        parseRequestId(l.requestId, `labels[${i}].request_id`) ??
        (() => {
          throw new InvalidParameterError(`labels[${i}].request_id: required`);
        })(),
      label: JSON.stringify(parseTarget(l.label, `labels[${i}].label`)),
    }));
    const now = this.clock.nowMs();
    await this.db.transaction().execute(async (trx) => {
      const tdb = monitoringDb(trx);
      const ids = parsed.map((p) => p.requestId);
      const existing = await predictionStore.existingRequestIds(tdb, modelId, ids);
      const missing = ids.findIndex((id) => !existing.has(id));
      if (missing >= 0) {
        throw new InvalidParameterError(
          `labels[${missing}].request_id: no prediction '${ids[missing]}' was logged for model '${modelName}'`,
        );
      }
      for (const p of parsed) await predictionStore.setLabel(tdb, modelId, p.requestId, p.label, now);
    });
    return { labelled: parsed.length };
  }

  // Monitors

  async createMonitor(input: CreateMonitorInput): Promise<Monitor> {
    const name = parseName(input.name, 'Monitor name');
    const modelId = await this.modelId(input.modelName);
    if (input.version !== undefined && input.alias !== undefined) {
      throw new InvalidParameterError('Give either version or alias, not both');
    }
    const version =
      input.version !== undefined ? await this.resolveVersion(input.modelName, input.version) : null;
    if (input.alias !== undefined) await this.resolveVersion(input.modelName, undefined, input.alias);
    const reference = await this.getReference(input.modelName, input.referenceId);
    const referenceColumns = reference.columns.map((c) => c.name);
    if (input.columns !== undefined) {
      if (input.columns.length === 0) throw new InvalidParameterError('columns: name at least one column');
      for (const column of input.columns) {
        if (!referenceColumns.includes(column)) {
          throw new InvalidParameterError(
            `columns: '${column}' is not a column of reference '${reference.name}'`,
          );
        }
      }
    }
    const config = parseMonitorConfig(
      input.config ?? {},
      referenceColumns,
      Object.fromEntries(reference.columns.map((c) => [c.name, c.type])),
    );
    const windowMs = parseDuration(input.windowMs, 'window_ms');
    const scheduleMs = input.scheduleMs === undefined ? null : parseDuration(input.scheduleMs, 'schedule_ms');
    const now = this.clock.nowMs();
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const monitorId = await monitorStore.insert(monitoringDb(trx), {
          registered_model_id: modelId,
          name,
          target_version: version,
          target_alias: input.alias ?? null,
          reference_id: Number(reference.id),
          window_ms: windowMs,
          schedule_ms: scheduleMs,
          columns: input.columns === undefined ? null : JSON.stringify(input.columns),
          config: JSON.stringify(config),
          created_by: input.actor ?? null,
          created_at: now,
          updated_at: now,
          last_run_at: null,
        });
        await this.options.events.append(trx, {
          type: 'monitor.created',
          subject: String(monitorId),
          ...(input.actor !== undefined ? { actor: input.actor } : {}),
          payload: { modelName: input.modelName, monitorName: name },
        });
        return monitorId;
      });
      return this.getMonitor(input.modelName, String(id));
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AlreadyExistsError(`Monitor '${name}' of model '${input.modelName}' already exists`);
      }
      throw err;
    }
  }

  async listMonitors(modelName: string): Promise<Monitor[]> {
    const modelId = await this.modelId(modelName);
    return (await monitorStore.list(this.mdb, modelId)).map((r) => monitorFromRow(r, modelName));
  }

  async getMonitor(modelName: string, id: string): Promise<Monitor> {
    const modelId = await this.modelId(modelName);
    const row = await monitorStore.find(this.mdb, modelId, parsePositiveId(id, 'monitor_id'));
    if (!row) throw new NotFoundError(`Monitor ${id} of model '${modelName}' not found`);
    return monitorFromRow(row, modelName);
  }

  /** Deletes a monitor with its results and alerts. */
  async deleteMonitor(modelName: string, id: string, actor?: string): Promise<void> {
    const monitor = await this.getMonitor(modelName, id);
    await this.db.transaction().execute(async (trx) => {
      await sketchStore.deleteForMonitor(trx, Number(monitor.id));
      await monitorStore.delete(monitoringDb(trx), Number(monitor.id));
      await this.options.events.append(trx, {
        type: 'monitor.deleted',
        subject: monitor.id,
        ...(actor !== undefined ? { actor } : {}),
        payload: { modelName, monitorName: monitor.name },
      });
    });
  }

  /**
   * Runs a monitor over the window that ends at `windowEnd` (now by default) and returns the stored result
   * with the alerts it fired or resolved.
   */
  async runMonitor(modelName: string, id: string, options: { windowEnd?: number } = {}): Promise<MonitorRun> {
    const monitor = await this.getMonitor(modelName, id);
    const modelId = await this.modelId(modelName);
    let version: number | null;
    switch (monitor.target.kind) {
      case 'version':
        version = Number(monitor.target.version);
        break;
      case 'alias': {
        try {
          version = await this.resolveVersion(modelName, undefined, monitor.target.alias);
        } catch (err) {
          if (err instanceof InvalidParameterError || err instanceof NotFoundError) {
            throw new InvalidStateError(
              `Monitor '${monitor.name}' follows alias '${monitor.target.alias}', which no longer exists`,
            );
          }
          throw err;
        }
        break;
      }
      case 'all-versions':
        version = null;
        break;
    }
    const now = this.clock.nowMs();
    const signature = await this.signatureOf(modelName, version);
    return runMonitorWindow({
      db: this.db,
      events: this.options.events,
      modelId,
      monitor,
      version,
      signature,
      windowEnd: options.windowEnd ?? now,
      now,
    });
  }

  /** The input schema of a version's signature (its MLmodel in the artifact store), when it has one. */
  private async signatureOf(modelName: string, version: number | null) {
    if (version === null || !this.options.files) return undefined;
    const text = await readVersionMlmodel(
      this.options.files,
      this.options.registry,
      modelName,
      String(version),
    );
    return text === undefined ? undefined : signatureInputs(text);
  }

  /**
   * Runs every scheduled monitor that is due (its schedule has passed since its last run) on the window ending
   * now. Each due monitor is claimed first, so several servers on one database run it once. A monitor that
   * fails (its alias was removed, say) is reported to `onError` and the others still run.
   */
  async runDueMonitors(onError: (err: unknown, monitor: Monitor) => void = () => {}): Promise<MonitorRun[]> {
    const now = this.clock.nowMs();
    const due = await monitorStore.due(this.mdb, now);
    const names = await registryQueries.registeredModelNames(
      this.db,
      due.map((m) => m.registered_model_id),
    );
    const runs: MonitorRun[] = [];
    for (const row of due) {
      const modelName = names.get(row.registered_model_id);
      if (modelName === undefined) continue;
      if (!(await monitorStore.claim(this.mdb, row, now))) continue;
      const monitor = monitorFromRow(row, modelName);
      try {
        runs.push(await this.runMonitor(modelName, monitor.id));
      } catch (err) {
        onError(err, monitor);
      }
    }
    return runs;
  }

  /**
   * The full drift report of a result's window (each column's statistic, p-value, threshold and distribution), as
   * `bosun drift` builds it, recomputed from the window's predictions as they are now and the monitor's settings.
   * With `segment` (a value of the monitor's `segment_by`, `__other__` or `__missing__`): that segment's rows of
   * the window against the reference rows of the same segment, as the run judged it (400 without `segment_by`,
   * 404 for a segment the window does not have).
   */
  async windowReport(
    modelName: string,
    monitorId: string,
    resultId: string,
    segment?: string,
  ): Promise<DriftReport> {
    const monitor = await this.getMonitor(modelName, monitorId);
    const segmentBy = monitor.config.segmentBy;
    if (segment !== undefined && segmentBy === null) {
      throw new InvalidParameterError(`segment: monitor '${monitor.name}' has no segment_by`);
    }
    const row = await monitorStore.findResult(
      this.mdb,
      Number(monitor.id),
      parsePositiveId(resultId, 'result_id'),
    );
    if (!row) throw new NotFoundError(`Result ${resultId} of monitor ${monitorId} not found`);
    const window = await loadWindow(this.db, {
      modelId: await this.modelId(modelName),
      monitor,
      version: row.version,
      start: row.window_start,
      end: row.window_end,
    });
    let compared: Pick<SegmentSlice, 'referenceData' | 'rows'> = window;
    let columns = monitor.columns;
    let title = `${modelName} / ${monitor.name}`;
    if (segment !== undefined && segmentBy !== null) {
      // The window is split as the run split it: the same rows, the same top segments.
      const slice = sliceSegments({
        segmentBy,
        maxSegments: monitor.config.maxSegments,
        rows: window.rows,
        referenceData: window.referenceData,
      }).find((s) => s.segment === segment);
      if (!slice) {
        throw new NotFoundError(
          `Segment '${segment}' not found in the window of result ${resultId} (${segmentBy} values there: ` +
            'see GET .../segments)',
        );
      }
      compared = slice;
      columns = (monitor.columns ?? window.referenceColumns.map((c) => c.name)).filter(
        (c) => c !== segmentBy,
      );
      title += ` · ${segmentBy} = ${segment}`;
    }
    const inputs = driftInputs({ ...window, ...compared, columns });
    if (Object.keys(inputs.reference).length === 0) {
      throw new InvalidStateError(
        `The window of result ${resultId}${segment !== undefined ? ` (segment '${segment}')` : ''} has no values to compare with the reference`,
      );
    }
    const { config } = monitor;
    return buildDriftReport({
      reference: {
        name: `reference ${monitor.referenceId} (${window.referenceName})${segment !== undefined ? `, ${segmentBy} = ${segment}` : ''}`,
        rows: segment !== undefined ? referenceRowCount(compared.referenceData) : window.referenceRows,
      },
      current: {
        name: `${title}: ${new Date(row.window_start).toISOString()} to ${new Date(row.window_end).toISOString()}`,
        rows: compared.rows.length,
      },
      referenceColumns: inputs.reference,
      currentColumns: inputs.current,
      columnTypes: inputs.types,
      preset: config.preset === 'bosun' ? BOSUN_PRESET : EVIDENTLY_PRESET,
      thresholdByColumn: config.columnThresholds,
      ...(config.driftShare !== null ? { driftShare: config.driftShare } : {}),
    });
  }

  /**
   * A long window judged from sketches: the monitor's stored window sketches inside `[from, to)` (default: the 30
   * days before now) merged, non-overlapping, and compared with the reference's sketch: per column quantiles,
   * missing rates, new categories and a drift distance with its error bound, and the drift-share verdict. No
   * prediction row is read again. Approximate by construction (`approximate: true`).
   */
  async longWindow(
    modelName: string,
    id: string,
    q: { from?: number | undefined; to?: number | undefined } = {},
  ): Promise<LongWindow> {
    const monitor = await this.getMonitor(modelName, id);
    const range = parseTimeRange(q.from, q.to, this.clock.nowMs());
    const { merged, sketch } = await mergeWindows(this.db, Number(monitor.id), range);
    if (sketch === null) return { ...merged, drift: null };
    const { sketch: reference, columns } = await this.referenceSketchOf(modelName, monitor);
    const preset = monitor.config.preset === 'bosun' ? BOSUN_PRESET : EVIDENTLY_PRESET;
    return { ...merged, drift: judgeLongWindow(monitor, reference, sketch, preset.driftShare, columns) };
  }

  /**
   * Quantiles of one numerical column over `[from, to)`, from the monitor's merged window sketches, beside the
   * reference's: each within the sketch's relative accuracy of the true quantile (the element of rank
   * ⌊q·(n − 1)⌋). 400 for a column the reference lacks, that is not numerical or not among the monitor's
   * `columns` (windows sketch those only), or a q outside [0, 1].
   */
  async mergedQuantiles(
    modelName: string,
    id: string,
    q: { column: string; qs: readonly number[]; from?: number | undefined; to?: number | undefined },
  ): Promise<MergedQuantiles> {
    const monitor = await this.getMonitor(modelName, id);
    for (const p of q.qs) {
      if (!(p >= 0 && p <= 1))
        throw new InvalidParameterError(`q: each quantile must be in [0, 1], got ${p}`);
    }
    const range = parseTimeRange(q.from, q.to, this.clock.nowMs());
    const reference = (await this.referenceSketchOf(modelName, monitor)).sketch;
    const refColumn = reference.columns[q.column];
    if (!refColumn) {
      throw new InvalidParameterError(`column: '${q.column}' is not a column of the monitor's reference`);
    }
    if (monitor.columns !== null && !monitor.columns.includes(q.column)) {
      throw new InvalidParameterError(
        `column: '${q.column}' is not one of monitor '${monitor.name}''s columns (${monitor.columns.join(', ')})`,
      );
    }
    if (refColumn.kind !== 'numerical') {
      throw new InvalidParameterError(
        `column: '${q.column}' is categorical; quantiles need a numerical column`,
      );
    }
    const { merged, sketch } = await mergeWindows(this.db, Number(monitor.id), range);
    const column = sketch?.columns[q.column];
    const values = column?.kind === 'numerical' ? column.quantiles.quantiles(q.qs) : q.qs.map(() => null);
    const refValues = refColumn.quantiles.quantiles(q.qs);
    return {
      ...merged,
      column: q.column,
      relativeAccuracy: refColumn.quantiles.relativeAccuracy,
      count: column?.count ?? 0,
      missing: column?.missing ?? 0,
      quantiles: q.qs.map((p, i) => ({ q: p, value: values[i] ?? null })),
      reference: {
        count: refColumn.count,
        quantiles: q.qs.map((p, i) => ({ q: p, value: refValues[i] ?? null })),
      },
    };
  }

  /** The sketch of a monitor's reference (computed from its rows once when it was stored before sketches). */
  private async referenceSketchOf(
    modelName: string,
    monitor: Monitor,
  ): Promise<{ sketch: DatasetSketch; columns: ReferenceColumn[] }> {
    const referenceId = Number(monitor.referenceId);
    const header = await referenceStore.find(this.mdb, await this.modelId(modelName), referenceId);
    if (!header) {
      throw new NotFoundError(`Reference ${monitor.referenceId} of monitor '${monitor.name}' not found`);
    }
    const columns = JSON.parse(header.columns) as ReferenceColumn[];
    const sketch = await referenceSketch(this.db, {
      id: referenceId,
      columns,
      rows: header.row_count,
      data: async () =>
        JSON.parse((await referenceStore.data(this.mdb, referenceId)) ?? '{}') as Record<
          string,
          ColumnValue[]
        >,
    });
    return { sketch, columns };
  }

  /** A monitor's results, newest first: of whole windows, or of one segment of each window (`segment`). */
  async listResults(
    modelName: string,
    id: string,
    maxResults = 100,
    segment?: string,
  ): Promise<MonitorResult[]> {
    const monitor = await this.getMonitor(modelName, id);
    const limit = Math.min(Math.max(1, maxResults), monitoringLimits.maxPage);
    if (segment !== undefined) {
      if (monitor.config.segmentBy === null) {
        throw new InvalidParameterError(`segment: monitor '${monitor.name}' has no segment_by`);
      }
      const rows = await monitorStore.segmentResults(this.mdb, Number(monitor.id), segment, { limit });
      return rows.map((r) => segmentResultFromRow(r.segment, r.window));
    }
    return (await monitorStore.results(this.mdb, Number(monitor.id), { limit })).map(resultFromRow);
  }

  /** The segments a monitor's windows had (values of its `segment_by` column), with how many windows each. */
  async listSegments(modelName: string, id: string): Promise<{ segment: string; windows: number }[]> {
    const monitor = await this.getMonitor(modelName, id);
    return monitorStore.segments(this.mdb, Number(monitor.id));
  }

  /** A model's alerts (of one monitor when `monitorId` is given), newest first. */
  async listAlerts(
    modelName: string,
    q: { monitorId?: string; state?: AlertState; maxResults?: number } = {},
  ): Promise<Alert[]> {
    const monitors =
      q.monitorId !== undefined
        ? [await this.getMonitor(modelName, q.monitorId)]
        : await this.listMonitors(modelName);
    const byId = new Map(monitors.map((m) => [Number(m.id), m]));
    const rows = await monitorStore.alerts(this.mdb, {
      monitorIds: [...byId.keys()],
      ...(q.state !== undefined ? { state: q.state } : {}),
      limit: Math.min(q.maxResults ?? 100, monitoringLimits.maxPage),
    });
    return rows.map((r) => alertFromRow(r, { modelName, monitorName: byId.get(r.monitor_id)!.name }));
  }

  /** Alerts of every model's monitors, newest first (callers filter them to the models the user may read). */
  async allAlerts(q: { state?: AlertState; maxResults?: number } = {}): Promise<Alert[]> {
    const monitors = new Map((await monitorStore.all(this.mdb)).map((m) => [m.monitor_id, m]));
    const names = await registryQueries.registeredModelNames(
      this.db,
      [...monitors.values()].map((m) => m.registered_model_id),
    );
    const rows = await monitorStore.alerts(this.mdb, {
      ...(q.state !== undefined ? { state: q.state } : {}),
      limit: Math.min(q.maxResults ?? 100, monitoringLimits.maxPage),
    });
    return rows.flatMap((r) => {
      const monitor = monitors.get(r.monitor_id);
      const modelName = monitor && names.get(monitor.registered_model_id);
      return monitor && modelName !== undefined
        ? [alertFromRow(r, { modelName, monitorName: monitor.name })]
        : [];
    });
  }

  /** Every monitor with its latest result and firing alerts (models deleted since are left out). */
  async monitorStatuses(): Promise<MonitorStatus[]> {
    const monitors = await monitorStore.all(this.mdb);
    const names = await registryQueries.registeredModelNames(
      this.db,
      monitors.map((m) => m.registered_model_id),
    );
    const latest = new Map((await monitorStore.latestResults(this.mdb)).map((r) => [r.monitor_id, r]));
    const segmentRows = await monitorStore.segmentResultsOfMany(
      this.mdb,
      [...latest.values()].map((r) => r.result_id),
    );
    const firing = await monitorStore.alerts(this.mdb, { state: 'firing', limit: 100_000 });
    const out: MonitorStatus[] = [];
    for (const row of monitors) {
      const modelName = names.get(row.registered_model_id);
      if (modelName === undefined) continue;
      const monitor = monitorFromRow(row, modelName);
      const result = latest.get(row.monitor_id);
      out.push({
        modelName,
        monitor,
        latest: result ? resultFromRow(result) : null,
        latestSegments: result
          ? segmentRows
              .filter((r) => r.result_id === result.result_id)
              .map((r) => segmentResultFromRow(r, result))
          : [],
        firing: firing
          .filter((a) => a.monitor_id === row.monitor_id)
          .map((a) => alertFromRow(a, { modelName, monitorName: monitor.name })),
      });
    }
    return out;
  }

  /** Predictions and labels logged per registered model. */
  async predictionCounts(): Promise<PredictionCounts[]> {
    const counts = await predictionStore.countsByModel(this.mdb);
    const names = await registryQueries.registeredModelNames(
      this.db,
      counts.map((c) => c.registered_model_id),
    );
    return counts.flatMap((c) => {
      const modelName = names.get(c.registered_model_id);
      return modelName === undefined ? [] : [{ modelName, predictions: c.predictions, labels: c.labels }];
    });
  }
}

/** Rows of column-wise data (its longest column). */
function referenceRowCount(data: Readonly<Record<string, readonly unknown[]>>): number {
  return Math.max(0, ...Object.values(data).map((v) => v.length));
}
