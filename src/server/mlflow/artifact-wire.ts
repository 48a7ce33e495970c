import type { FastifyReply } from 'fastify';
import type { ArtifactEntry, ArtifactStore } from '../../artifacts/index.js';
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
 * artifact (HTML, SVG...) is never rendered on the server's origin.
 */
export async function sendArtifact(
  reply: FastifyReply,
  store: ArtifactStore,
  path: string,
): Promise<FastifyReply> {
  const { stream, size } = await store.get(path);
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', size)
    .header('content-disposition', contentDisposition(path.slice(path.lastIndexOf('/') + 1)))
    .header('x-content-type-options', 'nosniff')
    .send(stream);
}
