/**
 * A small, bounded tar reader (POSIX ustar, pax extended headers, GNU long names, old v7 headers). It walks the
 * 512-byte headers of a random-access source and hands out each member as a view of the same bytes, so nothing
 * is copied or decompressed here (a `.tar.gz` is inflated first, within the scan's inflate allowance, by the
 * file scanner). Headers are checked by their checksum; a member that runs past the end, a header that is not
 * a tar header, an oversized pax record or GNU sparse members fail the scan rather than being guessed at.
 *
 * Why not a library such as `tar-stream`: it parses a Node stream asynchronously, while the scanner works
 * synchronously on random-access sources (in memory or a spooled file) under one budget; reading headers is
 * ~150 lines, and this keeps the attack surface of the scanner in code the repository owns.
 */
import type { ScanBudget } from './budget.js';
import { ScanFormatError, ScanLimitError } from './types.js';
import type { ByteSource } from './zip-reader.js';

const BLOCK = 512;
/** Largest pax or GNU long-name header body read (real ones are a few hundred bytes). */
const MAX_META = 1024 * 1024;

export interface TarMember {
  name: string;
  /** Offset of the member's data in the archive. */
  offset: number;
  size: number;
}

/** A view of `size` bytes of `src` from `start`, without copying. */
export function sliceSource(src: ByteSource, start: number, size: number): ByteSource {
  return {
    size,
    read: (offset, length) => {
      const from = Math.max(0, Math.min(offset, size));
      return src.read(start + from, Math.max(0, Math.min(length, size - from)));
    },
  };
}

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul < 0 ? field.length : nul);
}

/** A numeric field: octal ASCII (NUL/space padded) or GNU base-256 (high bit of the first byte set). */
function numeric(buf: Buffer, start: number, length: number, what: string): number {
  const first = buf[start] as number;
  if (first & 0x80) {
    if (first !== 0x80) throw new ScanFormatError(`tar: negative or oversized ${what}`);
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + (buf[i] as number);
    if (!Number.isSafeInteger(n)) throw new ScanFormatError(`tar: ${what} too large`);
    return n;
  }
  const text = buf
    .toString('latin1', start, start + length)
    .replace(/[\0 ]+$/, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ScanFormatError(`tar: ${what} is not an octal number`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let stored: number;
  try {
    stored = numeric(header, 148, 8, 'checksum');
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (header[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** True when `head` starts with a tar header (checksum valid; ustar magic or a plain v7 header). */
export function isTar(head: Buffer): boolean {
  if (head.length < BLOCK) return false;
  if (head.subarray(0, BLOCK).every((b) => b === 0)) return false;
  if (!checksumOk(head)) return false;
  const magic = head.toString('latin1', 257, 262);
  return magic === 'ustar' || head[0] !== 0;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** `len key=value\n` records of a pax header. */
function paxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < body.length) {
    const sp = body.indexOf(0x20, p);
    if (sp < 0) break;
    const len = Number(body.toString('latin1', p, sp));
    if (!Number.isSafeInteger(len) || len <= sp - p || p + len > body.length) {
      throw new ScanFormatError('tar: malformed pax record');
    }
    const record = body.toString('utf8', sp + 1, p + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    p += len;
  }
  return out;
}

/**
 * The regular-file members of a tar, in order. Directories, links, devices and FIFOs carry no data and are
 * skipped; unknown type flags are read as regular files (as POSIX says). Throws ScanFormatError for a damaged
 * archive and ScanLimitError past `maxArchiveMembers` or `maxBytesPerFile`.
 */
export function* readTarMembers(src: ByteSource, budget: ScanBudget): Generator<TarMember> {
  let pos = 0;
  let count = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  const limits = budget.limits;
  while (pos + BLOCK <= src.size) {
    budget.checkTime();
    const header = src.read(pos, BLOCK);
    if (isZeroBlock(header)) return; // end of archive (one zero block is enough)
    if (!checksumOk(header)) throw new ScanFormatError(`tar: bad header checksum at offset ${pos}`);
    const type = String.fromCharCode(header[156] as number);
    let size = numeric(header, 124, 12, 'size');
    if (pax?.has('size')) size = Number(pax.get('size'));
    if (!Number.isSafeInteger(size) || size < 0) throw new ScanFormatError(`tar: bad size at offset ${pos}`);
    const data = pos + BLOCK;
    if (data + size > src.size) {
      throw new ScanFormatError(`tar: member at offset ${pos} runs past the end (truncated archive)`);
    }
    const next = data + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_META) throw new ScanFormatError(`tar: ${size}-byte extended header at offset ${pos}`);
      const body = src.read(data, size);
      if (type === 'x') pax = paxRecords(body);
      else if (type === 'L') longName = cString(body, 0, body.length);
      // 'g' (global pax) and 'K' (long link name) change nothing the scanner needs
      pos = next;
      continue;
    }
    if (type === 'S' || type === 'M') {
      throw new ScanFormatError(
        `tar: ${type === 'S' ? 'GNU sparse' : 'multi-volume'} members are not supported`,
      );
    }
    const prefix = header.toString('latin1', 257, 262) === 'ustar' ? cString(header, 345, 155) : '';
    const plain = cString(header, 0, 100);
    const name = pax?.get('path') ?? longName ?? (prefix ? `${prefix}/${plain}` : plain);
    longName = undefined;
    pax = undefined;
    pos = next;
    if ('123456V'.includes(type)) continue; // links, devices, directories, FIFOs, volume labels: no data
    count += 1;
    if (count > limits.maxArchiveMembers) {
      throw new ScanLimitError('maxArchiveMembers', `tar has more than ${limits.maxArchiveMembers} members`);
    }
    if (size > limits.maxBytesPerFile) {
      throw new ScanLimitError('maxBytesPerFile', `tar member ${name} is ${size} bytes`);
    }
    yield { name, offset: data, size };
  }
  if (pos < src.size && !isZeroBlock(src.read(pos, src.size - pos))) {
    throw new ScanFormatError(
      `tar: ${src.size - pos} trailing bytes do not make a header (truncated archive)`,
    );
  }
}
