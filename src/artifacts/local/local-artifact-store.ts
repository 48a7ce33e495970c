import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/index.js';
import { normaliseArtifactPath } from '../artifact-path.js';
import type { ArtifactEntry, ArtifactStore } from '../artifact-store.js';

/** Name prefix of in-flight uploads; such files are hidden from listings. */
const TEMP_PREFIX = '.bosun-upload-';
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && 'code' in error && codes.includes(String(error.code));
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Where a path lands: the real path of its deepest existing ancestor, and the names below it not there yet. */
interface Located {
  base: string;
  missing: string[];
}

/**
 * Artifacts in a folder on the local disk (the default store). Every path is validated, then resolved with
 * `realpath` on its deepest existing ancestor and checked to stay under the root's real path, so a symlink
 * placed inside the root cannot lead outside it. Uploads go to a random temporary file in the target folder,
 * are fsynced, then renamed over the final name (which replaces a symlink rather than following it). Files are
 * created 0600 and folders 0700.
 *
 * Example: `const store = new LocalArtifactStore('/srv/bosun/artifacts');
 *           await store.put('0/abc/artifacts/f.txt', Buffer.from('hi'));`
 */
export class LocalArtifactStore implements ArtifactStore {
  private rootReal: Promise<string> | undefined;

  constructor(private readonly root: string) {}

  async put(path: string, body: NodeJS.ReadableStream | Buffer): Promise<void> {
    const rel = normaliseArtifactPath(path);
    const segments = rel.split('/');
    const name = segments.pop() ?? rel;
    const dir = await this.ensureDir(rel, segments);
    const target = join(dir, name);
    const existing = await lstat(target).catch((error: unknown) => {
      if (hasCode(error, 'ENOENT')) return null;
      throw error;
    });
    if (existing?.isDirectory())
      throw new InvalidParameterError(`Cannot write '${rel}': a folder exists there`);

    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
      FILE_MODE,
    );
    try {
      await writeBody(handle, body, rel);
      await handle.sync();
      await handle.close();
      await rename(temp, target);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDir(dir);
  }

  async get(path: string): Promise<{ stream: NodeJS.ReadableStream; size: number }> {
    const rel = normaliseArtifactPath(path);
    const { base, missing } = await this.locate(rel, rel.split('/'));
    if (missing.length > 0) throw notFound(rel);
    let handle: FileHandle;
    try {
      handle = await open(base, constants.O_RDONLY | O_NOFOLLOW);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP', 'EISDIR')) throw notFound(rel);
      throw error;
    }
    const info = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!info.isFile()) {
      await handle.close();
      throw notFound(rel);
    }
    return { stream: handle.createReadStream(), size: info.size };
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const rel = normaliseArtifactPath(path, { allowRoot: true });
    const { base, missing } = await this.locate(rel, rel === '' ? [] : rel.split('/'));
    if (missing.length > 0) return [];
    const root = await this.realRoot();
    let names: string[];
    try {
      names = await readdir(base);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return [];
      throw error;
    }
    const entries = await Promise.all(names.map((name) => describeEntry(root, base, name)));
    return entries
      .filter((entry): entry is ArtifactEntry => entry !== null)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    const rel = normaliseArtifactPath(path);
    const segments = rel.split('/');
    const name = segments.pop() ?? rel;
    const { base, missing } = await this.locate(rel, segments);
    if (missing.length > 0) return;
    const target = join(base, name);
    try {
      await lstat(target);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return;
      throw error;
    }
    // rm does not follow a symlink it is given, nor the ones it meets inside a folder.
    await rm(target, { recursive: true, force: true });
  }

  private realRoot(): Promise<string> {
    if (this.rootReal === undefined) {
      const pending = mkdir(this.root, { recursive: true, mode: DIR_MODE }).then(() => realpath(this.root));
      pending.catch(() => {
        this.rootReal = undefined;
      });
      this.rootReal = pending;
    }
    return this.rootReal;
  }

  private async locate(rel: string, segments: string[]): Promise<Located> {
    const root = await this.realRoot();
    for (let depth = segments.length; depth > 0; depth--) {
      let real: string;
      try {
        real = await realpath(join(root, ...segments.slice(0, depth)));
      } catch (error) {
        if (hasCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP')) continue;
        throw error;
      }
      if (!isInside(root, real))
        throw new InvalidParameterError(`Invalid path: ${rel} (leads outside the artifact root)`);
      return { base: real, missing: segments.slice(depth) };
    }
    return { base: root, missing: segments };
  }

  /** Creates the folders of `segments` one level at a time, refusing anything that is not a real folder. */
  private async ensureDir(rel: string, segments: string[]): Promise<string> {
    const { base, missing } = await this.locate(rel, segments);
    if (!(await stat(base)).isDirectory())
      throw new InvalidParameterError(`Cannot write '${rel}': a file is in the way`);
    let current = base;
    for (const name of missing) {
      const next = join(current, name);
      try {
        await mkdir(next, { mode: DIR_MODE });
      } catch (error) {
        if (!hasCode(error, 'EEXIST')) throw error;
      }
      if (!(await lstat(next)).isDirectory()) {
        throw new InvalidParameterError(`Cannot write '${rel}': a file or link is in the way`);
      }
      current = next;
    }
    return current;
  }
}

function notFound(rel: string): NotFoundError {
  return new NotFoundError(`Artifact '${rel}' does not exist`);
}

async function writeBody(
  handle: FileHandle,
  body: NodeJS.ReadableStream | Buffer,
  rel: string,
): Promise<void> {
  if (Buffer.isBuffer(body)) {
    await handle.writeFile(body);
    return;
  }
  const chunks = body[Symbol.asyncIterator]();
  for (;;) {
    let step: IteratorResult<string | Buffer>;
    try {
      step = await chunks.next();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BosunError('BAD_REQUEST', `Upload of '${rel}' was interrupted: ${reason}`);
    }
    if (step.done === true) return;
    const chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
    try {
      await handle.write(chunk);
    } catch (error) {
      await chunks.return?.();
      throw error;
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot open or fsync a folder; the rename is already done.
  }
}

/** One listing entry, or `null` for in-flight uploads, odd names, special files and links leaving the root. */
async function describeEntry(root: string, dir: string, name: string): Promise<ArtifactEntry | null> {
  if (name.startsWith(TEMP_PREFIX)) return null;
  try {
    if (normaliseArtifactPath(name) !== name) return null;
  } catch {
    return null;
  }
  try {
    const full = join(dir, name);
    let info = await lstat(full);
    if (info.isSymbolicLink()) {
      const real = await realpath(full);
      if (!isInside(root, real)) return null;
      info = await stat(real);
    }
    if (info.isDirectory()) return { path: name, isDir: true };
    if (info.isFile()) return { path: name, isDir: false, fileSize: info.size };
    return null;
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP')) return null;
    throw error;
  }
}
