/**
 * Decides what a file is (by its bytes first, its name second) and scans it: pickle streams, zip archives
 * (PyTorch, .npz, .keras, .skops, nested zips), tar archives, numpy .npy, joblib files, gzip/zlib-compressed
 * content, Keras HDF5 and JSON configs. Nothing is ever deserialized: pickles are read by `pickle-scanner.ts`,
 * JSON configs by `config-scanner.ts`, HDF5 is searched as bytes.
 */
import { constants as zc, gunzipSync, inflateSync } from 'node:zlib';
import type { ScanBudget } from './budget.js';
import { scanJsonConfig, scanMlmodel } from './config-scanner.js';
import { canonicalModule } from './globals-policy.js';
import { hasPickleMagic, ImportLog, readPickleStream } from './pickle-scanner.js';
import { isTar, readTarMembers, sliceSource } from './tar-reader.js';
import {
  ScanFormatError,
  ScanLimitError,
  type FileScanResult,
  type ScanFinding,
  type ScanLimits,
} from './types.js';
import { bufferSource, readMember, readMemberHead, readZipDirectory, type ByteSource } from './zip-reader.js';

export interface ScanContext {
  budget: ScanBudget;
  strict: boolean;
  /** Allow-list entries on top of the built-in list (ScanOptions.allowGlobals). */
  allow?: ReadonlySet<string> | undefined;
}

/** Extensions picklescan and modelscan treat as pickle (plus joblib's and dill's). */
const PICKLE_EXTS = new Set([
  'pkl',
  'pickle',
  'joblib',
  'dat',
  'data',
  'bin',
  'pt',
  'pth',
  'ckpt',
  'dill',
  'sav',
  'p',
  'pck',
]);
/** Plain data: never loaded with pickle. A pickle hidden in one is still reported when it parses as one. */
const DATA_EXTS = new Set([
  'safetensors',
  'json',
  'txt',
  'yaml',
  'yml',
  'md',
  'csv',
  'tsv',
  'parquet',
  'onnx',
  'tflite',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'html',
  'toml',
  'cfg',
  'ini',
  'xml',
  'arrow',
  'feather',
  'avro',
  'log',
  'gguf',
  'msgpack',
  'index',
  'r',
  'ipynb',
  'lock',
  'mlmodel',
]);
/** Members of a PyTorch zip that hold raw tensor bytes, read by torch as bytes, never unpickled. */
const TORCH_STORAGE = /(^|\/)data\/\d+$/;
const SPECULATIVE_WINDOW = 64 * 1024 * 1024;
/** How much of a tar's start is also read as a pickle (a polyglot's pickle starts in the first header). */
const TAR_HEAD_WINDOW = 1024 * 1024;
/** Bytes read to sniff a file's type (a tar header is 512). */
const HEAD = 512;
const LAMBDA = /"class_name"\s*:\s*"(Lambda|__lambda__)"/g;
/** Extensions of archive members worth opening (besides what their first bytes say). */
const MEMBER_EXTS = new Set([
  'npy',
  'h5',
  'hdf5',
  'pb',
  'json',
  'keras',
  'zip',
  'npz',
  'tar',
  'tgz',
  'gz',
  'skops',
]);

function extOf(label: string): string {
  const last = label.split('!').pop() ?? label;
  const base = last.split('/').pop() ?? last;
  if (base === 'MLmodel') return 'mlmodel';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function startsWith(head: Buffer, ...bytes: number[]): boolean {
  return bytes.every((b, i) => head[i] === b);
}

function isZip(head: Buffer): boolean {
  return startsWith(head, 0x50, 0x4b, 0x03, 0x04) || startsWith(head, 0x50, 0x4b, 0x05, 0x06);
}
const isGzip = (h: Buffer): boolean => startsWith(h, 0x1f, 0x8b);
const isNpy = (h: Buffer): boolean => startsWith(h, 0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
const isHdf5 = (h: Buffer): boolean => startsWith(h, 0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a);
function isZlib(h: Buffer): boolean {
  const a = h[0];
  const b = h[1];
  return a === 0x78 && b !== undefined && (a * 256 + b) % 31 === 0;
}
/** Compressions joblib (and others) use that Node's zlib cannot open. */
function otherCompression(h: Buffer): string | undefined {
  if (startsWith(h, 0x42, 0x5a, 0x68) && (h[3] ?? 0) >= 0x31 && (h[3] ?? 0) <= 0x39) return 'bz2';
  if (startsWith(h, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (startsWith(h, 0x5d, 0x00, 0x00)) return 'lzma';
  if (startsWith(h, 0x04, 0x22, 0x4d, 0x18)) return 'lz4';
  if (startsWith(h, 0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (startsWith(h, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return '7z';
  return undefined;
}

class FileScan {
  readonly findings: ScanFinding[] = [];
  scanned = 0;
  constructor(readonly ctx: ScanContext) {}

  get limits(): ScanLimits {
    return this.ctx.budget.limits;
  }

  whole(label: string, src: ByteSource): Buffer {
    if (src.size > this.limits.maxBytesPerFile) {
      throw new ScanLimitError('maxBytesPerFile', `${label} is ${src.size} bytes`);
    }
    return src.read(0, src.size);
  }

  newLog(): ImportLog {
    return new ImportLog(this.ctx.allow);
  }

  scan(label: string, src: ByteSource, depth: number): void {
    this.ctx.budget.checkTime();
    const head = src.read(0, HEAD);
    const ext = extOf(label);
    if (isZip(head)) return this.scanZip(label, src, depth);
    if (isTar(head)) return this.scanTar(label, src, depth);
    if (isNpy(head)) return this.scanNpy(label, this.whole(label, src));
    if (isHdf5(head) || ext === 'h5' || ext === 'hdf5')
      return this.scanKerasBytes(label, src, 'HDF5 model_config');
    if (isGzip(head)) return this.scanDecompressed(label, src, depth, 'gzip');
    const other = otherCompression(head);
    if (other && !DATA_EXTS.has(ext)) {
      throw new ScanFormatError(`${other}-compressed content cannot be decompressed by the scanner`);
    }
    if (isZlib(head) && !DATA_EXTS.has(ext)) {
      try {
        return this.scanDecompressed(label, src, depth, 'zlib');
      } catch (e) {
        if (e instanceof ScanLimitError || PICKLE_EXTS.has(ext)) throw e;
        // Not zlib after all: fall through and treat it by name.
      }
    }
    if (startsWith(head, 0x5a, 0x46) && PICKLE_EXTS.has(ext)) return this.scanJoblibZfile(label, src, depth);
    if (ext === 'pb') return this.scanSavedModel(label, src);
    if (ext === 'json') return this.scanJson(label, src);
    if (ext === 'py') return this.codeFile(label);
    if (ext === 'mlmodel' && src.size <= 1024 * 1024) {
      this.findings.push(...scanMlmodel(label, src.read(0, src.size)));
      return this.scanSpeculative(label, src);
    }
    if (ext === 'keras') return this.scanKerasBytes(label, src, 'Keras config');
    if (PICKLE_EXTS.has(ext) || (hasPickleMagic(head) && !DATA_EXTS.has(ext))) {
      return this.scanPickle(label, this.whole(label, src), 0);
    }
    this.scanSpeculative(label, src);
  }

  scanPickle(label: string, buf: Buffer, start: number): void {
    this.scanned += 1;
    const log = this.newLog();
    try {
      readPickleStream(buf, start, { budget: this.ctx.budget, log, joblib: true });
    } finally {
      this.findings.push(...log.toFindings(label));
    }
  }

  /**
   * A file of unknown type may still be a (protocol 0/1) pickle: report it if it reads as one to the end.
   * `window` bounds what is read; a stream still going at its end is read whole when `escalate` (a file that
   * may be a pickle), and otherwise kept as it is (the start of a tar, which is a tar first).
   */
  scanSpeculative(label: string, src: ByteSource, window = SPECULATIVE_WINDOW, escalate = true): void {
    const bytes = src.read(0, Math.min(src.size, window));
    const log = this.newLog();
    try {
      readPickleStream(bytes, 0, { budget: this.ctx.budget, log, joblib: true });
    } catch (e) {
      if (e instanceof ScanLimitError) throw e;
      const cut = bytes.length < src.size && e instanceof ScanFormatError && /truncated/.test(e.message);
      if (cut && escalate) return this.scanPickle(label, this.whole(label, src), 0);
      if (!cut) {
        // Not a pickle: plain data. Only what a real payload needs, read before the parse broke down, is kept:
        // a dangerous import, or an unknown import that was called (pickle.load runs it before the break).
        const called = new Set(
          [...log.records.values()]
            .filter((r) => r.calls.size > 0)
            .map((r) => `${canonicalModule(r.module)}.${r.name}`),
        );
        const findings = log
          .toFindings(label)
          .filter(
            (f) =>
              f.kind === 'dangerous-global' ||
              (f.kind === 'unknown-global' && called.has(`${f.module}.${f.name}`)),
          );
        if (findings.length > 0) {
          this.scanned += 1;
          this.findings.push(...findings);
        }
        return;
      }
      // cut and not escalated: a pickle still going at the end of the window; everything it imported counts
    }
    const findings = log.toFindings(label);
    if (findings.length > 0 || escalate) this.scanned += 1;
    this.findings.push(...findings);
  }

  scanZip(label: string, src: ByteSource, depth: number): void {
    if (depth + 1 > this.limits.maxArchiveDepth) {
      throw new ScanLimitError(
        'maxArchiveDepth',
        `${label} nests archives deeper than ${this.limits.maxArchiveDepth}`,
      );
    }
    this.scanned += 1;
    const budget = this.ctx.budget;
    const archiveExt = extOf(label);
    for (const m of readZipDirectory(src, budget)) {
      if (m.name.endsWith('/')) continue;
      budget.checkTime();
      const memberLabel = `${label}!${m.name}`;
      const ext = extOf(m.name);
      if (TORCH_STORAGE.test(m.name) && !PICKLE_EXTS.has(ext)) continue;
      const head = readMemberHead(src, m, HEAD, budget);
      const wanted =
        PICKLE_EXTS.has(ext) ||
        MEMBER_EXTS.has(ext) ||
        isZip(head) ||
        isTar(head) ||
        isGzip(head) ||
        isNpy(head) ||
        isHdf5(head) ||
        hasPickleMagic(head) ||
        (archiveExt === 'keras' && ext === 'json');
      if (!wanted) continue;
      const body = readMember(src, m, budget);
      this.scan(memberLabel, bufferSource(body), depth + 1);
    }
  }

  /**
   * Every regular member of a tar is scanned by content, as a file at the top would be (members are views of
   * the archive's bytes: nothing is inflated or copied to look at them).
   */
  scanTar(label: string, src: ByteSource, depth: number): void {
    if (depth + 1 > this.limits.maxArchiveDepth) {
      throw new ScanLimitError(
        'maxArchiveDepth',
        `${label} nests archives deeper than ${this.limits.maxArchiveDepth}`,
      );
    }
    this.scanned += 1;
    // A tar header starts with free text (the member name), which can also be a complete pickle: plain
    // `pickle.load` of the archive would run it. Read the start as a pickle too.
    this.scanSpeculative(label, src, TAR_HEAD_WINDOW, false);
    for (const m of readTarMembers(src, this.ctx.budget)) {
      if (m.size === 0) continue;
      this.scan(`${label}!${m.name}`, sliceSource(src, m.offset, m.size), depth + 1);
    }
  }

  scanNpy(label: string, buf: Buffer): void {
    this.scanned += 1;
    const major = buf[6];
    let headerLen: number;
    let start: number;
    if (major === 1 && buf.length >= 10) {
      headerLen = buf.readUInt16LE(8);
      start = 10;
    } else if ((major === 2 || major === 3) && buf.length >= 12) {
      headerLen = buf.readUInt32LE(8);
      start = 12;
    } else {
      throw new ScanFormatError(`npy: unsupported format version ${String(major)} or truncated header`);
    }
    if (headerLen > 1024 * 1024 || start + headerLen > buf.length) {
      throw new ScanFormatError(`npy: header length ${headerLen} is past the end of the file or too large`);
    }
    const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
    if (!/'descr'\s*:/.test(header)) throw new ScanFormatError('npy: header without descr');
    const single = /'descr'\s*:\s*'([^']*)'/.exec(header);
    const hasObject =
      single?.[1] !== undefined ? /^[|<>=]?O/.test(single[1]) : /,\s*'[|<>=]?O\d*'\s*[,)]/.test(header);
    if (!hasObject) return; // raw numbers: data
    const log = this.newLog();
    try {
      readPickleStream(buf, start + headerLen, { budget: this.ctx.budget, log, joblib: false });
    } finally {
      this.findings.push(...log.toFindings(label));
    }
  }

  scanDecompressed(label: string, src: ByteSource, depth: number, kind: 'gzip' | 'zlib', from = 0): void {
    if (depth + 1 > this.limits.maxArchiveDepth) {
      throw new ScanLimitError(
        'maxArchiveDepth',
        `${label} nests compression deeper than ${this.limits.maxArchiveDepth}`,
      );
    }
    const input = this.whole(label, src).subarray(from);
    const budget = this.ctx.budget;
    if (kind === 'gzip' && input.length >= 18) {
      // The gzip trailer declares the size (mod 2^32): refuse a bomb before inflating it.
      const declared = input.readUInt32LE(input.length - 4);
      if (declared > 1024 * 1024 && declared / input.length > this.limits.maxCompressionRatio) {
        throw new ScanLimitError(
          'maxCompressionRatio',
          `${label} declares ${declared} bytes from ${input.length} compressed (ratio above ${this.limits.maxCompressionRatio})`,
        );
      }
    }
    const cap = Math.min(budget.inflateAllowance(), this.limits.maxBytesPerFile);
    let out: Buffer;
    try {
      const opts = { maxOutputLength: Math.max(1, cap), finishFlush: zc.Z_FINISH };
      out = kind === 'gzip' ? gunzipSync(input, opts) : inflateSync(input, opts);
    } catch (e) {
      if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ScanLimitError('maxInflatedBytes', `${label} decompresses to more than ${cap} bytes`);
      }
      throw new ScanFormatError(`${kind}: invalid or truncated compressed data`);
    }
    budget.addInflated(out.length);
    const inner = label.endsWith('.gz')
      ? label.slice(0, -3)
      : label.endsWith('.tgz')
        ? `${label.slice(0, -4)}.tar`
        : `${label}!${kind}`;
    const head = out.subarray(0, HEAD);
    const container =
      isZip(head) || isTar(head) || isNpy(head) || isGzip(head) || isZlib(head) || isHdf5(head);
    // joblib's compressed files hold a pickle: read it strictly even without the protocol header.
    if (!container && extOf(inner) === '' && (hasPickleMagic(head) || PICKLE_EXTS.has(extOf(label)))) {
      return this.scanPickle(inner, out, 0);
    }
    this.scan(inner, bufferSource(out), depth + 1);
  }

  /** joblib < 0.10 wrote `ZF`, a padded hex length, then a zlib stream. */
  scanJoblibZfile(label: string, src: ByteSource, depth: number): void {
    const head = src.read(0, 64);
    for (let i = 2; i + 1 < head.length; i++) {
      if (isZlib(head.subarray(i))) return this.scanDecompressed(label, src, depth, 'zlib', i);
    }
    throw new ScanFormatError('joblib: ZF header without a zlib stream');
  }

  /** Python source in a model folder: mlflow imports it (code paths, models-from-code); never clean. */
  codeFile(label: string): void {
    this.scanned += 1;
    this.findings.push({
      file: label,
      kind: 'code-file',
      severity: 'MEDIUM',
      detail:
        'Python source shipped with the model: mlflow imports it when the model lists it (code paths, ' +
        'models-from-code), so it runs on load; the scanner does not judge source code',
    });
  }

  /**
   * A JSON file: a Keras or skops config names the classes and functions loading it imports, each checked
   * against the lists (`config-scanner.ts`); any JSON is also searched for Keras Lambda layers.
   */
  scanJson(label: string, src: ByteSource): void {
    this.scanKerasBytes(label, src, 'Keras config');
    if (src.size <= this.limits.maxBytesPerFile) {
      this.findings.push(...scanJsonConfig(label, src.read(0, src.size), this.ctx.allow));
    }
  }

  /** Keras Lambda layers carry Python code that runs on load; found by searching the config text. */
  scanKerasBytes(label: string, src: ByteSource, what: string): void {
    this.scanned += 1;
    const chunk = 16 * 1024 * 1024;
    const overlap = 4096;
    let count = 0;
    const names: string[] = [];
    for (let off = 0; off < src.size; off += chunk) {
      this.ctx.budget.checkTime();
      const start = Math.max(0, off - overlap);
      const text = src.read(start, Math.min(src.size, off + chunk) - start).toString('latin1');
      LAMBDA.lastIndex = 0;
      for (let m = LAMBDA.exec(text); m; m = LAMBDA.exec(text)) {
        if (start + m.index < off) continue; // seen in the previous chunk
        count += 1;
        const near = /"name"\s*:\s*"([^"]{1,200})"/.exec(text.slice(m.index, m.index + 2000));
        if (near?.[1] && names.length < 20) names.push(near[1]);
      }
    }
    if (count > 0) {
      this.findings.push({
        file: label,
        kind: 'keras-lambda',
        module: 'keras.layers',
        name: 'Lambda',
        severity: 'MEDIUM',
        detail: `${count} Keras Lambda layer(s) in the ${what}${names.length ? ` (${names.join(', ')})` : ''}: their Python code runs when the model is loaded`,
      });
    }
  }

  scanSavedModel(label: string, src: ByteSource): void {
    this.scanKerasBytes(label, src, 'SavedModel metadata');
    this.findings.push({
      file: label,
      kind: 'not-scanned',
      severity: 'LOW',
      detail: 'TensorFlow SavedModel graphs are not analysed (only searched for Keras Lambda layers)',
    });
  }
}

/** Scans one file or archive member; never throws for bad content (the error is in the result). */
export function scanSource(label: string, src: ByteSource, ctx: ScanContext): FileScanResult {
  const scan = new FileScan(ctx);
  try {
    scan.scan(label, src, 0);
    return { findings: scan.findings, scannedFiles: scan.scanned };
  } catch (e) {
    const error =
      e instanceof ScanLimitError || e instanceof ScanFormatError
        ? e.message
        : `internal scanner error: ${e instanceof Error ? e.message : String(e)}`;
    const limit = e instanceof ScanLimitError ? e.limit : undefined;
    scan.findings.push({ file: label, kind: 'scan-error', severity: 'HIGH', detail: error });
    return {
      findings: scan.findings,
      scannedFiles: Math.max(1, scan.scanned),
      error,
      ...(limit ? { limit } : {}),
    };
  }
}
