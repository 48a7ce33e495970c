import { open } from 'node:fs/promises';
import type { ArtifactRoots } from '../../artifacts/index.js';
import { emptyLogChunk, logChunk, logReadStart, type LogChunk } from './log-chunk.js';

/** The two streams of a step's log. */
export type LogStream = 'stdout' | 'stderr';

/** Where each stream's read starts (a follower's previous `next`); absent: from the start. */
export type LogOffsets = Partial<Record<LogStream, number>>;

/**
 * Reads the live log file of a running step from byte `from` to its end as it is now: only those bytes are read
 * (one `open` and positioned reads), so a follower polling a long log reads each byte once. A character still
 * being written is left for the next read. A file that is not there is nothing new at `from`: not made yet, or
 * already removed with the attempt's work folder while the step's end is being recorded (a follower that was
 * told `next: 0` then would drop what it had and read the whole log again from the stored copy).
 */
export async function readLiveLog(file: string, from: number | undefined): Promise<LogChunk> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return { text: '', offset: from ?? 0, next: from ?? 0 };
  }
  try {
    const { size } = await handle.stat();
    const start = logReadStart(from, size);
    const bytes = Buffer.alloc(size - start);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, start + filled);
      if (bytesRead === 0) break; // the file was truncated meanwhile
      filled += bytesRead;
    }
    return logChunk(bytes.subarray(0, filled), start, true);
  } finally {
    await handle.close();
  }
}

/**
 * Reads both streams of an ended step run's stored log (`logs/stdout.txt`, `logs/stderr.txt` under its MLflow
 * run's artifacts), each from its offset on: one listing for the sizes, then a ranged read of what follows the
 * offset (none when nothing does). A log that was never stored, or an artifact root this server cannot read,
 * answers empty streams.
 */
export async function readStoredLogs(
  roots: ArtifactRoots,
  artifactUri: string,
  from: LogOffsets,
): Promise<Record<LogStream, LogChunk>> {
  try {
    const root = roots.open(artifactUri);
    const folder = root.path === '' ? 'logs' : `${root.path}/logs`;
    const sizes = new Map((await root.store.list(folder)).map((e) => [e.path, e.fileSize] as const));
    const read = async (stream: LogStream): Promise<LogChunk> => {
      const size = sizes.get(`${stream}.txt`);
      if (size === undefined) return emptyLogChunk;
      const start = logReadStart(from[stream], size);
      if (start === size) return { text: '', offset: start, next: start };
      const { stream: body } = await root.store.get(`${folder}/${stream}.txt`, { range: { start } });
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      return logChunk(Buffer.concat(chunks), start, false);
    };
    return { stdout: await read('stdout'), stderr: await read('stderr') };
  } catch {
    return { stdout: emptyLogChunk, stderr: emptyLogChunk };
  }
}
