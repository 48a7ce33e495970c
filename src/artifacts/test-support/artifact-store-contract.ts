import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/errors.js';
import type { ArtifactStore } from '../artifact-store.js';

export interface ContractFixture {
  store: ArtifactStore;
  cleanup(): Promise<void>;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

async function getText(store: ArtifactStore, path: string): Promise<string> {
  const { stream, size } = await store.get(path);
  const bytes = await readAll(stream);
  expect(bytes.length).toBe(size);
  return bytes.toString('utf8');
}

/** The behaviour every ArtifactStore adapter must show; call once per adapter from its own test file. */
export function describeArtifactStoreContract(
  name: string,
  makeFixture: () => Promise<ContractFixture>,
): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let fixture: ContractFixture;
    let store: ArtifactStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('round-trips a buffer and a stream, creating nested folders', async () => {
      await store.put('0/run1/artifacts/f.txt', Buffer.from('hello'));
      await store.put(
        '0/run1/artifacts/model/data/w.bin',
        Readable.from([Buffer.from('ab'), 'cd', Buffer.from('é')]),
      );
      expect(await getText(store, '0/run1/artifacts/f.txt')).toBe('hello');
      expect(await getText(store, '0/run1/artifacts/model/data/w.bin')).toBe('abcdé');
    });

    it('stores an empty file', async () => {
      await store.put('e/empty.txt', Buffer.alloc(0));
      const { stream, size } = await store.get('e/empty.txt');
      expect(size).toBe(0);
      expect((await readAll(stream)).length).toBe(0);
      expect(await store.list('e')).toEqual([{ path: 'empty.txt', isDir: false, fileSize: 0 }]);
    });

    it('overwrites a file with the new content', async () => {
      await store.put('a/f.txt', Buffer.from('first version, longer'));
      await store.put('a/f.txt', Buffer.from('second'));
      expect(await getText(store, 'a/f.txt')).toBe('second');
    });

    it('lists direct children by name, sorted, folders without a size', async () => {
      await store.put('r/b.txt', Buffer.from('bb'));
      await store.put('r/a.txt', Buffer.from('a'));
      await store.put('r/sub/c.txt', Buffer.from('ccc'));
      expect(await store.list('r')).toEqual([
        { path: 'a.txt', isDir: false, fileSize: 1 },
        { path: 'b.txt', isDir: false, fileSize: 2 },
        { path: 'sub', isDir: true },
      ]);
      expect(await store.list('r/sub/')).toEqual([{ path: 'c.txt', isDir: false, fileSize: 3 }]);
      expect(await store.list('')).toEqual([{ path: 'r', isDir: true }]);
    });

    it('lists a missing path or a file as empty', async () => {
      await store.put('x/f.txt', Buffer.from('f'));
      expect(await store.list('nope/deeper')).toEqual([]);
      expect(await store.list('x/f.txt')).toEqual([]);
      expect(await store.list('x/f.txt/below')).toEqual([]);
    });

    it('answers NotFoundError for a missing file or a folder', async () => {
      await store.put('d/sub/f.txt', Buffer.from('f'));
      await expect(store.get('d/missing.txt')).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.get('d/sub')).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.get('d/sub/f.txt/x')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deletes a file, a folder recursively, and ignores a missing path', async () => {
      await store.put('del/keep.txt', Buffer.from('k'));
      await store.put('del/gone.txt', Buffer.from('g'));
      await store.put('del/tree/a/b.txt', Buffer.from('b'));
      await store.delete('del/gone.txt');
      await store.delete('del/tree');
      await store.delete('del/never-there');
      expect(await store.list('del')).toEqual([{ path: 'keep.txt', isDir: false, fileSize: 1 }]);
      await expect(store.get('del/tree/a/b.txt')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses to delete or read the root itself', async () => {
      await store.put('keep/f.txt', Buffer.from('f'));
      for (const root of ['', '.', './', './.', './/', '%2e']) {
        await expect(store.delete(root), root).rejects.toBeInstanceOf(InvalidParameterError);
      }
      await expect(store.get('')).rejects.toBeInstanceOf(InvalidParameterError);
      expect(await getText(store, 'keep/f.txt')).toBe('f');
    });

    it('refuses unsafe paths in every operation', async () => {
      await store.put('safe/f.txt', Buffer.from('f'));
      const unsafe = [
        '../x',
        'safe/../../x',
        '/etc/passwd',
        'C:\\x',
        'a\\..\\b',
        'a#b',
        'a?b',
        'a\u0000b',
        '%2e%2e/x',
      ];
      for (const path of unsafe) {
        await expect(store.put(path, Buffer.from('evil')), path).rejects.toBeInstanceOf(
          InvalidParameterError,
        );
        await expect(store.get(path), path).rejects.toBeInstanceOf(InvalidParameterError);
        await expect(store.list(path), path).rejects.toBeInstanceOf(InvalidParameterError);
        await expect(store.delete(path), path).rejects.toBeInstanceOf(InvalidParameterError);
      }
      expect(await store.list('')).toEqual([{ path: 'safe', isDir: true }]);
    });

    it('leaves the previous content in place when an upload fails midway', async () => {
      await store.put('u/f.txt', Buffer.from('old'));
      const failing = new Readable({
        read() {
          this.push(Buffer.from('partial new bytes'));
          this.destroy(new Error('client went away'));
        },
      });
      const failure = await store.put('u/f.txt', failing).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(BosunError);
      expect(await getText(store, 'u/f.txt')).toBe('old');
      expect(await store.list('u')).toEqual([{ path: 'f.txt', isDir: false, fileSize: 3 }]);
    });

    it('gives readers one whole version under concurrent writes', async () => {
      const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(200_000 + i, String(i)));
      await Promise.all(versions.map((body) => store.put('c/f.bin', body)));
      const final = await readAll((await store.get('c/f.bin')).stream);
      expect(versions.some((body) => body.equals(final))).toBe(true);
      expect(await store.list('c')).toHaveLength(1);
    });
  });
}
