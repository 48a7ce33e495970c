/** One entry of a directory listing. `path` is the entry's name relative to the listed directory. */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Size in bytes; absent for directories. */
  fileSize?: number;
}

/**
 * Where artifact bytes live: a local folder today, an S3-compatible bucket later. Paths are '/'-separated and
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
  /** Opens a file for reading; `NotFoundError` when it is missing or a folder. */
  get(path: string): Promise<{ stream: NodeJS.ReadableStream; size: number }>;
  /**
   * Direct children of a folder, sorted by name, each `path` being the child's name (as MLflow's proxied list
   * answers). `''` lists the root. A missing path or a file lists as `[]`.
   */
  list(path: string): Promise<ArtifactEntry[]>;
  /** Removes a file, or a folder and everything under it. Missing paths are ignored; the root is refused. */
  delete(path: string): Promise<void>;
}
