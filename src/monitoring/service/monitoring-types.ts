import type { ColumnType } from '../stats/index.js';

/** A feature value as logged: JSON scalars (null is a missing value). */
export type FeatureValue = number | string | boolean | null;
/** A prediction or a label: a class (string, integer, boolean) or a number. */
export type TargetValue = number | string | boolean;

/** Limits on what one request may carry; past them the request is refused whole (400). */
export const monitoringLimits = {
  /** Records in one prediction batch or label batch. */
  maxBatchRows: 10_000,
  /** Rows in one reference dataset. */
  maxReferenceRows: 100_000,
  /** Feature columns in a record or a reference. */
  maxColumns: 500,
  /** Characters of a column name. */
  maxColumnName: 250,
  /** Characters of a string feature, prediction or label. */
  maxStringValue: 1_000,
  /** Characters of a request id. */
  maxRequestId: 256,
  /** Characters of a monitor or reference name. */
  maxName: 256,
  /** Results or alerts in one page. */
  maxPage: 1_000,
} as const;

/** One column of a reference dataset and the type its drift test is chosen by. */
export interface ReferenceColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** A compact summary of one reference column (what the UI and `bosun monitor show` print). */
export type ColumnProfile =
  | {
      readonly kind: 'numerical';
      readonly name: string;
      readonly count: number;
      readonly missing: number;
      readonly min: number;
      readonly max: number;
      readonly mean: number;
      readonly std: number;
      /** The 5th, 25th, 50th, 75th and 95th percentiles (linear interpolation, numpy's default). */
      readonly quantiles: readonly number[];
    }
  | {
      readonly kind: 'categorical';
      readonly name: string;
      readonly type: ColumnType;
      readonly count: number;
      readonly missing: number;
      readonly distinct: number;
      /** The most frequent values (up to 20), most frequent first. */
      readonly top: readonly { readonly value: string; readonly count: number }[];
    };

/** Where a reference's rows were read from, when the server read them (not uploaded rows). */
export type ReferenceSource =
  | { readonly kind: 'run_artifact'; readonly runId: string; readonly artifactPath: string }
  | {
      readonly kind: 'run_dataset';
      readonly runId: string;
      readonly datasetName: string;
      readonly datasetDigest: string;
      /** The run artifact the dataset's source names (its run may be another one). */
      readonly artifactRunId: string;
      readonly artifactPath: string;
    };

/** What to read a reference from instead of uploaded rows: a run's artifact, or a run's logged dataset. */
export type ReferenceSourceInput =
  | { readonly runId: string; readonly artifactPath: string; readonly datasetName?: undefined }
  | { readonly runId: string; readonly datasetName: string; readonly artifactPath?: undefined };

/** A reference dataset attached to a registered model. */
export interface Reference {
  readonly id: string;
  readonly modelName: string;
  readonly name: string;
  readonly version: string | null;
  readonly loggedModelId: string | null;
  readonly columns: readonly ReferenceColumn[];
  readonly rows: number;
  readonly profile: readonly ColumnProfile[];
  /** The run artifact or dataset it was read from; null: uploaded rows. */
  readonly source: ReferenceSource | null;
  readonly createdBy: string | null;
  readonly createdAt: number;
}

export interface CreateReferenceInput {
  readonly modelName: string;
  readonly name: string;
  readonly version?: string;
  readonly loggedModelId?: string;
  /** Declared column types; the others are inferred from the data (Evidently's rules). */
  readonly columnTypes?: Readonly<Record<string, ColumnType>>;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  readonly actor?: string;
  /** Set by the service when it read the rows from a run. */
  readonly source?: ReferenceSource;
}

/** A reference read by the server from a run's artifact or logged dataset. */
export type CreateReferenceFromRunInput = Omit<CreateReferenceInput, 'rows' | 'source'> & {
  readonly source: ReferenceSourceInput;
};

/** One logged inference as a caller sends it (checked by the service). */
export interface PredictionRecordInput {
  readonly features: Readonly<Record<string, unknown>>;
  readonly prediction: unknown;
  readonly label?: unknown;
  /** Epoch milliseconds; the server's clock when absent. */
  readonly timestamp?: unknown;
  readonly requestId?: unknown;
}

export interface LogPredictionsInput {
  readonly modelName: string;
  /** The version that served the predictions, or an alias resolved now; one of the two. */
  readonly version?: string;
  readonly alias?: string;
  readonly records: readonly PredictionRecordInput[];
}

export interface LabelInput {
  readonly requestId: unknown;
  readonly label: unknown;
}

/** Performance metrics computed when labels exist; each has a fixed direction. */
export type PerformanceMetric = 'accuracy' | 'f1' | 'rmse' | 'mae';
/** accuracy and f1 alert below their threshold; rmse and mae above. */
export const PERFORMANCE_DIRECTION: Readonly<Record<PerformanceMetric, 'min' | 'max'>> = {
  accuracy: 'min',
  f1: 'min',
  rmse: 'max',
  mae: 'max',
};

export type MonitorTask = 'classification' | 'regression';
/** What a window is judged on; each condition has its own alert. */
export type AlertCondition = 'data_drift' | 'performance' | 'schema';
export const ALERT_CONDITIONS: readonly AlertCondition[] = ['data_drift', 'performance', 'schema'];

/** The segment of the rows whose segment value is not among the monitor's top `maxSegments`. */
export const OTHER_SEGMENT = '__other__';
/** The segment of the rows without a value in the segment column. */
export const MISSING_SEGMENT = '__missing__';

/** How a monitor judges a window (stored as JSON). */
export interface MonitorConfig {
  /** The drift preset: `evidently` (Evidently 0.7's defaults) or `bosun`. */
  readonly preset: 'evidently' | 'bosun';
  /** Dataset drift when at least this share of tested columns drift (the preset's when absent). */
  readonly driftShare: number | null;
  /** A drift threshold per column (the method's default otherwise). */
  readonly columnThresholds: Readonly<Record<string, number>>;
  /** Classification or regression metrics once labels exist; null: no performance metrics. */
  readonly task: MonitorTask | null;
  readonly performanceThresholds: Partial<Readonly<Record<PerformanceMetric, number>>>;
  /**
   * Fewer rows than this in a window: `insufficient_data`, alerts left as they are. Performance thresholds are
   * judged only on at least this many labelled rows.
   */
  readonly minRows: number;
  /** Consecutive breaching windows before an alert fires. */
  readonly fireAfter: number;
  /** Consecutive clean windows before a firing alert resolves. */
  readonly resolveAfter: number;
  /** A categorical reference column: each window is also judged per value of it (null: no segments). */
  readonly segmentBy: string | null;
  /** Segments per window at most: the most frequent values, the rest together as `__other__` (default 10). */
  readonly maxSegments: number;
  /** Each segment fires and resolves its own alerts (named by the segment); default false. */
  readonly segmentAlerts: boolean;
}

/** A monitor: a model (a version, an alias, or every version), a reference and how windows are judged. */
export interface Monitor {
  readonly id: string;
  readonly modelName: string;
  readonly name: string;
  readonly target: MonitorTarget;
  readonly referenceId: string;
  readonly windowMs: number;
  /** How often a scheduler should run it (ms), or null when it runs on request only. */
  readonly scheduleMs: number | null;
  /** The columns compared; null: every column of the reference. */
  readonly columns: readonly string[] | null;
  readonly config: MonitorConfig;
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastRunAt: number | null;
}

export type MonitorTarget =
  | { readonly kind: 'version'; readonly version: string }
  | { readonly kind: 'alias'; readonly alias: string }
  | { readonly kind: 'all-versions' };

export interface CreateMonitorInput {
  readonly modelName: string;
  readonly name: string;
  readonly version?: string;
  readonly alias?: string;
  readonly referenceId: string;
  readonly windowMs: number;
  readonly scheduleMs?: number;
  readonly columns?: readonly string[];
  readonly config?: Partial<MonitorConfig>;
  readonly actor?: string;
}

/** One column's drift in a window, in short. */
export interface ColumnDriftSummary {
  readonly column: string;
  readonly type: ColumnType;
  readonly status: 'tested' | 'skipped';
  readonly method: string | null;
  readonly score: number | null;
  readonly threshold: number | null;
  readonly driftDetected: boolean;
  readonly reason: string | null;
  /**
   * Data quality: window values whose type does not fit the reference column (not a number in a numerical
   * column; a kind the reference never holds in a categorical one). Left out of the test, as missing values
   * are. Absent in results stored before it was counted.
   */
  readonly typeMismatches?: number;
}

export interface WindowDrift {
  readonly preset: string;
  readonly testedColumns: number;
  readonly driftedColumns: number;
  readonly driftShare: number;
  readonly driftShareThreshold: number;
  readonly datasetDrift: boolean;
  readonly columns: readonly ColumnDriftSummary[];
}

export interface WindowPerformance {
  readonly task: MonitorTask;
  /** Labelled rows the metrics were computed on. */
  readonly rows: number;
  readonly metrics: Partial<Readonly<Record<PerformanceMetric, number>>>;
  /** Metrics past their threshold. */
  readonly violations: readonly PerformanceMetric[];
}

export type ResultStatus = 'ok' | 'breach' | 'insufficient_data';

/** A MLflow column type of a model signature's input schema. */
export type SignatureColumnType =
  'double' | 'float' | 'long' | 'integer' | 'boolean' | 'string' | 'datetime' | 'binary';

/** One column of a signature's input schema (another type, such as array or object, is `null`: not checked). */
export interface SignatureColumn {
  readonly name: string;
  readonly type: SignatureColumnType | null;
  readonly required: boolean;
}

/** A window checked against the model version's signature: each finding names the column and the rows. */
export interface SchemaCheck {
  /** The model version whose MLmodel signature the window was checked against. */
  readonly version: string;
  /** Columns in the signature's input schema. */
  readonly columns: number;
  /** Required signature columns absent from some records (a key not sent; a null value is not counted here). */
  readonly missingColumns: readonly { readonly column: string; readonly rows: number }[];
  /** Feature columns the signature does not name. */
  readonly unexpectedColumns: readonly { readonly column: string; readonly rows: number }[];
  /** Values whose JSON type does not fit the column's MLflow type; `example` is one of them. */
  readonly typeMismatches: readonly {
    readonly column: string;
    readonly expected: SignatureColumnType;
    readonly rows: number;
    readonly example: string;
  }[];
  /** Findings in all (columns missing, unexpected or mistyped); any breaches the `schema` condition. */
  readonly violations: number;
}

/** What one run of a monitor found for one window. */
export interface MonitorResult {
  readonly id: string;
  readonly monitorId: string;
  readonly version: string | null;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly rows: number;
  readonly labelledRows: number;
  readonly status: ResultStatus;
  /** The conditions evaluated in this window and whether each was breached. */
  readonly breaches: Partial<Readonly<Record<AlertCondition, boolean>>>;
  readonly drift: WindowDrift | null;
  readonly performance: WindowPerformance | null;
  /** The window against the signature of the version it was read for; null: no version or no signature. */
  readonly schema: SchemaCheck | null;
  /** The segment these numbers are of (null: the whole window). */
  readonly segment: string | null;
  readonly createdAt: number;
}

export type AlertState = 'firing' | 'resolved';

export interface Alert {
  readonly id: string;
  readonly monitorId: string;
  readonly modelName: string;
  readonly monitorName: string;
  readonly condition: AlertCondition;
  /** The segment the alert is about; null: the whole window. */
  readonly segment: string | null;
  readonly state: AlertState;
  readonly message: string;
  readonly firedAt: number;
  readonly firedResultId: string;
  readonly resolvedAt: number | null;
  readonly resolvedResultId: string | null;
}

/** A run's outcome: the stored result and the alerts it fired or resolved. */
export interface MonitorRun {
  readonly result: MonitorResult;
  /** The window's segments (empty without `segmentBy`). */
  readonly segments: readonly MonitorResult[];
  readonly fired: readonly Alert[];
  readonly resolved: readonly Alert[];
}
