import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore, S3Location } from '../../artifacts/index.js';
import { InvalidStateError, NotFoundError } from '../../shared/index.js';
import { checkIndexPath, type LocalArtifactEntry, type S3ArtifactEntry } from './backup-manifest.js';
import { hashFile } from './sqlite-snapshot.js';

/** Every file under a store's root, depth first in name order, with the size the listing gave. */
export async function* walkStore(store: ArtifactStore, folder = ''): AsyncGenerator<{ path: string }> {
  for (const entry of await store.list(folder)) {
    const path = folder === '' ? entry.path : `${folder}/${entry.path}`;
    if (entry.isDir) yield* walkStore(store, path);
    else yield { path };
  }
}

/** Appends JSON lines to a file and hashes what it writes. */
class IndexWriter {
  private readonly out;
  private readonly hash = createHash('sha256');
  constructor(file: string) {
    this.out = createWriteStream(file, { mode: 0o600 });
  }
  async write(entry: object): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    this.hash.update(line);
    if (!this.out.write(line)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }
  async close(): Promise<string> {
    await new Promise<void>((resolve, reject) =>
      this.out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return this.hash.digest('hex');
  }
}

/** What indexing a store found. */
export interface IndexedArtifacts {
  indexSha256: string;
  files: number;
  bytes: number;
  vanished: number;
}

/**
 * Indexes every file of a local store into `indexFile` (path, size, SHA-256) and, when `copyTo` is given,
 * copies each one there in the same read. Files are read through the store, so in-flight uploads (temporary
 * names) and the folders it hides are left out; a file deleted between listing and reading counts as vanished.
 */
export async function indexLocalArtifacts(
  store: ArtifactStore,
  indexFile: string,
  copyTo: string | undefined,
  onFile: (done: number) => void = () => undefined,
): Promise<IndexedArtifacts> {
  const index = new IndexWriter(indexFile);
  let files = 0;
  let bytes = 0;
  let vanished = 0;
  try {
    for await (const { path } of walkStore(store)) {
      let stream: NodeJS.ReadableStream;
      try {
        ({ stream } = await store.get(path));
      } catch (error) {
        if (error instanceof NotFoundError) {
          vanished += 1;
          continue;
        }
        throw error;
      }
      const hash = createHash('sha256');
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      if (copyTo !== undefined) {
        const target = join(copyTo, ...path.split('/'));
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        await pipeline(stream, tap, createWriteStream(target, { mode: 0o600 }));
      } else {
        await pipeline(stream, tap, async (chunks: AsyncIterable<Buffer>) => {
          for await (const _chunk of chunks) void _chunk;
        });
      }
      const entry: LocalArtifactEntry = { path, size, sha256: hash.digest('hex') };
      await index.write(entry);
      files += 1;
      bytes += size;
      onFile(files);
    }
  } catch (error) {
    await index.close().catch(() => undefined);
    throw error;
  }
  return { indexSha256: await index.close(), files, bytes, vanished };
}

/** Indexes every object under an S3 location into `indexFile` (key relative to the prefix, size, ETag). */
export async function indexS3Artifacts(
  client: S3Client,
  location: S3Location,
  indexFile: string,
): Promise<IndexedArtifacts> {
  const index = new IndexWriter(indexFile);
  const prefix = location.prefix === '' ? '' : `${location.prefix}/`;
  let files = 0;
  let bytes = 0;
  let token: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: prefix,
          ...(token !== undefined ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const entry: S3ArtifactEntry = {
          key: object.Key.slice(prefix.length),
          size: object.Size ?? 0,
          etag: (object.ETag ?? '').replaceAll('"', ''),
        };
        await index.write(entry);
        files += 1;
        bytes += entry.size;
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } catch (error) {
    await index.close().catch(() => undefined);
    throw error;
  }
  return { indexSha256: await index.close(), files, bytes, vanished: 0 };
}

/** Reads a local artifact index line by line, checking each entry. */
export async function* readLocalIndex(indexFile: string): AsyncGenerator<LocalArtifactEntry> {
  const lines = createInterface({ input: createReadStream(indexFile), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new InvalidStateError(`The backup is damaged: line ${n} of ${indexFile} is not JSON`);
    }
    const e = parsed as Partial<LocalArtifactEntry>;
    if (typeof e.path !== 'string' || typeof e.size !== 'number' || typeof e.sha256 !== 'string') {
      throw new InvalidStateError(
        `The backup is damaged: line ${n} of ${indexFile} is not an artifact entry`,
      );
    }
    yield { path: checkIndexPath(e.path), size: e.size, sha256: e.sha256 };
  }
}

/** Every file under a plain folder, as '/'-separated relative paths. */
export async function* walkFolder(root: string, rel = ''): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(rel === '' ? root : join(root, ...rel.split('/')), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) yield* walkFolder(root, path);
    else yield path;
  }
}

/** A file of a backup whose bytes are not what its index says. */
export interface ArtifactProblem {
  path: string;
  problem: string;
}

/**
 * Checks the copied artifacts of a backup against its index: every indexed file present with its size and
 * SHA-256, and no file the index does not name.
 */
export async function verifyCopiedArtifacts(indexFile: string, folder: string): Promise<ArtifactProblem[]> {
  const problems: ArtifactProblem[] = [];
  const named = new Set<string>();
  for await (const entry of readLocalIndex(indexFile)) {
    named.add(entry.path);
    const file = join(folder, ...entry.path.split('/'));
    let found: { sha256: string; bytes: number };
    try {
      found = await hashFile(file);
    } catch {
      problems.push({ path: entry.path, problem: 'missing from the backup' });
      continue;
    }
    if (found.bytes !== entry.size) {
      problems.push({
        path: entry.path,
        problem: `size ${found.bytes} bytes, the manifest says ${entry.size}`,
      });
    } else if (found.sha256 !== entry.sha256) {
      problems.push({
        path: entry.path,
        problem: `SHA-256 ${found.sha256}, the manifest says ${entry.sha256}`,
      });
    }
  }
  for await (const path of walkFolder(folder)) {
    if (!named.has(path)) problems.push({ path, problem: 'not in the manifest' });
  }
  return problems;
}
