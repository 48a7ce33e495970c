/** What a log read answers of one stream: the text from `offset` on, and where the next read starts. */
export interface LogSlice {
  text: string;
  offset: number;
  next: number;
}

/**
 * A step's log stream from `offset` on (a follower's previous `next`). An offset past the end means the stream
 * started over (a new attempt), so the whole of it is answered from 0. While the step runs, a trailing U+FFFD
 * may be the first bytes of a character still being written (the file was decoded mid-character): it is left
 * for the next read, so a follower never keeps a broken character or skips part of the real one.
 *
 * @example
 * logSlice('hello api\n', 6, false); // { text: 'api\n', offset: 6, next: 10 }
 */
export function logSlice(text: string, offset: number | undefined, running: boolean): LogSlice {
  const end = running && text.endsWith('\uFFFD') ? text.length - 1 : text.length;
  const from = offset === undefined || offset > end ? 0 : offset;
  return { text: text.slice(from, end), offset: from, next: end };
}
