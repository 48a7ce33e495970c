import { InvalidParameterError } from './errors.js';

/** Where and how the CLI (or any client process) reaches a tracking server. */
export interface ClientConfig {
  trackingUri: string;
  token?: string;
  username?: string;
  password?: string;
}

/** Flags as the CLI received them; any may be absent. */
export interface ClientFlags {
  trackingUri?: string;
}

export const defaultTrackingUri = 'http://127.0.0.1:5000';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Client settings: the `--tracking-uri` flag wins over `BOSUN_TRACKING_URI`, which wins over
 * `MLFLOW_TRACKING_URI`, then `http://127.0.0.1:5000`. Credentials come from the same variables the MLflow
 * client reads (`MLFLOW_TRACKING_USERNAME`/`_PASSWORD`, `MLFLOW_TRACKING_TOKEN`), or their `BOSUN_` twins.
 * Example: `loadClientConfig({ trackingUri: flags.trackingUri }, process.env)`.
 */
export function loadClientConfig(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const trackingUri =
    nonEmpty(flags.trackingUri) ??
    nonEmpty(env.BOSUN_TRACKING_URI) ??
    nonEmpty(env.MLFLOW_TRACKING_URI) ??
    defaultTrackingUri;
  let url: URL;
  try {
    url = new URL(trackingUri);
  } catch {
    throw new InvalidParameterError(
      `Invalid tracking URI '${trackingUri}': expected an http:// or https:// URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidParameterError(
      `Invalid tracking URI '${trackingUri}': expected an http:// or https:// URL`,
    );
  }
  const config: ClientConfig = { trackingUri };
  const token = nonEmpty(env.BOSUN_TRACKING_TOKEN) ?? nonEmpty(env.MLFLOW_TRACKING_TOKEN);
  const username = nonEmpty(env.BOSUN_TRACKING_USERNAME) ?? nonEmpty(env.MLFLOW_TRACKING_USERNAME);
  const password = env.BOSUN_TRACKING_PASSWORD ?? env.MLFLOW_TRACKING_PASSWORD;
  if (token !== undefined) config.token = token;
  if (username !== undefined && password !== undefined) {
    config.username = username;
    config.password = password;
  }
  return config;
}
