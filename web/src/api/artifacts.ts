/**
 * Reading artifacts through the server: listings (`artifacts/list` for a run, `logged-models/{id}/artifacts/
 * directories` for a logged model) and files (`/get-artifact`, `logged-models/{id}/artifacts/files`), which the
 * server sends as downloads (`application/octet-stream`, `attachment`), never rendered on its origin.
 * Files are read as streams, a chunk at a time (`ArtifactReader`), so a 2 GB log is never loaded whole.
 */
import { ApiError } from './api-error';
import { callApi } from './http';

/** Whose artifacts: a run's or a logged model's. */
export type ArtifactSource = { kind: 'run'; runId: string } | { kind: 'logged-model'; modelId: string };

/** One entry of a listing: `path` is relative to the artifact root (`model/MLmodel`). */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Bytes; absent for folders. */
  size?: number;
}

function readEntries(files: unknown): ArtifactEntry[] {
  if (!Array.isArray(files)) return [];
  return files.flatMap((f: unknown): ArtifactEntry[] => {
    if (typeof f !== 'object' || f === null) return [];
    const o = f as Record<string, unknown>;
    if (typeof o.path !== 'string') return [];
    const entry: ArtifactEntry = { path: o.path, isDir: o.is_dir === true };
    const size = Number(o.file_size);
    if (!entry.isDir && o.file_size !== undefined && Number.isFinite(size)) entry.size = size;
    return [entry];
  });
}

/** The entries of one folder (`''` is the root), folders first, then by name. */
export async function listArtifacts(
  source: ArtifactSource,
  path: string,
  signal?: AbortSignal,
): Promise<ArtifactEntry[]> {
  const url =
    source.kind === 'run'
      ? `/api/2.0/mlflow/artifacts/list?run_id=${encodeURIComponent(source.runId)}&path=${encodeURIComponent(path)}`
      : `/api/2.0/mlflow/logged-models/${encodeURIComponent(source.modelId)}/artifacts/directories` +
        `?artifact_directory_path=${encodeURIComponent(path)}`;
  const answer = await callApi('GET', url, undefined, signal);
  return readEntries(answer.files).sort((a, b) =>
    a.isDir === b.isDir ? a.path.localeCompare(b.path) : a.isDir ? -1 : 1,
  );
}

/** The URL of one file (relative, so a server under a path prefix works); the server answers it as a download. */
export function artifactUrl(source: ArtifactSource, path: string): string {
  return source.kind === 'run'
    ? `get-artifact?run_id=${encodeURIComponent(source.runId)}&path=${encodeURIComponent(path)}`
    : `ajax-api/2.0/mlflow/logged-models/${encodeURIComponent(source.modelId)}/artifacts/files` +
        `?artifact_file_path=${encodeURIComponent(path)}`;
}

async function refused(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof body.message === 'string') {
      return new ApiError(String(body.error_code ?? 'HTTP_ERROR'), response.status, body.message);
    }
  } catch {
    // Not the API's JSON error: say what the status was.
  }
  return new ApiError('HTTP_ERROR', response.status, `The server answered ${response.status}.`);
}

/**
 * One artifact file read as a stream, a chunk at a time: `read(n)` returns the next bytes up to about `n` (fewer at
 * the end), `done` says the whole file has been read. `cancel()` stops the download (the rest is never sent).
 * Example: `const r = await ArtifactReader.open(source, 'logs/train.log'); const head = await r.read(256 * 1024);`
 */
export class ArtifactReader {
  private pending: Uint8Array = new Uint8Array(0);
  private finished = false;
  private bytesRead = 0;

  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    /** The file's size as the server declared it (Content-Length), when it did. */
    readonly size: number | undefined,
  ) {}

  static async open(source: ArtifactSource, path: string, signal?: AbortSignal): Promise<ArtifactReader> {
    let response: Response;
    try {
      response = await fetch(artifactUrl(source, path), {
        credentials: 'same-origin',
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError('NETWORK_ERROR', 0, `The server could not be reached (${String(err)}).`);
    }
    if (!response.ok) throw await refused(response);
    if (response.body === null) throw new ApiError('MALFORMED_RESPONSE', response.status, 'No file content.');
    const length = response.headers.get('content-length');
    const size = length === null || !Number.isFinite(Number(length)) ? undefined : Number(length);
    return new ArtifactReader(response.body.getReader(), size);
  }

  get done(): boolean {
    return this.finished && this.pending.length === 0;
  }

  /** Bytes handed out by `read` so far. */
  get offset(): number {
    return this.bytesRead;
  }

  async read(max: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [this.pending];
    let have = this.pending.length;
    while (have < max && !this.finished) {
      const { done, value } = await this.reader.read();
      if (done) this.finished = true;
      else {
        parts.push(value);
        have += value.length;
      }
    }
    const all = concat(parts, have);
    const out = all.subarray(0, Math.min(max, all.length));
    this.pending = all.subarray(out.length);
    this.bytesRead += out.length;
    if (this.finished && this.pending.length === 0) this.reader.releaseLock();
    return out;
  }

  /** Stops reading: the rest of the file is not downloaded. */
  cancel(): void {
    if (!this.finished) {
      this.finished = true;
      this.pending = new Uint8Array(0);
      void this.reader.cancel().catch(() => undefined);
    }
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A whole small file as text, refusing (with a clear message) one larger than `maxBytes`. */
export async function readArtifactText(
  source: ArtifactSource,
  path: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<string> {
  const reader = await ArtifactReader.open(source, path, signal);
  const bytes = await reader.read(maxBytes + 1);
  reader.cancel();
  if (bytes.length > maxBytes) {
    throw new ApiError('TOO_LARGE', 0, `${path} is larger than ${Math.round(maxBytes / 1024)} KB.`);
  }
  return new TextDecoder().decode(bytes);
}
