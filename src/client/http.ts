import { InvalidParameterError } from '../shared/index.js';

/**
 * An error answer from the tracking server (or a failure to reach it). `errorCode` is the server's
 * `error_code` (MLflow's names: `RESOURCE_DOES_NOT_EXIST`, `INVALID_PARAMETER_VALUE`, ...), so callers can branch
 * on it the way the MLflow client does. `status` is the HTTP status, 0 when no answer arrived.
 *
 * Example: `try { await client.getRun(id) } catch (e) { if (e instanceof BosunClientError && e.errorCode ===
 * 'RESOURCE_DOES_NOT_EXIST') ... }`
 */
export class BosunClientError extends Error {
  constructor(
    readonly errorCode: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'BosunClientError';
  }
}

/** The global `fetch` signature; passed in so tests or callers can wrap it. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Tracking server root, e.g. `http://127.0.0.1:5000`; a path prefix (`http://h/mlflow`) is kept. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` unless username and password are given. */
  token?: string;
  username?: string;
  password?: string;
  fetch?: FetchFn;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Error code MLflow's client derives from an HTTP status when the error body is not JSON. */
function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'ENDPOINT_NOT_FOUND';
    case 409:
      return 'RESOURCE_ALREADY_EXISTS';
    case 429:
      return 'REQUEST_LIMIT_EXCEEDED';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 503:
      return 'TEMPORARILY_UNAVAILABLE';
    default:
      return 'INTERNAL_ERROR';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Checks a base URL and drops its trailing slashes. Throws `InvalidParameterError` for anything but http(s). */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InvalidParameterError(`Invalid tracking URI '${baseUrl}': expected an http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidParameterError(`Invalid tracking URI '${baseUrl}': expected an http:// or https:// URL`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidParameterError(
      `Invalid tracking URI '${baseUrl}': it may not carry a query or fragment`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** Sends JSON requests to one server and turns every non-200 answer into a `BosunClientError`. */
export class HttpTransport {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly authorization: string | undefined;

  constructor(options: HttpOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    if (options.username !== undefined && options.password !== undefined) {
      const basic = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
      this.authorization = `Basic ${basic}`;
    } else if (options.token !== undefined && options.token !== '') {
      this.authorization = `Bearer ${options.token}`;
    }
  }

  get(path: string, query: Record<string, QueryValue> = {}): Promise<Record<string, unknown>> {
    return this.request('GET', path, { query });
  }

  post(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.send('POST', path, body);
  }

  /** Any method, with an optional query and JSON body (MLflow's DELETE and PATCH calls carry bodies). */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options: { query?: Record<string, QueryValue>; body?: Record<string, unknown> } = {},
  ): Promise<Record<string, unknown>> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        for (const item of value as readonly string[]) params.append(key, item);
      } else {
        params.append(key, String(value));
      }
    }
    const search = params.toString();
    return this.send(method, search === '' ? path : `${path}?${search}`, options.body);
  }

  private async send(
    method: string,
    path: string,
    body: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown>> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'bosun-client' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.authorization !== undefined) headers.authorization = this.authorization;

    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      text = await response.text();
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new BosunClientError(
        'TEMPORARILY_UNAVAILABLE',
        0,
        `Cannot reach the tracking server at ${this.baseUrl}: ${cause}`,
      );
    }

    const parsed = text.trim() === '' ? {} : parseJson(text);
    if (response.status !== 200) {
      if (isRecord(parsed) && typeof parsed.error_code === 'string') {
        const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${response.status}`;
        throw new BosunClientError(parsed.error_code, response.status, message);
      }
      const snippet = text.trim().slice(0, 200);
      throw new BosunClientError(
        codeForStatus(response.status),
        response.status,
        `${method} ${path} failed with HTTP ${response.status}${snippet === '' ? '' : `: ${snippet}`}`,
      );
    }
    if (!isRecord(parsed)) {
      throw new BosunClientError(
        'INTERNAL_ERROR',
        response.status,
        `${method} ${path} answered 200 but the body is not a JSON object`,
      );
    }
    return parsed;
  }
}
