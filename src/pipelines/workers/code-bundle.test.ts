import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeBundleError, codeFiles, packCodeFolder, unpackCodeBundle } from './code-bundle.js';

const MB = 1024 * 1024;
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-code-bundle-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const write = (root: string, name: string, text: string): void => {
  mkdirSync(join(root, name, '..'), { recursive: true });
  writeFileSync(join(root, name), text);
};
const git = (cwd: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd,
    stdio: 'ignore',
  });
};

/** Every file under an unpacked folder (relative, sorted) with its text, links as `-> target`. */
function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(out, tree(dir, name));
    else if (entry.isSymbolicLink()) out[name] = `-> ${readlinkSync(join(dir, name))}`;
    else out[name] = readFileSync(join(dir, name), 'utf8');
  }
  return out;
}

describe('code bundles: a code folder packed for workers', () => {
  it('packs what git would commit in a work tree: .gitignore obeyed, untracked files in, deleted files out', async () => {
    const code = tempDir();
    write(code, 'train.py', 'print("train")\n');
    write(code, 'lib/util.py', 'X = 1\n');
    write(code, 'gone.py', 'old\n');
    write(code, '.gitignore', 'data/\n*.ckpt\n');
    git(code, 'init', '-q');
    git(code, 'add', '.');
    git(code, 'commit', '-qm', 'first');
    rmSync(join(code, 'gone.py'));
    write(code, 'new_untracked.py', 'N = 2\n');
    write(code, 'data/big.csv', 'a,b\n1,2\n');
    write(code, 'model.ckpt', 'weights');

    expect(await codeFiles(code)).toEqual([
      { name: '.gitignore', size: 13 },
      { name: 'lib/util.py', size: 6 },
      { name: 'new_untracked.py', size: 6 },
      { name: 'train.py', size: 15 },
    ]);
    const bundle = await packCodeFolder(code, 10 * MB);
    expect(bundle.files).toBe(4);
    expect(bundle.digest).toBe(createHash('sha256').update(bundle.bytes).digest('hex'));
    const cache = tempDir();
    const folder = await unpackCodeBundle(cache, bundle.digest, bundle.bytes);
    expect(folder).toBe(join(cache, bundle.digest));
    expect(tree(folder)).toEqual({
      '.gitignore': 'data/\n*.ckpt\n',
      'lib/util.py': 'X = 1\n',
      'new_untracked.py': 'N = 2\n',
      'train.py': 'print("train")\n',
    });
  });

  it('outside git, packs every file but caches, environments and VCS folders', async () => {
    const code = tempDir();
    write(code, 'step.sh', 'echo hi\n');
    write(code, 'pkg/__pycache__/m.cpython-311.pyc', 'x');
    write(code, '.venv/bin/python', 'x');
    write(code, 'node_modules/a/index.js', 'x');
    write(code, 'pkg/m.py', 'M = 1\n');
    expect(await codeFiles(code)).toEqual([
      { name: 'pkg/m.py', size: 6 },
      { name: 'step.sh', size: 8 },
    ]);
  });

  it("gives each file its size from one look (a link its own size, not its target's), summed for the limit", async () => {
    const code = tempDir();
    write(code, 'data/weights.bin', 'w'.repeat(5000));
    symlinkSync('data/weights.bin', join(code, 'latest.bin'));
    write(code, 'train.py', 'pass\n');
    const files = await codeFiles(code);
    expect(files).toEqual([
      { name: 'data/weights.bin', size: 5000 },
      { name: 'latest.bin', size: 'data/weights.bin'.length },
      { name: 'train.py', size: 5 },
    ]);
    const total = files.reduce((sum, file) => sum + file.size, 0);
    expect((await packCodeFolder(code, total)).files).toBe(3);
    await expect(packCodeFolder(code, total - 1)).rejects.toBeInstanceOf(CodeBundleError);
  });

  it("lists an untracked file added (or a tracked one removed) since the last pack, though git's index did not change", async () => {
    const code = tempDir();
    write(code, 'lib/train.py', 'pass\n');
    git(code, 'init', '-q');
    git(code, 'add', '.');
    git(code, 'commit', '-qm', 'first');
    const first = await packCodeFolder(code, MB);
    // In a subfolder: neither git's index, HEAD nor the code folder's own mtime changes.
    const rootTime = statSync(code).mtimeMs;
    write(code, 'lib/extra.py', 'E = 1\n');
    expect(statSync(code).mtimeMs).toBe(rootTime);
    const second = await packCodeFolder(code, MB);
    expect(second.files).toBe(2);
    expect(second.digest).not.toBe(first.digest);
    rmSync(join(code, 'lib/extra.py'));
    rmSync(join(code, 'lib/train.py'));
    expect(await codeFiles(code)).toEqual([]);
  });

  it('gives the same digest for the same files whatever their times, and another when a byte changes', async () => {
    const code = tempDir();
    write(code, 'a.py', 'A = 1\n');
    write(code, 'b/c.py', 'C = 3\n');
    const first = await packCodeFolder(code, MB);
    utimesSync(join(code, 'a.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const touched = await packCodeFolder(code, MB);
    expect(touched.digest).toBe(first.digest);
    write(code, 'a.py', 'A = 2\n');
    expect((await packCodeFolder(code, MB)).digest).not.toBe(first.digest);
  });

  it('keeps file modes and symbolic links', async () => {
    const code = tempDir();
    write(code, 'run.sh', '#!/bin/sh\necho ok\n');
    chmodSync(join(code, 'run.sh'), 0o755);
    write(code, 'conf/base.yaml', 'lr: 0.1\n');
    symlinkSync('conf/base.yaml', join(code, 'current.yaml'));
    const bundle = await packCodeFolder(code, MB);
    const folder = await unpackCodeBundle(tempDir(), bundle.digest, bundle.bytes);
    expect(statSync(join(folder, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(lstatSync(join(folder, 'current.yaml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(folder, 'current.yaml'), 'utf8')).toBe('lr: 0.1\n');
    expect(execFileSync(join(folder, 'run.sh'), { encoding: 'utf8' })).toBe('ok\n');
  });

  it('refuses a folder over the size limit, naming the sizes and the ways out', async () => {
    const code = tempDir();
    write(code, 'weights.bin', 'x'.repeat(3 * 1024));
    write(code, 'train.py', 'pass\n');
    const error = await packCodeFolder(code, 2 * 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeBundleError);
    expect((error as Error).message).toContain('in 2 files, over the 0.0 MB limit');
    expect((error as Error).message).toContain('--code-bundle-max-mb');
    expect((error as Error).message).toContain('--worker-code shared');
  });

  it('refuses bytes that do not match the digest, and leaves nothing behind', async () => {
    const code = tempDir();
    write(code, 'a.py', 'A = 1\n');
    const bundle = await packCodeFolder(code, MB);
    const cache = tempDir();
    const other = createHash('sha256').update('something else').digest('hex');
    await expect(unpackCodeBundle(cache, other, bundle.bytes)).rejects.toThrow(/does not match its digest/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('unpacks the same bundle twice at once into one complete folder', async () => {
    const code = tempDir();
    for (let i = 0; i < 40; i++) write(code, `m${i}.py`, `V = ${i}\n`.repeat(200));
    const bundle = await packCodeFolder(code, MB);
    const cache = tempDir();
    const [a, b] = await Promise.all([
      unpackCodeBundle(cache, bundle.digest, bundle.bytes),
      unpackCodeBundle(cache, bundle.digest, bundle.bytes),
    ]);
    expect(a).toBe(b);
    expect(readdirSync(cache)).toEqual([bundle.digest]);
    expect(Object.keys(tree(a))).toHaveLength(40);
  });

  it('refuses a bundle with an entry that climbs out (..), writing nothing outside or half-unpacked', async () => {
    const root = tempDir();
    write(root, 'inner/ok.py', 'ok\n');
    write(root, 'escape.txt', 'escaped\n');
    // A hand-made archive whose second entry is `../escape.txt`, as a hostile bundle would hold.
    const chunks: Buffer[] = [];
    for await (const chunk of tar.create({ cwd: join(root, 'inner'), gzip: true, preservePaths: true }, [
      'ok.py',
      '../escape.txt',
    ]))
      chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const base = tempDir();
    const cache = join(base, 'cache');
    await expect(unpackCodeBundle(cache, digest, bytes)).rejects.toThrow(/path contains '\.\.'/);
    expect(readdirSync(base)).toEqual(['cache']);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('ships an empty folder as an empty bundle', async () => {
    const bundle = await packCodeFolder(tempDir(), MB);
    expect(bundle.files).toBe(0);
    const folder = await unpackCodeBundle(tempDir(), bundle.digest, bundle.bytes);
    expect(readdirSync(folder)).toEqual([]);
  });
});
