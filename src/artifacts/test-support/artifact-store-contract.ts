import { createHash, randomBytes } from 'node:crypto';
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

/** A stream of `total` random bytes in chunks of `chunk`, and the SHA-256 of what it yields. */
export function generatedStream(total: number, chunk = 64 * 1024): { stream: Readable; digest: string } {
  const hash = createHash('sha256');
  const pieces: Buffer[] = [];
  for (let i = 0; i < Math.ceil(total / chunk); i++) {
    const piece = randomBytes(Math.min(chunk, total - i * chunk));
    hash.update(piece);
    pieces.push(piece);
  }
  let next = 0;
  const stream = new Readable({
    read() {
      this.push(next < pieces.length ? pieces[next++] : null);
    },
  });
  return { stream, digest: hash.digest('hex') };
}

export async function digestOf(stream: NodeJS.ReadableStream): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(b);
    bytes += b.length;
  }
  return { digest: hash.digest('hex'), bytes };
}

/** Runs `work` over `items` with at most `limit` at once. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
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

    it('reads byte ranges: start and end, open end, suffix, end clamped to the file', async () => {
      await store.put('r/f.txt', Buffer.from('0123456789'));
      const read = async (range: Parameters<ArtifactStore['get']>[1]) => {
        const got = await store.get('r/f.txt', range);
        const bytes = await readAll(got.stream);
        expect(bytes.length).toBe(got.size);
        return { text: bytes.toString('utf8'), range: got.range };
      };
      expect(await read({ range: { start: 2, end: 4 } })).toEqual({
        text: '234',
        range: { start: 2, end: 4, total: 10 },
      });
      expect(await read({ range: { start: 7 } })).toEqual({
        text: '789',
        range: { start: 7, end: 9, total: 10 },
      });
      expect(await read({ range: { suffix: 3 } })).toEqual({
        text: '789',
        range: { start: 7, end: 9, total: 10 },
      });
      expect(await read({ range: { suffix: 50 } })).toEqual({
        text: '0123456789',
        range: { start: 0, end: 9, total: 10 },
      });
      expect(await read({ range: { start: 9, end: 400 } })).toEqual({
        text: '9',
        range: { start: 9, end: 9, total: 10 },
      });
      expect(await read({})).toEqual({ text: '0123456789', range: undefined });
    });

    it('refuses malformed and unsatisfiable ranges, and ranges of a missing file are NotFoundError', async () => {
      await store.put('r/f.txt', Buffer.from('0123456789'));
      await store.put('r/empty.txt', Buffer.alloc(0));
      const bad = [
        { start: 10 },
        { start: 11, end: 20 },
        { start: -1 },
        { start: 1.5 },
        { start: 5, end: 4 },
        { suffix: 0 },
      ];
      for (const range of bad) {
        await expect(store.get('r/f.txt', { range }), JSON.stringify(range)).rejects.toBeInstanceOf(
          InvalidParameterError,
        );
      }
      await expect(store.get('r/empty.txt', { range: { start: 0 } })).rejects.toBeInstanceOf(
        InvalidParameterError,
      );
      await expect(store.get('r/missing.txt', { range: { start: 0 } })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('streams a multi-part upload and reads it back whole and by range', async () => {
      const total = 12 * 1024 * 1024 + 12345;
      const { stream, digest } = generatedStream(total);
      await store.put('big/model.bin', stream);
      const whole = await store.get('big/model.bin');
      expect(whole.size).toBe(total);
      expect(await digestOf(whole.stream)).toEqual({ digest, bytes: total });
      const tail = await store.get('big/model.bin', { range: { start: total - 100 } });
      expect((await readAll(tail.stream)).length).toBe(100);
      expect(await store.list('big')).toEqual([{ path: 'model.bin', isDir: false, fileSize: total }]);
    });

    it('refuses to write below a file or onto a folder', async () => {
      await store.put('w/f.txt', Buffer.from('f'));
      await store.put('w/dir/g.txt', Buffer.from('g'));
      await expect(store.put('w/f.txt/g.txt', Buffer.from('g'))).rejects.toBeInstanceOf(
        InvalidParameterError,
      );
      await expect(store.put('w/dir', Buffer.from('g'))).rejects.toBeInstanceOf(InvalidParameterError);
      await expect(store.put('w', Readable.from([Buffer.from('g')]))).rejects.toBeInstanceOf(
        InvalidParameterError,
      );
      expect(await getText(store, 'w/f.txt')).toBe('f');
      expect(await store.list('w')).toEqual([
        { path: 'dir', isDir: true },
        { path: 'f.txt', isDir: false, fileSize: 1 },
      ]);
    });

    it('deletes exactly what it names: a folder never takes its look-alike siblings', async () => {
      const keep = ['p/a-b/f.txt', 'p/a-b.txt', 'p/ab/f.txt', 'p/a.b/f.txt'];
      for (const path of keep) await store.put(path, Buffer.from(path));
      await store.put('p/a/f.txt', Buffer.from('x'));
      await store.put('p/a/deep/er/g.txt', Buffer.from('y'));
      await store.delete('p/a');
      expect(await store.list('p')).toEqual([
        { path: 'a-b', isDir: true },
        { path: 'a-b.txt', isDir: false, fileSize: 9 },
        { path: 'a.b', isDir: true },
        { path: 'ab', isDir: true },
      ]);
      for (const path of keep) expect(await getText(store, path)).toBe(path);
      await store.put('q/f', Buffer.from('file'));
      await store.put('q/f-2', Buffer.from('other'));
      await store.delete('q/f');
      expect(await store.list('q')).toEqual([{ path: 'f-2', isDir: false, fileSize: 5 }]);
      expect(await store.list('p/a')).toEqual([]);
    });

    it('lists and deletes folders of more than 1,000 entries', async () => {
      const names = Array.from({ length: 1010 }, (_, i) => `f${String(i).padStart(4, '0')}.txt`);
      await inParallel(names, 32, (name) => store.put(`many/${name}`, Buffer.from(name)));
      await store.put('many/sub/x.txt', Buffer.from('x'));
      await store.put('many-other/keep.txt', Buffer.from('k'));
      const listed = await store.list('many');
      expect(listed).toHaveLength(1011);
      expect(listed.slice(0, 2)).toEqual([
        { path: 'f0000.txt', isDir: false, fileSize: 9 },
        { path: 'f0001.txt', isDir: false, fileSize: 9 },
      ]);
      expect(listed[1010]).toEqual({ path: 'sub', isDir: true });
      await store.delete('many');
      expect(await store.list('many')).toEqual([]);
      expect(await store.list('')).toEqual([{ path: 'many-other', isDir: true }]);
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
