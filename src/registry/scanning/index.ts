/**
 * Model-file scanner: reads pickles (raw, PyTorch zip, joblib, numpy, compressed, in zip and tar archives) and
 * Keras configs without ever deserializing anything. A file is clean only when every import is on the allow
 * list; a known-dangerous import makes it unsafe, any other import suspicious. See docs/model-scanning.md.
 *
 * Example: `const verdict = await scanArtifactTree(store, '1/abc/artifacts/model');
 *           if (verdict.status !== 'clean') refusePromotion(verdict.findings);`
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactStore } from '../../artifacts/index.js';
import { ScanBudget } from './budget.js';
import { scanSource, type ScanContext } from './file-scanner.js';
import {
  DEFAULT_SCAN_LIMITS,
  ScanLimitError,
  SEVERITY_RANK,
  type FindingEffect,
  type FileScanResult,
  type ScanFinding,
  type ScanLimits,
  type ScanOptions,
  type ScanVerdict,
} from './types.js';
import { bufferSource, type ByteSource } from './zip-reader.js';

export type {
  FindingEffect,
  FileScanResult,
  ScanFinding,
  ScanFindingKind,
  ScanLimits,
  ScanOptions,
  ScanStatus,
  ScanVerdict,
  Severity,
} from './types.js';
export { DEFAULT_SCAN_LIMITS, ScanFormatError, ScanLimitError } from './types.js';
export { classifyGlobal } from './globals-policy.js';
export { allowListSize, isAllowListed } from './allowlist.js';

/** One file to scan; `path` is the name used in findings and for the type (with the bytes). */
export interface ScanInputFile {
  path: string;
  read(): Promise<NodeJS.ReadableStream | Buffer>;
  size: number;
}

/** Files at most this big are read into memory; larger ones are spooled to a private temporary file. */
const IN_MEMORY_BYTES = 256 * 1024 * 1024;
/** Limits a failed scan names as global: once crossed, the remaining files are not scanned. */
const SCAN_WIDE: ReadonlySet<keyof ScanLimits> = new Set([
  'timeBudgetMs',
  'maxTotalBytes',
  'maxOpcodes',
  'maxInflatedBytes',
]);

interface ResolvedOptions {
  limits: ScanLimits;
  strict: boolean;
  allow: ReadonlySet<string> | undefined;
}

function resolveOptions(options?: ScanOptions): ResolvedOptions {
  const limits: ScanLimits = { ...DEFAULT_SCAN_LIMITS };
  for (const key of Object.keys(DEFAULT_SCAN_LIMITS) as (keyof ScanLimits)[]) {
    const v = options?.[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) limits[key] = v;
  }
  const extra = options?.allowGlobals?.filter((g) => typeof g === 'string' && g.includes('.'));
  return {
    limits,
    strict: options?.strict === true,
    allow: extra && extra.length > 0 ? new Set(extra) : undefined,
  };
}

/**
 * What one finding does to the verdict: `unsafe` (known-dangerous), `suspicious` (not on the allow list;
 * unsafe with `strict`), `error` (the file could not be scanned: failed) or `informational`.
 */
export function findingEffect(f: ScanFinding, strict = false): FindingEffect {
  switch (f.kind) {
    case 'dangerous-global':
    case 'unresolved-global':
    case 'extension-global':
    case 'global-mutation':
    case 'keras-lambda':
      return 'unsafe';
    case 'unknown-global':
    case 'indirect-call':
    case 'code-file':
      return strict ? 'unsafe' : 'suspicious';
    case 'not-scanned':
      return 'informational';
    case 'scan-error':
      return 'error';
  }
}

/** A finding that keeps the verdict from being clean: unsafe or suspicious (what promotion messages name). */
export function isBlocking(f: ScanFinding, strict = false): boolean {
  const effect = findingEffect(f, strict);
  return effect === 'unsafe' || effect === 'suspicious';
}

/** Folds per-file results into one verdict: unsafe beats failed beats suspicious beats clean. */
export function combineResults(results: FileScanResult[], strict = false): ScanVerdict {
  const findings = results
    .flatMap((r) => r.findings)
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.file.localeCompare(b.file));
  const scannedFiles = results.reduce((n, r) => n + r.scannedFiles, 0);
  const effects = new Set(findings.map((f) => findingEffect(f, strict)));
  if (effects.has('unsafe')) return { status: 'unsafe', scannedFiles, findings };
  const failed = results.find((r) => r.error !== undefined);
  if (failed) {
    const file = findings.find((f) => f.kind === 'scan-error')?.file;
    return {
      status: 'failed',
      scannedFiles,
      findings,
      error: `${file ? `${file}: ` : ''}${failed.error ?? ''}`,
    };
  }
  if (effects.has('suspicious')) return { status: 'suspicious', scannedFiles, findings };
  return { status: 'clean', scannedFiles, findings };
}

function failure(file: string, e: unknown): FileScanResult {
  const error = e instanceof Error ? e.message : String(e);
  return {
    findings: [{ file, kind: 'scan-error', severity: 'HIGH', detail: error }],
    error,
    scannedFiles: 1,
    ...(e instanceof ScanLimitError ? { limit: e.limit } : {}),
  };
}

/** Scans one in-memory file. Synchronous; bounded by `limits` (defaults: DEFAULT_SCAN_LIMITS). */
export function scanBuffer(fileName: string, data: Buffer, limits?: ScanOptions): ScanVerdict {
  const { limits: l, strict, allow } = resolveOptions(limits);
  const budget = new ScanBudget(l);
  let result: FileScanResult;
  try {
    budget.addBytesRead(data.length);
    result = scanSource(fileName, bufferSource(data), { budget, strict, allow });
  } catch (e) {
    result = failure(fileName, e);
  }
  return combineResults([result], strict);
}

type Destroyable = NodeJS.ReadableStream & { destroy?: (error?: Error) => void };

function timeUp(budget: ScanBudget, file: string): ScanLimitError {
  return new ScanLimitError(
    'timeBudgetMs',
    `scan took longer than ${budget.limits.timeBudgetMs} ms (reading ${file})`,
  );
}

/**
 * Waits for `pending` no longer than the scan's time budget allows: storage that stalls (a remote store that
 * stops sending) fails the scan with `timeBudgetMs` instead of holding it forever.
 */
async function withinBudget<T>(
  pending: Promise<T>,
  budget: ScanBudget,
  file: string,
  discardLate?: (value: T) => void,
): Promise<T> {
  budget.checkTime();
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(timeUp(budget, file));
    }, budget.remainingMs());
  });
  pending.then(
    (value) => {
      if (late) discardLate?.(value);
    },
    () => undefined,
  );
  try {
    return await Promise.race([pending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The chunks of a stream, each awaited within the time budget; the stream is destroyed when reading stops early. */
async function* chunksOf(
  stream: NodeJS.ReadableStream,
  budget: ScanBudget,
  file: string,
): AsyncGenerator<Buffer> {
  const chunks = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = await withinBudget(chunks.next(), budget, file);
      if (step.done === true) {
        finished = true;
        return;
      }
      yield typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
    }
  } finally {
    if (!finished) (stream as Destroyable).destroy?.();
  }
}

async function collect(
  stream: NodeJS.ReadableStream,
  cap: number,
  file: string,
  budget: ScanBudget,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const b of chunksOf(stream, budget, file)) {
    n += b.length;
    if (n > cap) throw new ScanLimitError('maxBytesPerFile', `${file} is larger than ${cap} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks, n);
}

/** Writes a large stream to a 0600 file in a fresh 0700 directory and reads it back by offset. */
async function spool(
  stream: NodeJS.ReadableStream,
  cap: number,
  file: string,
  budget: ScanBudget,
): Promise<{ source: ByteSource; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-scan-'));
  const path = join(dir, 'spool');
  const fd = openSync(path, 'wx+', 0o600);
  const dispose = (): void => {
    try {
      closeSync(fd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    let n = 0;
    for await (const b of chunksOf(stream, budget, file)) {
      n += b.length;
      if (n > cap) throw new ScanLimitError('maxTotalBytes', `${file} is larger than ${cap} bytes`);
      writeSync(fd, b);
    }
    const size = n;
    const source: ByteSource = {
      size,
      read(offset, length) {
        const len = Math.max(0, Math.min(length, size - offset));
        const out = Buffer.allocUnsafe(len);
        let got = 0;
        while (got < len) {
          const r = readSync(fd, out, got, len - got, offset + got);
          if (r === 0) break;
          got += r;
        }
        return out.subarray(0, got);
      },
    };
    return { source, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** Scans every file of a model version; one verdict for all. Never throws for bad content. */
export async function scanFiles(
  files: AsyncIterable<ScanInputFile>,
  limits?: ScanOptions,
): Promise<ScanVerdict> {
  const { limits: l, strict, allow } = resolveOptions(limits);
  const budget = new ScanBudget(l);
  const ctx: ScanContext = { budget, strict, allow };
  const results: FileScanResult[] = [];
  try {
    for await (const file of files) {
      let result: FileScanResult;
      let dispose: (() => void) | undefined;
      try {
        budget.checkTime();
        budget.addBytesRead(file.size);
        const body = await withinBudget(file.read(), budget, file.path, (late) => {
          if (!Buffer.isBuffer(late)) (late as Destroyable).destroy?.();
        });
        let source: ByteSource;
        if (Buffer.isBuffer(body)) source = bufferSource(body);
        else if (file.size <= IN_MEMORY_BYTES)
          source = bufferSource(await collect(body, IN_MEMORY_BYTES, file.path, budget));
        else {
          const spooled = await spool(body, l.maxTotalBytes, file.path, budget);
          source = spooled.source;
          dispose = spooled.dispose;
        }
        result = scanSource(file.path, source, ctx);
      } catch (e) {
        result = failure(file.path, e);
      } finally {
        dispose?.();
      }
      results.push(result);
      if (result.limit !== undefined && SCAN_WIDE.has(result.limit)) break;
    }
  } catch (e) {
    results.push(failure('(file listing)', e));
  }
  return combineResults(results, strict);
}

async function* walk(store: ArtifactStore, root: string): AsyncGenerator<ScanInputFile> {
  const pending = [''];
  while (pending.length > 0) {
    const rel = pending.shift() as string;
    const dir = rel === '' ? root : root === '' ? rel : `${root}/${rel}`;
    for (const entry of await store.list(dir)) {
      const childRel = rel === '' ? entry.path : `${rel}/${entry.path}`;
      if (entry.isDir) {
        pending.push(childRel);
        continue;
      }
      const full = root === '' ? childRel : `${root}/${childRel}`;
      yield {
        path: childRel,
        size: entry.fileSize ?? 0,
        read: async () => (await store.get(full)).stream,
      };
    }
  }
}

/**
 * Scans every file under `rootPath` of an artifact store (e.g. a model version's artifact folder). Findings name
 * files relative to `rootPath`. A root that is a single file scans that file.
 */
export async function scanArtifactTree(
  store: ArtifactStore,
  rootPath: string,
  limits?: ScanOptions,
): Promise<ScanVerdict> {
  const root = rootPath.replace(/^\/+|\/+$/g, '');
  const entries = await store.list(root);
  if (entries.length === 0 && root !== '') {
    // Either an empty folder or a single file.
    const single = await store.get(root).catch(() => undefined);
    if (single) {
      const name = root.split('/').pop() ?? root;
      const one = async function* (): AsyncGenerator<ScanInputFile> {
        yield { path: name, size: single.size, read: async () => single.stream };
      };
      return scanFiles(one(), limits);
    }
  }
  return scanFiles(walk(store, root), limits);
}
