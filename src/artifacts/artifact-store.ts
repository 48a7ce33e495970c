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
