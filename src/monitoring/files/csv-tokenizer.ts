import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * A streaming CSV/TSV tokenizer for the files `bosun drift` reads most: fields split on the delimiter, records on
 * LF or CRLF (one of them for the whole file), RFC 4180 quoted fields (doubled quotes, delimiters and line breaks
 * inside), a UTF-8 BOM, empty lines skipped. It gives csv-parse's records for the files it accepts, at a
 * fraction of the cost (no per-record objects beyond one reused array of field strings), and gives up (returns
 * `'fallback'`) at the first thing it does not handle exactly as csv-parse does with the reader's options: a
 * lone CR or a file mixing LF and CRLF, a quote inside an unquoted field or text after a closing quote, an
 * unclosed quote, a record whose field count differs from the header's, a record that is one blank field. The
 * reader then parses the file with csv-parse, which also words the errors. Reads the file in chunks; never
 * holds it whole.
 */

/** What {@link tokenizeCsv} calls per record; the array is reused, so copy what must outlive the call. */
export type RecordSink = (fields: readonly string[]) => void;

/** Chunk size of the file stream. */
export const CSV_CHUNK_BYTES = 1 << 20;

/** Options of {@link tokenizeCsv}. */
export interface TokenizeOptions {
  /** Bytes read at a time (default {@link CSV_CHUNK_BYTES}). */
  readonly chunkBytes?: number;
  /** Filled in while reading: the longest text held at once (a chunk plus an unfinished record), in characters. */
  readonly stats?: { largestText: number };
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

/** Thrown inside the tokenizer to stop at something csv-parse should handle. */
class GiveUp extends Error {}

/**
 * Tokenizes `file`, calling `onRecord` for every record (the header first). Resolves `'done'`, or `'fallback'`
 * when the file needs csv-parse (see above; records already passed to `onRecord` must then be discarded). An
 * error thrown by `onRecord` stops the read and rejects.
 */
export async function tokenizeCsv(
  file: string,
  delimiter: ',' | '\t',
  onRecord: RecordSink,
  options: TokenizeOptions = {},
): Promise<'done' | 'fallback'> {
  const tokenizer = new Tokenizer(delimiter.charCodeAt(0), onRecord, options.stats);
  const decoder = new StringDecoder('utf8');
  const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? CSV_CHUNK_BYTES });
  try {
    let first = true;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = decoder.write(chunk);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      tokenizer.feed(text, false);
    }
    tokenizer.feed(decoder.end(), true);
    return 'done';
  } catch (error) {
    if (error instanceof GiveUp) return 'fallback';
    throw error;
  } finally {
    stream.destroy();
  }
}

class Tokenizer {
  /** Text of a record not finished at the end of the previous chunk. */
  private carry = '';
  /** 'lf' or 'crlf' once the first line break is seen. */
  private lineBreak: 'lf' | 'crlf' | undefined;
  private expected = -1;
  private readonly fields: string[] = [];

  constructor(
    private readonly delimiter: number,
    private readonly onRecord: RecordSink,
    private readonly stats: { largestText: number } | undefined,
  ) {}

  feed(chunk: string, last: boolean): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    if (this.stats !== undefined && text.length > this.stats.largestText)
      this.stats.largestText = text.length;
    const n = text.length;
    let at = 0;
    while (at < n) {
      const end = this.record(text, at, last);
      if (end < 0) {
        // The record runs past this chunk: keep it for the next one.
        this.carry = text.slice(at);
        return;
      }
      at = end;
    }
  }

  /**
   * Reads one record (or an empty line) starting at `start`; returns where the next one starts, or −1 when the
   * record is not complete in `text` and more is to come.
   */
  private record(text: string, start: number, last: boolean): number {
    const n = text.length;
    const delimiter = this.delimiter;
    const fields = this.fields;
    fields.length = 0;
    let at = start;
    for (;;) {
      // One field.
      let value: string;
      if (at < n && text.charCodeAt(at) === QUOTE) {
        let parts = '';
        let from = at + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            if (last) throw new GiveUp(); // unclosed quote: csv-parse says so
            return -1;
          }
          if (close + 1 >= n && !last) return -1; // a doubled quote may straddle the chunks
          if (text.charCodeAt(close + 1) === QUOTE) {
            parts += text.slice(from, close + 1);
            from = close + 2;
            continue;
          }
          value = parts + text.slice(from, close);
          at = close + 1;
          break;
        }
        if (at < n) {
          const c = text.charCodeAt(at);
          if (c !== delimiter && c !== LF && c !== CR) throw new GiveUp();
        }
      } else {
        let end = at;
        while (end < n) {
          const c = text.charCodeAt(end);
          if (c === delimiter || c === LF || c === CR) break;
          if (c === QUOTE) throw new GiveUp();
          end++;
        }
        if (end >= n && !last) return -1;
        value = text.slice(at, end);
        at = end;
      }
      fields.push(value);
      if (at >= n) {
        // The end of the file ends the record.
        this.emit(fields, start === at);
        return n;
      }
      const c = text.charCodeAt(at);
      if (c === delimiter) {
        at++;
        continue;
      }
      // A line break.
      let next: number;
      if (c === CR) {
        if (at + 1 >= n && !last) return -1;
        if (text.charCodeAt(at + 1) !== LF) throw new GiveUp(); // a lone CR
        if (this.lineBreak === 'lf') throw new GiveUp();
        this.lineBreak = 'crlf';
        next = at + 2;
      } else {
        if (this.lineBreak === 'crlf') throw new GiveUp();
        this.lineBreak = 'lf';
        next = at + 1;
      }
      this.emit(fields, start === at);
      return next;
    }
  }

  private emit(fields: string[], emptyLine: boolean): void {
    if (emptyLine) return; // skip_empty_lines
    if (fields.length === 1 && fields[0]!.trim() === '') throw new GiveUp();
    if (this.expected < 0) this.expected = fields.length;
    else if (fields.length !== this.expected) throw new GiveUp();
    this.onRecord(fields);
  }
}
