import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import { RangeNotSatisfiableError, parseRangeHeader } from '../../artifacts/index.js';
import type { ArtifactEntry, ArtifactRead, ArtifactStore } from '../../artifacts/index.js';
import { InvalidParameterError } from '../../shared/index.js';

/** MLflow's wire form of a listing entry (`FileInfo`). */
export interface FileInfoJson {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export function toFileInfo(entry: ArtifactEntry): FileInfoJson {
  return entry.isDir
    ? { path: entry.path, is_dir: true }
    : { path: entry.path, is_dir: false, file_size: entry.fileSize ?? 0 };
}

/** A single query-string value; a repeated parameter is refused rather than one of its values picked. */
export function queryParam(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const value = (query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidParameterError(`Invalid value for parameter '${name}': expected a single string`);
  }
  return value;
}

/** `attachment` with the name in plain ASCII and in RFC 5987 form, so no browser renders the file inline. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Streams one file of a store as a download: `application/octet-stream`, `nosniff` and `attachment`, so that an
 * artifact (HTML, SVG...) is never rendered on the server's origin. With the request's headers, a single
 * `Range: bytes=...` is answered with 206 Partial Content and `Content-Range` (only those bytes are read from the
 * store), a range past the end with 416 and `Content-Range: bytes *\/size`; several ranges, a malformed header or
 * an `If-Range` (the server sends no validators, so none can be shown to match) get the whole file with 200, as
 * RFC 9110 allows. Every answer says `Accept-Ranges: bytes`.
 */
export async function sendArtifact(
  reply: FastifyReply,
  store: ArtifactStore,
  path: string,
  headers: IncomingHttpHeaders = {},
): Promise<FastifyReply> {
  const range = headers['if-range'] === undefined ? parseRangeHeader(headers.range) : undefined;
  let read: ArtifactRead;
  try {
    read = await store.get(path, range === undefined ? {} : { range });
  } catch (error) {
    if (!(error instanceof RangeNotSatisfiableError)) throw error;
    return reply
      .code(416)
      .header('accept-ranges', 'bytes')
      .header('content-range', `bytes */${error.total}`)
      .send({ error_code: error.code, message: error.message });
  }
  reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', read.size)
    .header('accept-ranges', 'bytes')
    .header('content-disposition', contentDisposition(path.slice(path.lastIndexOf('/') + 1)))
    .header('x-content-type-options', 'nosniff');
  if (read.range !== undefined) {
    const { start, end, total } = read.range;
    reply.code(206).header('content-range', `bytes ${start}-${end}/${total}`);
  }
  return reply.send(read.stream);
}
