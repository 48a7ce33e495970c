import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMasterKey, type MasterKey } from './master-key.js';
import { permissionLevels, type Permission } from './permission-levels.js';
import { InvalidParameterError } from './errors.js';
import { loadS3Settings, type S3Settings } from './s3-config.js';
import {
  kubernetesSettingsGiven,
  loadKubernetesSettings,
  type KubernetesFlags,
  type KubernetesSettings,
} from './kube-settings.js';

/** Settings of `bosun server`. CLI flags win over environment variables, which win over defaults. */
export interface ServerConfig {
  host: string;
  port: number;
  backendStoreUri: string;
  /** Folder (absolute) or bucket URI (`s3://bucket/prefix`) where proxied artifacts are stored. */
  artifactsDestination: string;
  /** Root recorded on new experiments: `mlflow-artifacts:/` when serving artifacts. */
  defaultArtifactRoot: string;
  serveArtifacts: boolean;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest JSON request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** Let webhooks target loopback and private addresses (never link-local metadata addresses). */
  webhookAllowPrivate: boolean;
  /** Extra CIDR ranges webhooks may target, e.g. `10.1.0.0/16`. */
  webhookAllowedCidrs: string[];
  /** Master key of the secret store (BOSUN_MASTER_KEY_FILE, `--master-key-file`, or BOSUN_MASTER_KEY); none: secrets off. */
  masterKey?: MasterKey;
  /** Require credentials (HTTP Basic or Bearer token) on every route but the public ones (`--auth`, BOSUN_AUTH). */
  authEnabled: boolean;
  /** Let the server listen beyond loopback without auth (`--insecure-allow-unauthenticated`). Loudly logged. */
  allowUnauthenticatedRemote: boolean;
  /** Host headers accepted (BOSUN_ALLOWED_HOSTS); empty: the listen host and loopback names. See server/auth. */
  allowedHosts: string[];
  /**
   * Web origins (`https://app.example.com`) whose pages may call the API from a browser (BOSUN_CORS_ORIGINS):
   * CORS headers for them, and their writes are not refused as cross-site. Empty (the default): no CORS at all.
   */
  corsOrigins: string[];
  /** First administrator, created at start when none exists (BOSUN_ADMIN_USERNAME / BOSUN_ADMIN_PASSWORD). */
  adminBootstrap?: { username: string; password: string };
  /**
   * The permission a signed-in user has on an experiment or registered model without a grant
   * (`--default-permission`, BOSUN_DEFAULT_PERMISSION; READ as in MLflow's auth app).
   */
  defaultPermission: Permission;
  /** How to reach S3 (MLFLOW_S3_ENDPOINT_URL, AWS_*): present when the destination or default root is `s3://`. */
  s3?: S3Settings;
  /**
   * Password lockout: after `maxFailures` consecutive failed sign-ins of one user (BOSUN_LOCKOUT_FAILURES,
   * default 5), password sign-in is refused for `lockoutMs` (BOSUN_LOCKOUT_MINUTES, default 15; 0 turns the
   * lockout off).
   */
  lockout: { maxFailures: number; lockoutMs: number };
  /**
   * The resource classes file of pipeline steps (`--resource-classes FILE`, BOSUN_RESOURCE_CLASSES_FILE): price
   * per hour, capacity and placement of each class; none: steps have no class and no price.
   */
  resourceClassesFile?: string;
  /**
   * Where pipeline steps run (`--pipeline-executor`, BOSUN_PIPELINE_EXECUTOR): `local` (default), child processes
   * of the server; `workers`, `bosun worker` processes that take them through PostgreSQL (refused on SQLite);
   * `kubernetes`, a Job per attempt (settings in `kubernetes`).
   */
  pipelineExecutor?: 'local' | 'workers' | 'kubernetes';
  /** The `--kube-*` settings; set when `pipelineExecutor` is `kubernetes`. */
  kubernetes?: KubernetesSettings;
  /**
   * How `bosun worker` processes get a pipeline's code (`--worker-code`, BOSUN_WORKER_CODE); set when
   * `pipelineExecutor` is `workers`. `bundle` (default): the server packs the run's code folder once, stores it as
   * an artifact of the pipeline run, and workers unpack it (at most `maxBytes`, `--code-bundle-max-mb`,
   * BOSUN_CODE_BUNDLE_MAX_MB, default 100). `shared`: the code sits at the same path on every worker.
   */
  workerCode?: { mode: 'bundle'; maxBytes: number } | { mode: 'shared' };
}

/** Flags as the CLI received them; any may be absent. */
export type ServerFlags = Partial<
  Omit<
    ServerConfig,
    'port' | 'masterKey' | 'defaultPermission' | 's3' | 'lockout' | 'kubernetes' | 'workerCode'
  >
> &
  KubernetesFlags & {
    /** `--worker-code bundle|shared`. */
    workerCode?: string;
    /** `--code-bundle-max-mb N`. */
    codeBundleMaxMb?: number | string;
    defaultPermission?: string;
    port?: number | string;
    masterKeyFile?: string;
  };

const logLevels: readonly ServerConfig['logLevel'][] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

function parsePort(value: number | string): number {
  const port = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidParameterError(`Invalid port '${value}': expected an integer from 0 to 65535`);
  }
  return port;
}

/** `--pipeline-executor`: local, or workers (which take steps through PostgreSQL, so SQLite is refused). */
function parsePipelineExecutor(value: string, backendStoreUri: string): 'local' | 'workers' | 'kubernetes' {
  if (value !== 'local' && value !== 'workers' && value !== 'kubernetes') {
    throw new InvalidParameterError(
      `Invalid pipeline executor '${value}': expected local, workers or kubernetes`,
    );
  }
  if (value === 'workers' && !/^postgres(ql)?:\/\//.test(backendStoreUri)) {
    throw new InvalidParameterError(
      '--pipeline-executor workers needs PostgreSQL (--backend-store-uri postgresql://...): workers on other ' +
        'machines take steps through the database, and a SQLite file belongs to one machine',
    );
  }
  return value;
}

/** `--worker-code` and `--code-bundle-max-mb` (only with the workers executor). */
function parseWorkerCode(
  flags: ServerFlags,
  env: NodeJS.ProcessEnv,
  pipelineExecutor: 'local' | 'workers' | 'kubernetes',
): ServerConfig['workerCode'] {
  const mode = flags.workerCode ?? env.BOSUN_WORKER_CODE;
  const maxMb = flags.codeBundleMaxMb ?? env.BOSUN_CODE_BUNDLE_MAX_MB;
  if (pipelineExecutor !== 'workers') {
    if (mode !== undefined || maxMb !== undefined)
      throw new InvalidParameterError(
        '--worker-code and --code-bundle-max-mb (or BOSUN_WORKER_CODE, BOSUN_CODE_BUNDLE_MAX_MB) apply to --pipeline-executor workers',
      );
    return undefined;
  }
  if (mode !== undefined && mode !== 'bundle' && mode !== 'shared')
    throw new InvalidParameterError(`Invalid worker code mode '${mode}': expected bundle or shared`);
  if (mode === 'shared') {
    if (maxMb !== undefined)
      throw new InvalidParameterError('--code-bundle-max-mb applies to --worker-code bundle, not shared');
    return { mode: 'shared' };
  }
  const mb = maxMb === undefined ? 100 : Number(maxMb);
  if (!Number.isFinite(mb) || mb <= 0)
    throw new InvalidParameterError(`Invalid code bundle limit '${maxMb}': expected a number of MB above 0`);
  return { mode: 'bundle', maxBytes: Math.round(mb * 1024 * 1024) };
}

/** BOSUN_LOCKOUT_FAILURES and BOSUN_LOCKOUT_MINUTES, with their defaults (5 failures, 15 minutes). */
function parseLockout(env: NodeJS.ProcessEnv): ServerConfig['lockout'] {
  const failures = Number(env.BOSUN_LOCKOUT_FAILURES ?? 5);
  if (!Number.isInteger(failures) || failures < 1) {
    throw new InvalidParameterError(
      `Invalid BOSUN_LOCKOUT_FAILURES '${env.BOSUN_LOCKOUT_FAILURES}': expected an integer of at least 1`,
    );
  }
  const minutes = Number(env.BOSUN_LOCKOUT_MINUTES ?? 15);
  if (!Number.isFinite(minutes) || minutes < 0 || env.BOSUN_LOCKOUT_MINUTES?.trim() === '') {
    throw new InvalidParameterError(
      `Invalid BOSUN_LOCKOUT_MINUTES '${env.BOSUN_LOCKOUT_MINUTES}': expected a number of minutes, 0 or more`,
    );
  }
  return { maxFailures: failures, lockoutMs: Math.round(minutes * 60_000) };
}

function parseBoolean(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new InvalidParameterError(`Invalid ${name} '${value}': expected true or false`);
}

/**
 * The secret store's master key: `--master-key-file`, else BOSUN_MASTER_KEY_FILE, else BOSUN_MASTER_KEY.
 * Errors name the source, never the key.
 */
export function loadMasterKey(
  flags: { masterKeyFile?: string },
  env: NodeJS.ProcessEnv = process.env,
): MasterKey | undefined {
  const file = flags.masterKeyFile ?? env.BOSUN_MASTER_KEY_FILE;
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new InvalidParameterError(`Cannot read the master key file '${file}'`);
    }
    return parseMasterKey(text);
  }
  const inline = env.BOSUN_MASTER_KEY;
  return inline !== undefined && inline !== '' ? parseMasterKey(inline) : undefined;
}

/** Exact web origins, `scheme://host[:port]`; a wildcard or anything with a path is refused. */
function parseCorsOrigins(entries: readonly string[]): string[] {
  const origins: string[] = [];
  for (const raw of entries.map((e) => e.trim()).filter((e) => e !== '')) {
    let origin: string | undefined;
    try {
      const url = new URL(raw);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && raw.replace(/\/$/, '') === url.origin) {
        origin = url.origin;
      }
    } catch {
      origin = undefined;
    }
    if (origin === undefined) {
      throw new InvalidParameterError(
        `Invalid BOSUN_CORS_ORIGINS entry '${raw}': expected an exact origin such as https://app.example.com (no wildcard, no path)`,
      );
    }
    origins.push(origin);
  }
  return origins;
}

function isS3Uri(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/** `s3://bucket[/prefix]` with a bucket name S3 accepts; the full key rules are the store's (artifacts/s3). */
function checkS3Uri(uri: string): string {
  const match = /^s3:\/\/([^/?#]*)(.*)$/is.exec(uri);
  const bucket = match?.[1] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || /[?#]/.test(match?.[2] ?? '')) {
    throw new InvalidParameterError(
      `Invalid artifacts destination '${uri}': expected s3://<bucket>[/<prefix>] with a valid bucket name`,
    );
  }
  return uri;
}

/**
 * The one reader of the environment. `env` is passed in so tests need not touch `process.env`.
 * Example: `loadServerConfig({ port: 5001 }, process.env)`.
 */
export function loadServerConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const dataDir = resolve(env.BOSUN_DATA_DIR ?? 'bosun-data');
  const destination = flags.artifactsDestination ?? env.BOSUN_ARTIFACTS_DESTINATION ?? `${dataDir}/artifacts`;
  const artifactsDestination = isS3Uri(destination) ? checkS3Uri(destination) : resolve(destination);
  const serveArtifacts =
    flags.serveArtifacts ??
    (env.BOSUN_SERVE_ARTIFACTS ? parseBoolean(env.BOSUN_SERVE_ARTIFACTS, 'BOSUN_SERVE_ARTIFACTS') : true);
  const sqliteSynchronous = (
    flags.sqliteSynchronous ??
    env.BOSUN_SQLITE_SYNCHRONOUS ??
    'NORMAL'
  ).toUpperCase();
  if (sqliteSynchronous !== 'FULL' && sqliteSynchronous !== 'NORMAL') {
    throw new InvalidParameterError(
      `Invalid BOSUN_SQLITE_SYNCHRONOUS '${sqliteSynchronous}': expected FULL or NORMAL`,
    );
  }
  const logLevel = (flags.logLevel ?? env.BOSUN_LOG_LEVEL ?? 'info') as ServerConfig['logLevel'];
  if (!logLevels.includes(logLevel)) {
    throw new InvalidParameterError(
      `Invalid log level '${logLevel}': expected one of ${logLevels.join(', ')}`,
    );
  }
  const bodyLimit = Number(env.BOSUN_BODY_LIMIT_BYTES ?? 64 * 1024 * 1024);
  if (!Number.isInteger(bodyLimit) || bodyLimit <= 0) {
    throw new InvalidParameterError(`Invalid BOSUN_BODY_LIMIT_BYTES '${env.BOSUN_BODY_LIMIT_BYTES}'`);
  }
  const webhookAllowPrivate = env.BOSUN_WEBHOOK_ALLOW_PRIVATE
    ? parseBoolean(env.BOSUN_WEBHOOK_ALLOW_PRIVATE, 'BOSUN_WEBHOOK_ALLOW_PRIVATE')
    : false;
  const webhookAllowedCidrs = (env.BOSUN_WEBHOOK_ALLOWED_CIDRS ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const adminUsername = env.BOSUN_ADMIN_USERNAME ?? '';
  const adminPassword = env.BOSUN_ADMIN_PASSWORD ?? '';
  if ((adminUsername === '') !== (adminPassword === '')) {
    throw new InvalidParameterError('Set both BOSUN_ADMIN_USERNAME and BOSUN_ADMIN_PASSWORD, or neither.');
  }
  const masterKey = loadMasterKey(flags, env);
  const corsOrigins = parseCorsOrigins(flags.corsOrigins ?? (env.BOSUN_CORS_ORIGINS ?? '').split(','));
  const defaultPermission = (flags.defaultPermission ?? env.BOSUN_DEFAULT_PERMISSION ?? 'READ').toUpperCase();
  if (!(permissionLevels as readonly string[]).includes(defaultPermission)) {
    throw new InvalidParameterError(
      `Invalid default permission '${defaultPermission}': expected one of ${permissionLevels.join(', ')}`,
    );
  }
  const defaultArtifactRoot =
    flags.defaultArtifactRoot ??
    env.BOSUN_DEFAULT_ARTIFACT_ROOT ??
    (serveArtifacts ? 'mlflow-artifacts:/' : artifactsDestination);
  const s3 = isS3Uri(artifactsDestination) || isS3Uri(defaultArtifactRoot) ? loadS3Settings(env) : undefined;
  const resourceClassesFile = flags.resourceClassesFile ?? env.BOSUN_RESOURCE_CLASSES_FILE ?? '';
  const backendStoreUri =
    flags.backendStoreUri ?? env.BOSUN_BACKEND_STORE_URI ?? `sqlite:///${dataDir}/bosun.db`;
  const pipelineExecutor = parsePipelineExecutor(
    flags.pipelineExecutor ?? env.BOSUN_PIPELINE_EXECUTOR ?? 'local',
    backendStoreUri,
  );
  const workerCode = parseWorkerCode(flags, env, pipelineExecutor);
  const kubeFlags: KubernetesFlags = {
    ...(flags.kubeNamespace !== undefined ? { kubeNamespace: flags.kubeNamespace } : {}),
    ...(flags.kubeImage !== undefined ? { kubeImage: flags.kubeImage } : {}),
    ...(flags.kubeTrackingUri !== undefined ? { kubeTrackingUri: flags.kubeTrackingUri } : {}),
    ...(flags.kubeVolumes !== undefined ? { kubeVolumes: flags.kubeVolumes } : {}),
    ...(flags.kubeSpotToleration !== undefined ? { kubeSpotToleration: flags.kubeSpotToleration } : {}),
    ...(flags.kubePendingTimeout !== undefined ? { kubePendingTimeout: flags.kubePendingTimeout } : {}),
  };
  if (pipelineExecutor !== 'kubernetes' && kubernetesSettingsGiven(kubeFlags, env)) {
    throw new InvalidParameterError(
      '--kube-* settings (or BOSUN_KUBE_* variables) are given but the pipeline executor is not kubernetes: add --pipeline-executor kubernetes',
    );
  }
  return {
    ...(s3 ? { s3 } : {}),
    ...(resourceClassesFile !== '' ? { resourceClassesFile: resolve(resourceClassesFile) } : {}),
    defaultPermission: defaultPermission as Permission,
    lockout: parseLockout(env),
    corsOrigins,
    ...(masterKey ? { masterKey } : {}),
    authEnabled: flags.authEnabled ?? (env.BOSUN_AUTH ? parseBoolean(env.BOSUN_AUTH, 'BOSUN_AUTH') : false),
    allowUnauthenticatedRemote: flags.allowUnauthenticatedRemote ?? false,
    allowedHosts: (flags.allowedHosts ?? (env.BOSUN_ALLOWED_HOSTS ?? '').split(','))
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
    ...(adminUsername !== '' ? { adminBootstrap: { username: adminUsername, password: adminPassword } } : {}),
    webhookAllowPrivate,
    webhookAllowedCidrs,
    host: flags.host ?? env.BOSUN_HOST ?? '127.0.0.1',
    port: parsePort(flags.port ?? env.BOSUN_PORT ?? 5000),
    backendStoreUri,
    ...(pipelineExecutor !== 'local' ? { pipelineExecutor } : {}),
    ...(pipelineExecutor === 'kubernetes' ? { kubernetes: loadKubernetesSettings(kubeFlags, env) } : {}),
    ...(workerCode !== undefined ? { workerCode } : {}),
    artifactsDestination,
    defaultArtifactRoot,
    serveArtifacts,
    sqliteSynchronous,
    logLevel,
    bodyLimitBytes: bodyLimit,
  };
}
