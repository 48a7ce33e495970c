import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';

const run = promisify(execFile);

/** A pipeline's code folder packed for workers: a gzipped tar, named by the SHA-256 of its bytes. */
export interface CodeBundle {
  /** Hex SHA-256 of `bytes`: the bundle's name in the artifact store and the workers' cache. */
  digest: string;
  bytes: Buffer;
  /** How many files it holds. */
  files: number;
}

/** Why a code folder cannot be packed (too big, unreadable); the attempt fails with this message. */
export class CodeBundleError extends Error {
  override readonly name = 'CodeBundleError';
}

/** Folders never packed when the code folder is not a git work tree (caches, environments, VCS data). */
const SKIPPED_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
]);

/** A file of a code folder: its path relative to the folder and its size (a link's own size, not its target's). */
export interface CodeFile {
  name: string;
  size: number;
}

/**
 * The files of a code folder, relative to it, sorted by name (so that the same files make the same bundle): in a
 * git work tree what git would commit (tracked files and untracked ones not ignored, `git ls-files --cached
 * --others --exclude-standard`: `.gitignore` is obeyed, deleted files left out); elsewhere every file under it but
 * the folders in `SKIPPED_DIRS`. Symbolic links are kept as links; nothing outside the folder is followed. Each
 * file is looked at once (one `lstat`), which gives both whether to keep it and its size.
 */
export async function codeFiles(dir: string): Promise<CodeFile[]> {
  const fromGit = await gitFiles(dir);
  const names = fromGit ?? (await walk(dir, ''));
  const kept: CodeFile[] = [];
  for (const name of names) {
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info !== undefined && (info.isFile() || info.isSymbolicLink())) kept.push({ name, size: info.size });
  }
  return kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function gitFiles(dir: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await run(
      'git',
      ['-C', dir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      { maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' },
    );
    return stdout
      .toString('utf8')
      .split('\0')
      .filter((name) => name !== '');
  } catch {
    return undefined; // not a work tree, or no git
  }
}

async function walk(root: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...(await walk(root, name)));
    } else if (entry.isFile() || entry.isSymbolicLink()) out.push(name);
  }
  return out;
}

/**
 * Packs a code folder (see `codeFiles`) into a bundle. The tar is made reproducible: sorted entries, portable
 * headers (no owner, group or device), every mtime set to 0; file modes are kept (an executable stays one). So
 * the same files always give the same digest, and a worker that has a digest already never fetches it again.
 *
 * @throws CodeBundleError when the files add up to more than `maxBytes`, or one cannot be read.
 */
export async function packCodeFolder(dir: string, maxBytes: number): Promise<CodeBundle> {
  let files: CodeFile[];
  try {
    files = await codeFiles(dir);
  } catch (err) {
    throw new CodeBundleError(`cannot read the code folder ${dir}: ${(err as Error).message}`);
  }
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (total > maxBytes) {
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    throw new CodeBundleError(
      `the code folder ${dir} holds ${mb(total)} MB in ${files.length} files, over the ${mb(maxBytes)} MB ` +
        'limit for shipping code to workers (--code-bundle-max-mb); leave data out of it (a .gitignore ' +
        'entry in a git work tree), raise the limit, or use --worker-code shared with the code at the same ' +
        'path on every worker',
    );
  }
  const chunks: Buffer[] = [];
  try {
    const stream = tar.create(
      { cwd: dir, gzip: { level: 6 }, portable: true, mtime: new Date(0), noDirRecurse: true },
      // An empty folder is an archive of its own entry alone (node-tar packs no empty list).
      files.length > 0 ? files.map((file) => file.name) : ['.'],
    );
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (err) {
    throw new CodeBundleError(`cannot pack the code folder ${dir}: ${(err as Error).message}`);
  }
  const bytes = Buffer.concat(chunks);
  return { digest: createHash('sha256').update(bytes).digest('hex'), bytes, files: files.length };
}

/** The artifact path (under the pipeline run's own artifacts) of a bundle. */
export function codeBundlePath(digest: string): string {
  return `bosun/code/${digest}.tar.gz`;
}

/**
 * Unpacks a bundle into `<cacheDir>/<digest>` unless it is there already, and returns that folder. The bytes are
 * checked against the digest first (a corrupt or substituted download is refused, not run). It unpacks into a
 * temporary sibling and renames it into place, so a half-unpacked folder is never used, and two attempts that
 * unpack the same bundle at once both end with one complete folder. Entries that would land outside the folder
 * (absolute paths, `..`) are refused by node-tar's defaults (`preservePaths: false`).
 *
 * @throws CodeBundleError when the bytes do not match the digest or cannot be unpacked.
 */
export async function unpackCodeBundle(cacheDir: string, digest: string, bytes: Buffer): Promise<string> {
  const target = join(cacheDir, digest);
  if (await exists(target)) return target;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== digest)
    throw new CodeBundleError(`the code bundle ${digest} does not match its digest (got ${actual})`);
  await mkdir(cacheDir, { recursive: true });
  const tmp = join(cacheDir, `.unpack-${digest.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp);
  try {
    const archive = `${tmp}.tar.gz`;
    await writeFile(archive, bytes);
    try {
      await tar.extract({ file: archive, cwd: tmp, strict: true, preserveOwner: false });
    } finally {
      await rm(archive, { force: true });
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Another attempt unpacked the same bundle first: theirs is complete.
    if (await exists(target)) return target;
    throw new CodeBundleError(`cannot unpack the code bundle ${digest}: ${(err as Error).message}`);
  }
  return target;
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}
