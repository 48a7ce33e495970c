import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameterError, NotFoundError } from '../../shared/errors.js';
import { describeArtifactStoreContract, readAll } from '../test-support/artifact-store-contract.js';
import { LocalArtifactStore } from './local-artifact-store.js';

describeArtifactStoreContract('LocalArtifactStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-local-store-'));
  return {
    store: new LocalArtifactStore(join(dir, 'root')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LocalArtifactStore on the file system', () => {
  let dir: string;
  let root: string;
  let outside: string;
  let canary: string;
  let store: LocalArtifactStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-local-fs-'));
    root = join(dir, 'root');
    outside = join(dir, 'outside');
    canary = join(outside, 'canary.txt');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(canary, 'canary');
    store = new LocalArtifactStore(root);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function canaryIntact(): Promise<void> {
    expect(await readFile(canary, 'utf8')).toBe('canary');
    expect(existsSync(join(outside, 'evil.txt'))).toBe(false);
  }

  it('creates its root on first use and writes files 0600 in folders 0700', async () => {
    const fresh = new LocalArtifactStore(join(dir, 'new', 'root'));
    await fresh.put('a/b.txt', Buffer.from('x'));
    expect(await readFile(join(dir, 'new', 'root', 'a', 'b.txt'), 'utf8')).toBe('x');
    if (process.platform !== 'win32') {
      expect((await stat(join(dir, 'new', 'root', 'a', 'b.txt'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'new', 'root', 'a'))).mode & 0o777).toBe(0o700);
    }
  });

  it('refuses to go through a folder symlink that leads outside the root', async () => {
    await symlink(outside, join(root, 'escape'));
    await expect(store.put('escape/evil.txt', Buffer.from('evil'))).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    await expect(store.get('escape/canary.txt')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.list('escape')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.delete('escape/canary.txt')).rejects.toBeInstanceOf(InvalidParameterError);
    await canaryIntact();
  });

  it('does not read through, list, or follow on delete a file symlink leading outside', async () => {
    await symlink(canary, join(root, 'link.txt'));
    await expect(store.get('link.txt')).rejects.toBeInstanceOf(InvalidParameterError);
    expect(await store.list('')).toEqual([]);
    await store.delete('link.txt');
    expect(existsSync(join(root, 'link.txt'))).toBe(false);
    await canaryIntact();
  });

  it('replaces a symlink on upload instead of writing through it', async () => {
    await symlink(canary, join(root, 'link.txt'));
    await store.put('link.txt', Buffer.from('evil'));
    expect(await readAll((await store.get('link.txt')).stream)).toEqual(Buffer.from('evil'));
    await canaryIntact();
  });

  it('refuses to create folders through a dangling symlink', async () => {
    await symlink(join(outside, 'not-yet'), join(root, 'dangling'));
    await expect(store.put('dangling/evil.txt', Buffer.from('evil'))).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    expect(existsSync(join(outside, 'not-yet'))).toBe(false);
    await canaryIntact();
  });

  it('follows symlinks that stay inside the root', async () => {
    await store.put('real/f.txt', Buffer.from('inside'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    expect(await readAll((await store.get('alias/f.txt')).stream)).toEqual(Buffer.from('inside'));
    expect(await store.list('')).toEqual([
      { path: 'alias', isDir: true },
      { path: 'real', isDir: true },
    ]);
  });

  it('deleting a folder with a symlink inside leaves the link target alone', async () => {
    await store.put('run/f.txt', Buffer.from('f'));
    await symlink(outside, join(root, 'run', 'out'));
    await store.delete('run');
    expect(existsSync(join(root, 'run'))).toBe(false);
    await canaryIntact();
  });

  it('refuses to write below a file or onto a folder (file system specifics)', async () => {
    await store.put('a/f.txt', Buffer.from('f'));
    await expect(store.put('a/f.txt/g.txt', Buffer.from('g'))).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.put('a', Buffer.from('g'))).rejects.toBeInstanceOf(InvalidParameterError);
    expect(await readAll((await store.get('a/f.txt')).stream)).toEqual(Buffer.from('f'));
  });

  it('hides in-flight uploads and names a client could not use', async () => {
    await store.put('d/ok.txt', Buffer.from('ok'));
    await writeFile(join(root, 'd', '.bosun-upload-0123'), 'partial');
    await writeFile(join(root, 'd', 'back\\slash'), 'odd');
    expect(await store.list('d')).toEqual([{ path: 'ok.txt', isDir: false, fileSize: 2 }]);
  });

  it('answers NotFoundError for a dangling link inside the root', async () => {
    await symlink(join(root, 'nowhere'), join(root, 'dangling.txt'));
    await expect(store.get('dangling.txt')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('LocalArtifactStore over a folder the server does not own', () => {
  let dir: string;
  let base: string;
  let guarded: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-local-shared-'));
    base = join(dir, 'shared');
    guarded = join(base, 'server-state');
    await mkdir(join(base, 'exp', 'run'), { recursive: true });
    await mkdir(guarded);
    await writeFile(join(guarded, 'bosun.db'), 'secret');
    await writeFile(join(base, 'exp', 'run', 'a.txt'), 'a');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads without creating its root: a missing root lists as empty and has no files', async () => {
    const missing = new LocalArtifactStore(join(dir, 'not-there'), { createRoot: false });
    expect(await missing.list('')).toEqual([]);
    expect(await missing.list('x/y')).toEqual([]);
    await expect(missing.get('x/y.txt')).rejects.toBeInstanceOf(NotFoundError);
    expect(existsSync(join(dir, 'not-there'))).toBe(false);
  });

  it('writes files and folders with the usual modes (the umask decides), for clients reading them directly', async () => {
    const shared = new LocalArtifactStore(base, { createRoot: false, shared: true });
    await shared.put('exp/run/sub/b.txt', Buffer.from('b'));
    expect(await readFile(join(base, 'exp', 'run', 'sub', 'b.txt'), 'utf8')).toBe('b');
    if (process.platform !== 'win32') {
      const umask = process.umask();
      expect((await stat(join(base, 'exp', 'run', 'sub', 'b.txt'))).mode & 0o777).toBe(0o666 & ~umask);
      expect((await stat(join(base, 'exp', 'run', 'sub'))).mode & 0o777).toBe(0o777 & ~umask);
    }
  });

  it('never reads, lists or writes a hidden folder, even through a link that stays inside the root', async () => {
    const shared = new LocalArtifactStore(base, { createRoot: false, shared: true, hidden: [guarded] });
    await symlink(join(guarded, 'bosun.db'), join(base, 'exp', 'run', 'db-link'));
    await symlink(guarded, join(base, 'exp', 'run', 'state-link'));
    expect(await shared.list('exp/run')).toEqual([{ path: 'a.txt', isDir: false, fileSize: 1 }]);
    expect(await shared.list('')).toEqual([{ path: 'exp', isDir: true }]);
    await expect(shared.get('exp/run/db-link')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(shared.get('server-state/bosun.db')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(shared.list('exp/run/state-link')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(shared.put('exp/run/state-link/x', Buffer.from('x'))).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    expect(await readFile(join(guarded, 'bosun.db'), 'utf8')).toBe('secret');
    expect(existsSync(join(guarded, 'x'))).toBe(false);
  });
});
