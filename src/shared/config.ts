import { resolve } from 'node:path';
import { InvalidParameterError } from './errors.js';

/** Settings of `bosun server`. CLI flags win over environment variables, which win over defaults. */
export interface ServerConfig {
  host: string;
  port: number;
  backendStoreUri: string;
  /** Folder (or later bucket URI) where proxied artifacts are stored. */
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
}

/** Flags as the CLI received them; any may be absent. */
export type ServerFlags = Partial<Omit<ServerConfig, 'port'>> & { port?: number | string };

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

function parseBoolean(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new InvalidParameterError(`Invalid ${name} '${value}': expected true or false`);
}

/**
 * The one reader of the environment. `env` is passed in so tests need not touch `process.env`.
 * Example: `loadServerConfig({ port: 5001 }, process.env)`.
 */
export function loadServerConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const dataDir = resolve(env.BOSUN_DATA_DIR ?? 'bosun-data');
  const artifactsDestination = resolve(
    flags.artifactsDestination ?? env.BOSUN_ARTIFACTS_DESTINATION ?? `${dataDir}/artifacts`,
  );
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
  return {
    webhookAllowPrivate,
    webhookAllowedCidrs,
    host: flags.host ?? env.BOSUN_HOST ?? '127.0.0.1',
    port: parsePort(flags.port ?? env.BOSUN_PORT ?? 5000),
    backendStoreUri: flags.backendStoreUri ?? env.BOSUN_BACKEND_STORE_URI ?? `sqlite:///${dataDir}/bosun.db`,
    artifactsDestination,
    defaultArtifactRoot:
      flags.defaultArtifactRoot ??
      env.BOSUN_DEFAULT_ARTIFACT_ROOT ??
      (serveArtifacts ? 'mlflow-artifacts:/' : artifactsDestination),
    serveArtifacts,
    sqliteSynchronous,
    logLevel,
    bodyLimitBytes: bodyLimit,
  };
}
