import { appendFileSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArtifactRoots, LocalArtifactStore } from '../../artifacts/index.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';
import { readLiveLog, readStoredLogs } from './step-log-reads.js';

const MB = 1024 * 1024;

describe('reading a running step’s live log', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTestTempDir('bosun-step-log-reads-');
  });
  afterAll(() => removeTestTempDir(dir));
  afterEach(() => vi.restoreAllMocks());

  /** Counts the bytes read through file handles (what `readLiveLog` reads with) until `restoreAllMocks`. */
  async function countBytesRead(): Promise<() => Promise<number>> {
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const read = vi.spyOn(proto, 'read');
    return async () => {
      const answers = (await Promise.all(read.mock.results.map((r) => r.value))) as { bytesRead: number }[];
      return answers.reduce((sum, a) => sum + a.bytesRead, 0);
    };
  }

  it('answers nothing new, at the offset asked, for a file that is not there (not made yet, or removed)', async () => {
    const missing = join(dir, 'removed-with-its-attempt.txt');
    expect(await readLiveLog(missing, 1234)).toEqual({ text: '', offset: 1234, next: 1234 });
    expect(await readLiveLog(missing, undefined)).toEqual({ text: '', offset: 0, next: 0 });
  });

  it('reads back a log written a byte at a time identical, never showing a split character', async () => {
    const file = join(dir, 'split.txt');
    writeFileSync(file, '');
    const text = 'naïve → 日本語 🚀 done\n';
    const bytes = Buffer.from(text, 'utf8');
    let next = 0;
    let seen = '';
    for (const byte of bytes) {
      appendFileSync(file, Buffer.from([byte]));
      const chunk = await readLiveLog(file, next);
      expect(chunk.offset).toBe(next);
      expect(chunk.text).not.toContain('\uFFFD');
      expect(chunk.next - chunk.offset).toBe(Buffer.byteLength(chunk.text));
      seen += chunk.text;
      next = chunk.next;
    }
    expect(seen).toBe(text);
    expect(next).toBe(bytes.length);
  });

  it('answers the whole stream from 0 past its end (a new attempt)', async () => {
    const file = join(dir, 'restart.txt');
    writeFileSync(file, 'über\n');
    expect(await readLiveLog(file, 2)).toEqual({ text: 'ber\n', offset: 2, next: 6 });
    expect(await readLiveLog(file, 6)).toEqual({ text: '', offset: 6, next: 6 });
    expect(await readLiveLog(file, 99)).toEqual({ text: 'über\n', offset: 0, next: 6 });
  });

  it('reads only what follows the offset of a 20 MB log, not the whole file at each poll', async () => {
    const file = join(dir, 'large.txt');
    const line = 'epoch … loss 0.25 ✓\n';
    const lines = Math.ceil((20 * MB) / Buffer.byteLength(line));
    const size = lines * Buffer.byteLength(line);
    writeFileSync(file, line.repeat(lines));
    const bytesRead = await countBytesRead();
    const first = await readLiveLog(file, undefined);
    expect(first).toMatchObject({ offset: 0, next: size });
    expect(await bytesRead()).toBe(size);

    vi.restoreAllMocks();
    let read = await countBytesRead();
    expect(await readLiveLog(file, first.next)).toEqual({ text: '', offset: size, next: size });
    expect(await read()).toBe(0);

    vi.restoreAllMocks();
    read = await countBytesRead();
    appendFileSync(file, 'epoch 2 ✓\n');
    const second = await readLiveLog(file, first.next);
    expect(second).toEqual({
      text: 'epoch 2 ✓\n',
      offset: size,
      next: size + Buffer.byteLength('epoch 2 ✓\n'),
    });
    expect(await read()).toBe(Buffer.byteLength('epoch 2 ✓\n'));
  });
});

describe('reading an ended step’s stored log', () => {
  it('reads each stream from its byte offset (whole from 0 past the end), and a log never stored as empty', async () => {
    const dir = makeTestTempDir('bosun-stored-log-reads-');
    try {
      const store = new LocalArtifactStore(join(dir, 'artifacts'));
      const roots = new ArtifactRoots({
        store,
        artifactsDestination: join(dir, 'artifacts'),
        defaultArtifactRoot: `file://${dir}/artifacts`,
      });
      await store.put('0/run1/artifacts/logs/stdout.txt', Buffer.from('naïve → 日本\n'));
      await store.put('0/run1/artifacts/logs/stderr.txt', Buffer.from('warn ✓\n'));
      const uri = `file://${dir}/artifacts/0/run1/artifacts`;
      const at = Buffer.byteLength('naïve ');
      expect(await readStoredLogs(roots, uri, { stdout: at, stderr: 99 })).toEqual({
        stdout: { text: '→ 日本\n', offset: at, next: Buffer.byteLength('naïve → 日本\n') },
        stderr: { text: 'warn ✓\n', offset: 0, next: Buffer.byteLength('warn ✓\n') },
      });
      expect((await readStoredLogs(roots, uri, { stderr: 9 })).stderr).toEqual({
        text: '',
        offset: 9,
        next: 9,
      });
      const empty = { text: '', offset: 0, next: 0 };
      expect(await readStoredLogs(roots, `file://${dir}/artifacts/0/run2/artifacts`, {})).toEqual({
        stdout: empty,
        stderr: empty,
      });
    } finally {
      removeTestTempDir(dir);
    }
  });
});
