import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/index.js';
import { normaliseArtifactPath } from '../artifact-path.js';
import type { ArtifactEntry, ArtifactRead, ArtifactReadOptions, ArtifactStore } from '../artifact-store.js';
import { checkByteRange, resolveByteRange } from '../byte-range.js';

/** Name prefix of in-flight uploads; such files are hidden from listings. */
const TEMP_PREFIX = '.bosun-upload-';
const PRIVATE_MODES = { file: 0o600, dir: 0o700 } as const;
/** Before the umask: what `open` and `mkdir` give when no mode is asked for. */
const SHARED_MODES = { file: 0o666, dir: 0o777 } as const;
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
 * How a store treats its folder. The defaults fit the server's own artifact store; a folder clients also write to
 * directly (an experiment's `file://` location with `--no-serve-artifacts`) gets `createRoot: false, shared: true`.
 */
export interface LocalArtifactStoreOptions {
  /** Create the root when first used (default). Without it, a missing root reads as empty; a write creates it. */
  createRoot?: boolean;
  /** Files and folders get the default modes narrowed by the umask (0666/0777), not 0600/0700. */
  shared?: boolean;
  /**
   * Folders never read, listed or written, even when inside the root or reached through a link that stays inside
   * it (the server's database folder when an operator put it inside an artifact root).
   */
  hidden?: readonly string[];
}

/**
 * Artifacts in a folder on the local disk (the default store). Every path is validated, then resolved with
 * `realpath` on its deepest existing ancestor and checked to stay under the root's real path, so a symlink
 * placed inside the root cannot lead outside it. Uploads go to a random temporary file in the target folder,
 * are fsynced, then renamed over the final name (which replaces a symlink rather than following it). Files are
 * created 0600 and folders 0700, unless `options.shared` (see `LocalArtifactStoreOptions`).
 *
 * Example: `const store = new LocalArtifactStore('/srv/bosun/artifacts');
 *           await store.put('0/abc/artifacts/f.txt', Buffer.from('hi'));`
 */
export class LocalArtifactStore implements ArtifactStore {
  private rootReal: Promise<string> | undefined;
  private hiddenReal: Promise<string[]> | undefined;
  private readonly modes: { file: number; dir: number };

  constructor(
    private readonly root: string,
    private readonly options: LocalArtifactStoreOptions = {},
  ) {
    this.modes = options.shared === true ? SHARED_MODES : PRIVATE_MODES;
  }

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
      this.modes.file,
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

  async get(path: string, options: ArtifactReadOptions = {}): Promise<ArtifactRead> {
    const rel = normaliseArtifactPath(path);
    if (options.range) checkByteRange(options.range);
    if (!(await this.rootExists())) throw notFound(rel);
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
    if (options.range === undefined) return { stream: handle.createReadStream(), size: info.size };
    let span: { start: number; end: number };
    try {
      span = resolveByteRange(options.range, info.size);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return {
      stream: handle.createReadStream(span),
      size: span.end - span.start + 1,
      range: { ...span, total: info.size },
    };
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const rel = normaliseArtifactPath(path, { allowRoot: true });
    if (!(await this.rootExists())) return [];
    const { base, missing } = await this.locate(rel, rel === '' ? [] : rel.split('/'));
    if (missing.length > 0) return [];
    const root = await this.realRoot();
    const hidden = await this.realHidden();
    let names: string[];
    try {
      names = await readdir(base);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return [];
      throw error;
    }
    const entries = await Promise.all(names.map((name) => describeEntry(root, hidden, base, name)));
    return entries
      .filter((entry): entry is ArtifactEntry => entry !== null)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    const rel = normaliseArtifactPath(path);
    const segments = rel.split('/');
    const name = segments.pop() ?? rel;
    if (!(await this.rootExists())) return;
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

  /** The root's real path; created first (and remembered) unless `createRoot: false` and it is missing. */
  private realRoot(): Promise<string> {
    if (this.rootReal === undefined) {
      const pending = mkdir(this.root, { recursive: true, mode: this.modes.dir }).then(() =>
        realpath(this.root),
      );
      pending.catch(() => {
        this.rootReal = undefined;
      });
      this.rootReal = pending;
    }
    return this.rootReal;
  }

  /** Whether reading may go on: always for a root the store creates; for another, whether it exists now. */
  private async rootExists(): Promise<boolean> {
    if (this.options.createRoot !== false || this.rootReal !== undefined) return true;
    try {
      this.rootReal = Promise.resolve(await realpath(this.root));
      return true;
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return false;
      throw error;
    }
  }

  /** Real paths of the hidden folders (their own path while they do not exist). */
  private realHidden(): Promise<string[]> {
    this.hiddenReal ??= Promise.all(
      (this.options.hidden ?? []).map((folder) => realpath(folder).catch(() => resolve(folder))),
    );
    return this.hiddenReal;
  }

  private async locate(rel: string, segments: string[]): Promise<Located> {
    const root = await this.realRoot();
    const hidden = await this.realHidden();
    const checked = (real: string): string => {
      if (!isInside(root, real))
        throw new InvalidParameterError(`Invalid path: ${rel} (leads outside the artifact root)`);
      if (hidden.some((folder) => isInside(folder, real)))
        throw new InvalidParameterError(
          `Invalid path: ${rel} (leads into a folder the server keeps private)`,
        );
      return real;
    };
    for (let depth = segments.length; depth > 0; depth--) {
      let real: string;
      try {
        real = await realpath(join(root, ...segments.slice(0, depth)));
      } catch (error) {
        if (hasCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP')) continue;
        throw error;
      }
      return { base: checked(real), missing: segments.slice(depth) };
    }
    return { base: checked(root), missing: segments };
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
        await mkdir(next, { mode: this.modes.dir });
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

/**
 * One listing entry, or `null` for in-flight uploads, odd names, special files, links leaving the root and
 * anything in a hidden folder.
 */
async function describeEntry(
  root: string,
  hidden: readonly string[],
  dir: string,
  name: string,
): Promise<ArtifactEntry | null> {
  if (name.startsWith(TEMP_PREFIX)) return null;
  try {
    if (normaliseArtifactPath(name) !== name) return null;
  } catch {
    return null;
  }
  try {
    const full = join(dir, name);
    if (hidden.some((folder) => isInside(folder, full))) return null;
    let info = await lstat(full);
    if (info.isSymbolicLink()) {
      const real = await realpath(full);
      if (!isInside(root, real) || hidden.some((folder) => isInside(folder, real))) return null;
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
