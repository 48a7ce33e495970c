/**
 * What a log read answers of one stream: the text from byte `offset` on, and `next`, the byte offset the next
 * read starts from (a follower passes it back). Offsets count bytes of the UTF-8 file, so a read seeks to them.
 */
export interface LogChunk {
  text: string;
  offset: number;
  next: number;
}

/** A stream with nothing in it. */
export const emptyLogChunk: LogChunk = { text: '', offset: 0, next: 0 };

/**
 * Where a read of a stream of `size` bytes starts: at `from` (a follower's previous `next`), or at 0 when there
 * is none or it lies past the end (the stream started over: a new attempt).
 */
export function logReadStart(from: number | undefined, size: number): number {
  return from === undefined || from > size ? 0 : from;
}

/**
 * How many of `bytes` end on a whole UTF-8 character: all of them, unless they end inside a character whose
 * last bytes are not written yet (then up to its first byte). A byte sequence that is invalid anyway is kept.
 *
 * @example
 * completeUtf8Length(Buffer.from([0x63, 0x61, 0x66, 0xc3])); // 3: 'caf', the 'é' still half written
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead byte is further back
    const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + length > n ? i : n;
  }
  return n;
}

/**
 * The chunk of a stream whose bytes from `start` on are `bytes`. While the step runs, a character still being
 * written is left for the next read (the chunk ends before it), so a follower never shows a broken character
 * nor skips part of it; once the step has ended the bytes are final and all are decoded.
 */
export function logChunk(bytes: Uint8Array, start: number, running: boolean): LogChunk {
  const end = running ? completeUtf8Length(bytes) : bytes.length;
  return {
    text: Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8'),
    offset: start,
    next: start + end,
  };
}
