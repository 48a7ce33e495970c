import type { Cell } from './data-table.js';

const CHUNK = 65536;

/**
 * Numbers appended one at a time into fixed-size Float64Array chunks (no doubling, so no 2× spike), joined
 * into one Float64Array at the end. NaN marks a missing value.
 */
export class NumberColumnBuilder {
  private readonly chunks: Float64Array[] = [];
  private current = new Float64Array(CHUNK);
  private used = 0;

  push(value: number): void {
    if (this.used === CHUNK) {
      this.chunks.push(this.current);
      this.current = new Float64Array(CHUNK);
      this.used = 0;
    }
    this.current[this.used++] = value;
  }

  /**
   * The values so far as one array, on a SharedArrayBuffer (drift worker threads read it without a copy); the
   * builder is spent afterwards.
   */
  finish(): Float64Array {
    const length = this.chunks.length * CHUNK + this.used;
    const out = new Float64Array(new SharedArrayBuffer(length * 8));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += CHUNK;
    }
    this.chunks.length = 0;
    out.set(this.current.subarray(0, this.used), at);
    this.current = new Float64Array(0);
    return out;
  }
}

/** Up to this many distinct strings per column are interned; past it a column is mostly unique text. */
export const MAX_INTERNED = 65536;

/**
 * Text cells with repeated values stored once (dictionary encoding as JavaScript strings allow it: every cell of a
 * category points at one string), so a million-row categorical column costs a pointer a cell.
 */
export class TextColumnBuilder {
  readonly cells: Cell[] = [];
  private readonly dictionary = new Map<string, string>();

  push(value: string | null): void {
    if (value === null) {
      this.cells.push(null);
      return;
    }
    let interned = this.dictionary.get(value);
    if (interned === undefined) {
      interned = value;
      if (this.dictionary.size < MAX_INTERNED) this.dictionary.set(interned, interned);
    }
    this.cells.push(interned);
  }
}
