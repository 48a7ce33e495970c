/**
 * A small, bounded zip reader (central directory, ZIP64, stored and deflate members). It is lenient where
 * PyTorch's reader is lenient (no CRC or flag checks) and strict about sizes: a member is inflated only up to
 * its declared size, within the scan's inflate allowance, and a declared size/compressed size ratio above
 * the limit is refused before anything is inflated.
 */
import { constants as zc, inflateRawSync } from 'node:zlib';
import type { ScanBudget } from './budget.js';
import { ScanFormatError, ScanLimitError } from './types.js';

/** Random access to bytes, in memory or in a file. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
}

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length)),
  };
}

export interface ZipMember {
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ScanFormatError('zip: 64-bit field too large');
  return Number(v);
}

/** Lists the members of a zip from its central directory. */
export function readZipDirectory(src: ByteSource, budget: ScanBudget): ZipMember[] {
  const tailLen = Math.min(src.size, 22 + 0xffff);
  const tailStart = src.size - tailLen;
  const tail = src.read(tailStart, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ScanFormatError('zip: end of central directory not found (truncated archive?)');
  let entries = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locAt = tailStart + eocd - 20;
    const loc = locAt >= 0 ? src.read(locAt, 20) : Buffer.alloc(0);
    if (loc.length === 20 && loc.readUInt32LE(0) === ZIP64_LOCATOR) {
      const z = src.read(u64(loc, 8), 56);
      if (z.length < 56 || z.readUInt32LE(0) !== ZIP64_EOCD)
        throw new ScanFormatError('zip: bad ZIP64 record');
      entries = u64(z, 32);
      cdSize = u64(z, 40);
      cdOffset = u64(z, 48);
    }
  }
  if (entries > budget.limits.maxArchiveMembers) {
    throw new ScanLimitError('maxArchiveMembers', `zip declares ${entries} members`);
  }
  if (cdOffset + cdSize > src.size)
    throw new ScanFormatError('zip: central directory past the end (truncated)');
  const cd = src.read(cdOffset, cdSize);
  const members: ZipMember[] = [];
  let p = 0;
  while (p + 46 <= cd.length && cd.readUInt32LE(p) === CENTRAL) {
    if (members.length >= budget.limits.maxArchiveMembers) {
      throw new ScanLimitError(
        'maxArchiveMembers',
        `zip has more than ${budget.limits.maxArchiveMembers} members`,
      );
    }
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const nameEnd = p + 46 + nameLen;
    if (nameEnd + extraLen + commentLen > cd.length)
      throw new ScanFormatError('zip: truncated central directory');
    const name = cd.toString('utf8', p + 46, nameEnd);
    // ZIP64 extended information: the 64-bit values of the fields that are 0xFFFFFFFF, in this order.
    let e = nameEnd;
    while (e + 4 <= nameEnd + extraLen) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) {
          size = u64(cd, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + len) {
          compressedSize = u64(cd, q);
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff && q + 8 <= e + 4 + len) localHeaderOffset = u64(cd, q);
      }
      e += 4 + len;
    }
    members.push({ name, method, encrypted: (flags & 1) === 1, compressedSize, size, localHeaderOffset });
    p = nameEnd + extraLen + commentLen;
  }
  if (members.length !== entries && entries !== 0xffff) {
    throw new ScanFormatError(`zip: central directory lists ${members.length} of ${entries} members`);
  }
  return members;
}

function dataOffset(src: ByteSource, m: ZipMember): number {
  const h = src.read(m.localHeaderOffset, 30);
  if (h.length < 30 || h.readUInt32LE(0) !== LOCAL)
    throw new ScanFormatError(`zip: bad local header for ${m.name}`);
  const start = m.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  if (start + m.compressedSize > src.size)
    throw new ScanFormatError(`zip: member ${m.name} runs past the end`);
  return start;
}

function checkMember(m: ZipMember, budget: ScanBudget): void {
  if (m.encrypted) throw new ScanFormatError(`zip: member ${m.name} is encrypted and cannot be scanned`);
  if (m.method !== 0 && m.method !== 8) {
    throw new ScanFormatError(
      `zip: member ${m.name} uses compression method ${m.method}, which is not supported`,
    );
  }
  if (
    m.method === 8 &&
    m.size > 1024 * 1024 &&
    m.size / Math.max(1, m.compressedSize) > budget.limits.maxCompressionRatio
  ) {
    throw new ScanLimitError(
      'maxCompressionRatio',
      `zip member ${m.name} declares ${m.size} bytes from ${m.compressedSize} compressed (ratio above ${budget.limits.maxCompressionRatio})`,
    );
  }
  if (m.size > budget.limits.maxBytesPerFile) {
    throw new ScanLimitError('maxBytesPerFile', `zip member ${m.name} declares ${m.size} bytes`);
  }
}

/** The first `n` bytes of a member (for sniffing), inflating only what is needed. */
export function readMemberHead(src: ByteSource, m: ZipMember, n: number, budget: ScanBudget): Buffer {
  checkMember(m, budget);
  const start = dataOffset(src, m);
  if (m.method === 0) return src.read(start, Math.min(n, m.compressedSize));
  const comp = src.read(start, Math.min(m.compressedSize, 4096));
  try {
    const out = inflateRawSync(comp, { finishFlush: zc.Z_SYNC_FLUSH });
    return out.subarray(0, n);
  } catch {
    throw new ScanFormatError(`zip: member ${m.name} is not valid deflate data`);
  }
}

/** The whole member, bounded by its declared size and the scan's inflate allowance. */
export function readMember(src: ByteSource, m: ZipMember, budget: ScanBudget): Buffer {
  checkMember(m, budget);
  const start = dataOffset(src, m);
  budget.addBytesRead(m.compressedSize);
  if (m.method === 0) {
    if (m.size !== m.compressedSize)
      throw new ScanFormatError(`zip: stored member ${m.name} has mismatched sizes`);
    return src.read(start, m.compressedSize);
  }
  const allowance = budget.inflateAllowance();
  if (m.size > allowance) {
    throw new ScanLimitError(
      'maxInflatedBytes',
      `zip member ${m.name} declares ${m.size} bytes, over what is left`,
    );
  }
  let out: Buffer;
  try {
    // One byte more than declared, so a member that lies about its size is caught instead of truncated.
    out = inflateRawSync(src.read(start, m.compressedSize), { maxOutputLength: Math.max(1, m.size + 1) });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ScanLimitError(
        'maxInflatedBytes',
        `zip member ${m.name} inflates past its declared ${m.size} bytes`,
      );
    }
    throw new ScanFormatError(`zip: member ${m.name} is not valid deflate data`);
  }
  budget.addInflated(out.length);
  if (out.length !== m.size) {
    throw new ScanFormatError(
      `zip: member ${m.name} inflates to ${out.length} bytes, not the declared ${m.size}`,
    );
  }
  return out;
}
