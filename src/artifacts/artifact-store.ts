/** One entry of a directory listing. `path` is the entry's name relative to the listed directory. */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Size in bytes; absent for directories. */
  fileSize?: number;
}

/**
 * A byte range of a file, as HTTP's `Range: bytes=...` names one: `{ start, end }` with `end` inclusive and clamped
 * to the file's last byte (absent: to the end), or `{ suffix }` for the last `suffix` bytes.
 */
export type ByteRange = { start: number; end?: number } | { suffix: number };

/** Options of `ArtifactStore.get`. */
export interface ArtifactReadOptions {
  /** Read only these bytes; `InvalidParameterError` when the range is malformed or starts past the end. */
  range?: ByteRange;
}

/** An opened file: its bytes, how many the stream yields, and with a range, where they sit in the whole file. */
export interface ArtifactRead {
  stream: NodeJS.ReadableStream;
  /** Bytes `stream` yields (the range's length when a range was asked for). */
  size: number;
  /** Present when a range was asked for: the first and last byte served (inclusive) and the file's size. */
  range?: { start: number; end: number; total: number };
}

/**
 * Where artifact bytes live: a local folder (`LocalArtifactStore`) or an S3-compatible bucket (`S3ArtifactStore`). Paths are '/'-separated and
 * relative to the store's root; every method validates them with `normaliseArtifactPath`, so a caller may pass
 * client input unchanged and nothing outside the root is ever read, written, listed or deleted.
 *
 * Example: `await store.put('0/3f2a.../artifacts/model/MLmodel', Buffer.from('flavors: {}'));
 *           const { stream, size } = await store.get('0/3f2a.../artifacts/model/MLmodel');
 *           await store.list('0/3f2a.../artifacts'); // [{ path: 'model', isDir: true }]`
 */
export interface ArtifactStore {
  /** Writes atomically (readers see the old file or the whole new one, never a part); creates folders. */
  put(path: string, body: NodeJS.ReadableStream | Buffer): Promise<void>;
  /** Opens a file (or a byte range of it) for reading; `NotFoundError` when it is missing or a folder. */
  get(path: string, options?: ArtifactReadOptions): Promise<ArtifactRead>;
  /**
   * Direct children of a folder, sorted by name, each `path` being the child's name (as MLflow's proxied list
   * answers). `''` lists the root. A missing path or a file lists as `[]`.
   */
  list(path: string): Promise<ArtifactEntry[]>;
  /**
   * Removes a file, or a folder and everything under it (`a/b` removes `a/b` and `a/b/...`, never `a/b-c`).
   * Missing paths are ignored; the root is refused.
   */
  delete(path: string): Promise<void>;
}

/** Where a client sends one part of a multipart upload: straight to the storage, by a presigned URL. */
export interface MultipartUploadTarget {
  partNumber: number;
  url: string;
  /** Headers the client must send with the part (none for S3). */
  headers: Record<string, string>;
}

/** A part the client uploaded, as the storage acknowledged it. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/**
 * A store that lets clients upload a large file in parts sent straight to the storage (S3's multipart upload,
 * behind MLflow's `mlflow-artifacts/mpu/create|complete|abort`). The file appears whole at `complete`, or not
 * at all. Paths follow the store's rules (`normaliseArtifactPath`).
 *
 * Example: `if (supportsMultipartUpload(store)) {
 *             const { uploadId, parts } = await store.createMultipartUpload('0/r/artifacts/model.bin', 3);
 *             // the client PUTs each part to parts[i].url and keeps each answer's ETag
 *             await store.completeMultipartUpload('0/r/artifacts/model.bin', uploadId, uploaded); }`
 */
export interface MultipartArtifactStore extends ArtifactStore {
  /** Starts an upload of `numParts` parts (1 to 10,000) and returns where each part goes. */
  createMultipartUpload(
    path: string,
    numParts: number,
  ): Promise<{ uploadId: string; parts: MultipartUploadTarget[] }>;
  /** Joins the uploaded parts (in part order) into the file; `NotFoundError` for an unknown upload. */
  completeMultipartUpload(path: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void>;
  /** Drops an upload and its parts; an unknown or finished upload is ignored. */
  abortMultipartUpload(path: string, uploadId: string): Promise<void>;
}

/** Whether a store takes multipart uploads (the S3 store does, the local one does not). */
export function supportsMultipartUpload(store: ArtifactStore): store is MultipartArtifactStore {
  const candidate = store as Partial<MultipartArtifactStore>;
  return (
    typeof candidate.createMultipartUpload === 'function' &&
    typeof candidate.completeMultipartUpload === 'function' &&
    typeof candidate.abortMultipartUpload === 'function'
  );
}
