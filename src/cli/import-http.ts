import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { BosunClientError, type FetchFn } from '../client/index.js';
import { InvalidParameterError } from '../shared/index.js';

/** A JSON object as a server sent it (MLflow's wire format: snake_case, int64 as numbers). */
export type WireObject = Record<string, unknown>;

/** Query-string values; arrays repeat the key. */
export type WireQuery = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Where a server is and how to sign in to it. */
export interface WireEndpoint {
  baseUrl: string;
  token?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

/** Errors worth another try: nothing answered, or the server said it is busy or failed for a moment. */
function retryable(error: BosunClientError): boolean {
  return error.status === 0 || error.status === 429 || error.status === 502 || error.status === 503;
}

/**
 * How transient failures are retried: `retries` more attempts after the first, pausing
 * `backoffMs * 2^(n - 1)` before the n-th retry. Read from MLflow's own settings by `retryPolicyOf`.
 */
export interface RetryPolicy {
  retries: number;
  backoffMs: number;
}

/** 3 retries, pausing 0.5 s, 1 s and 2 s. */
export const defaultRetryPolicy: RetryPolicy = { retries: 3, backoffMs: 500 };

function settingOf(env: NodeJS.ProcessEnv, name: string, integer: boolean, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new InvalidParameterError(
      `Invalid ${name} '${text}': expected ${integer ? 'an integer' : 'a number'} from 0 to ${max}`,
    );
  }
  return value;
}

/**
 * The retry policy set by the variables the `mlflow` client reads: MLFLOW_HTTP_REQUEST_MAX_RETRIES (retries
 * after the first attempt) and MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR (seconds; the n-th retry waits
 * factor * 2^(n - 1)). Unset: `defaultRetryPolicy`.
 */
export function retryPolicyOf(env: NodeJS.ProcessEnv): RetryPolicy {
  const retries = settingOf(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', true, 100);
  const factor = settingOf(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', false, 600);
  return {
    retries: retries ?? defaultRetryPolicy.retries,
    backoffMs: factor === undefined ? defaultRetryPolicy.backoffMs : Math.round(factor * 1000),
  };
}

function isRecord(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The importer's HTTP client for one server (the MLflow source or the Bosun target): JSON calls that keep the
 * wire format as it is (metric values such as "NaN" pass through untouched), file downloads as streams and
 * uploads from streams, so an artifact is never held in memory whole. Transient failures (nothing answered,
 * 429, 502, 503) are retried with a growing pause (`RetryPolicy`); other errors are `BosunClientError`s carrying
 * the server's `error_code`.
 * Example: `const runs = await source.json('POST', '/api/2.0/mlflow/runs/search', { body: { experiment_ids: ['1'] } })`.
 */
export class WireClient {
  readonly baseUrl: string;
  private readonly authorization: string | undefined;
  private readonly fetchFn: FetchFn;

  private readonly retry: RetryPolicy;

  constructor(endpoint: WireEndpoint, fetchFn?: FetchFn, retry: RetryPolicy = defaultRetryPolicy) {
    this.retry = retry;
    let url: URL;
    try {
      url = new URL(endpoint.baseUrl);
    } catch {
      throw new InvalidParameterError(
        `Invalid URL '${endpoint.baseUrl}': expected an http:// or https:// URL`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidParameterError(
        `Invalid URL '${endpoint.baseUrl}': expected an http:// or https:// URL`,
      );
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.fetchFn = fetchFn ?? ((input, init) => fetch(input, init));
    if (endpoint.username !== undefined && endpoint.password !== undefined) {
      this.authorization = `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`, 'utf8').toString('base64')}`;
    } else if (endpoint.token !== undefined && endpoint.token !== '') {
      this.authorization = `Bearer ${endpoint.token}`;
    }
  }

  private url(path: string, query: WireQuery = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
      else params.append(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': 'bosun-import', ...extra };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    return headers;
  }

  private async withRetries<T>(what: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await what();
      } catch (error) {
        if (!(error instanceof BosunClientError) || !retryable(error) || attempt > this.retry.retries) {
          throw error;
        }
        await sleep(this.retry.backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async send(method: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, { ...init, method });
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new BosunClientError('TEMPORARILY_UNAVAILABLE', 0, `Cannot reach ${this.baseUrl}: ${cause}`);
    }
  }

  private async failure(method: string, path: string, response: Response): Promise<BosunClientError> {
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isRecord(parsed) && typeof parsed.error_code === 'string') {
      const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${response.status}`;
      return new BosunClientError(parsed.error_code, response.status, message);
    }
    const code = response.status === 404 ? 'ENDPOINT_NOT_FOUND' : `HTTP_${response.status}`;
    const snippet = text.trim().slice(0, 200);
    return new BosunClientError(
      code,
      response.status,
      `${method} ${this.baseUrl}${path} failed with HTTP ${response.status}${snippet === '' ? '' : `: ${snippet}`}`,
    );
  }

  /** A JSON call; the answer must be a JSON object. */
  json(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    options: { query?: WireQuery; body?: WireObject } = {},
  ): Promise<WireObject> {
    return this.withRetries(async () => {
      const headers = this.headers(
        options.body !== undefined
          ? { accept: 'application/json', 'content-type': 'application/json' }
          : { accept: 'application/json' },
      );
      const response = await this.send(method, this.url(path, options.query), {
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      if (response.status !== 200) throw await this.failure(method, path, response);
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!isRecord(parsed)) {
        throw new BosunClientError(
          'INTERNAL_ERROR',
          200,
          `${method} ${path} answered 200 without a JSON object`,
        );
      }
      return parsed;
    });
  }

  /** Downloads a file as a stream (the caller must consume or cancel it). */
  download(path: string, query: WireQuery = {}): Promise<Readable> {
    return this.withRetries(async () => {
      const response = await this.send('GET', this.url(path, query), { headers: this.headers() });
      if (response.status !== 200) throw await this.failure('GET', path, response);
      if (response.body === null) return Readable.from([]);
      return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    });
  }

  /**
   * Uploads a stream as the raw body of a `PUT` (no retry: a stream can be read once; the importer retries the
   * whole copy instead).
   */
  async upload(path: string, body: Readable): Promise<void> {
    const response = await this.send('PUT', this.url(path), {
      headers: this.headers({ 'content-type': 'application/octet-stream' }),
      body: Readable.toWeb(body) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
    if (response.status !== 200) throw await this.failure('PUT', path, response);
    await response.arrayBuffer();
  }
}

/** Reads a string member, or `undefined`. */
export function str(object: WireObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

/** Reads an integer member (MLflow sends int64 as numbers, sometimes as strings), or `undefined`. */
export function int(object: WireObject, key: string): number | undefined {
  const value = object[key];
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/** Reads an array of objects member (absent: empty). */
export function objects(object: WireObject, key: string): WireObject[] {
  const value = object[key];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Reads an object member (absent: empty). */
export function obj(object: WireObject, key: string): WireObject {
  const value = object[key];
  return isRecord(value) ? value : {};
}

/** A key and value as MLflow sends params and tags. */
export interface KeyValue {
  key: string;
  value: string;
}

/** `[{key, value}]` as sent (missing members read as empty strings). */
export function keyValues(list: WireObject[]): KeyValue[] {
  return list.map((kv) => ({ key: str(kv, 'key') ?? '', value: str(kv, 'value') ?? '' }));
}

/** A registered model version as MLflow's `model-versions/search` answers it (on the source and the target). */
export interface WireModelVersion {
  version: number;
  source: string;
  runId?: string;
  description: string;
  stage: string;
  status: string;
  tags: KeyValue[];
}

/** Quotes a registered model name for MLflow's `name = ...` filter. */
export function nameFilter(name: string): string {
  return name.includes("'") ? `name = "${name}"` : `name = '${name}'`;
}

/** Every version of a registered model on a server speaking MLflow's API (every page), oldest first. */
export async function searchModelVersions(http: WireClient, name: string): Promise<WireModelVersion[]> {
  const all: WireModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await http.json('GET', '/api/2.0/mlflow/model-versions/search', {
      query: { filter: nameFilter(name), max_results: 1000, page_token: pageToken },
    });
    for (const v of objects(page, 'model_versions')) {
      if (str(v, 'name') !== name) continue;
      const runId = str(v, 'run_id');
      all.push({
        version: int(v, 'version') ?? 0,
        source: str(v, 'source') ?? '',
        ...(runId ? { runId } : {}),
        description: str(v, 'description') ?? '',
        stage: str(v, 'current_stage') ?? 'None',
        status: str(v, 'status') ?? 'READY',
        tags: keyValues(objects(v, 'tags')),
      });
    }
    pageToken = str(page, 'next_page_token') || undefined;
  } while (pageToken !== undefined);
  return all.sort((a, b) => a.version - b.version);
}
