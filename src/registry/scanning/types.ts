/**
 * Shapes of the model-file scanner: severities and findings (modelscan's scale), verdicts, and the bounds a scan
 * runs within. See docs/model-scanning.md for the policy these types carry.
 */

/** modelscan's levels: CRITICAL runs code, HIGH reaches files or the network, MEDIUM unknown, LOW informational. */
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

export const SEVERITY_RANK: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };

export type ScanFindingKind =
  /** An import on the dangerous list (makes the verdict unsafe). */
  | 'dangerous-global'
  /** A STACK_GLOBAL whose module or name is not a string the scanner could resolve (unsafe, as picklescan). */
  | 'unresolved-global'
  /** An EXT1/EXT2/EXT4 opcode: an import through copyreg's extension registry, which cannot be resolved (unsafe). */
  | 'extension-global'
  /** BUILD, SETITEM(S), APPEND(S) or ADDITEMS applied to an imported object itself: it changes module state (unsafe). */
  | 'global-mutation'
  /** An import that is not on the allow list of known-safe constructors (makes the verdict suspicious). */
  | 'unknown-global'
  /** REDUCE, NEWOBJ, OBJ or NEWOBJ_EX calling something that is not an import, e.g. a call's result (suspicious). */
  | 'indirect-call'
  /** Python source shipped with the model (`code/`, models-from-code): mlflow imports it on load (suspicious). */
  | 'code-file'
  /** A Keras `Lambda` layer or `__lambda__` function: Python code that runs when the model is loaded (unsafe). */
  | 'keras-lambda'
  /** A file or part the scanner does not inspect (TensorFlow SavedModel graphs); informational. */
  | 'not-scanned'
  /** A file that could not be scanned (parse error, unsupported compression, a limit): the verdict is failed. */
  | 'scan-error';

/** What a finding does to the verdict (see `findingEffect` in index.ts). */
export type FindingEffect = 'unsafe' | 'suspicious' | 'informational' | 'error';

export interface ScanFinding {
  /** The file, with `!member` for each archive level, e.g. `model.pt!archive/data.pkl`. */
  file: string;
  kind: ScanFindingKind;
  module?: string;
  name?: string;
  severity: Severity;
  detail: string;
  /** Byte offset, in the file or archive member, of the first opcode the finding is about (pickles only). */
  offset?: number;
  /** The opcodes that imported and used the global, e.g. `['STACK_GLOBAL', 'REDUCE']` (pickles only). */
  opcodes?: string[];
}

/**
 * One verdict per scan, from worst to best: `unsafe` (a known-dangerous import, code in the file), `failed`
 * (could not be read to the end: treat as unsafe), `suspicious` (imports or calls that are not on the allow
 * list of known-safe constructors: nothing known-bad, but nothing vouches for them either), `clean` (every
 * import is allow-listed; findings, if any, are informational).
 */
export type ScanVerdict =
  | { status: 'clean'; scannedFiles: number; findings: ScanFinding[] /* informational only */ }
  | { status: 'suspicious'; scannedFiles: number; findings: ScanFinding[] }
  | { status: 'unsafe'; scannedFiles: number; findings: ScanFinding[] }
  | { status: 'failed'; scannedFiles: number; findings: ScanFinding[]; error: string };

export type ScanStatus = ScanVerdict['status'];

export interface ScanLimits {
  /** Largest file (as stored, before decompression) the scanner reads. */
  maxBytesPerFile: number;
  /** Bytes read across all files of one scan (one model version). */
  maxTotalBytes: number;
  /** Bytes produced by decompression across one scan (zip members, gzip, zlib), counted as they are produced. */
  maxInflatedBytes: number;
  /** Largest ratio of a zip member's declared uncompressed size to its compressed size. */
  maxCompressionRatio: number;
  /** Archives inside archives (a file at the top is depth 0; its zip members are depth 1). */
  maxArchiveDepth: number;
  /** Members in one zip or tar archive. */
  maxArchiveMembers: number;
  /** Pickle opcodes across one scan. */
  maxOpcodes: number;
  /** Entries on the symbolic pickle stack (all MARK levels together). */
  maxStackSize: number;
  /** Entries in one pickle memo. */
  maxMemoSize: number;
  /** Wall-clock budget of one scan. */
  timeBudgetMs: number;
}

export interface ScanOptions extends Partial<ScanLimits> {
  /** Make a suspicious verdict unsafe (picklescan's `--strict`). Default false: the verdict is `suspicious`. */
  strict?: boolean;
  /**
   * Extra `module.qualname` entries (exact, e.g. `mycompany.features.Scaler`) to treat as allow-listed, for a
   * team's own classes. A dangerous entry stays dangerous: the deny list is checked first.
   */
  allowGlobals?: readonly string[];
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxBytesPerFile: 4 * 1024 ** 3,
  maxTotalBytes: 16 * 1024 ** 3,
  maxInflatedBytes: 2 * 1024 ** 3,
  maxCompressionRatio: 200,
  maxArchiveDepth: 3,
  maxArchiveMembers: 100_000,
  maxOpcodes: 200_000_000,
  maxStackSize: 1_000_000,
  maxMemoSize: 5_000_000,
  timeBudgetMs: 120_000,
};

/** A scan stops with this error when a bound is crossed; `limit` names the ScanLimits field. */
export class ScanLimitError extends Error {
  constructor(
    readonly limit: keyof ScanLimits,
    message: string,
  ) {
    super(`limit ${limit} exceeded: ${message}`);
    this.name = 'ScanLimitError';
  }
}

/** A stream or container that is malformed, truncated or unsupported. */
export class ScanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanFormatError';
  }
}

/** What one file (or archive member) produced. */
export interface FileScanResult {
  findings: ScanFinding[];
  /** Set when the file could not be scanned to the end; the verdict is then failed. */
  error?: string;
  /** The ScanLimits field that stopped the scan, when one did. */
  limit?: keyof ScanLimits;
  /** Files (and archive members) actually inspected as pickle, archive, numpy or Keras content. */
  scannedFiles: number;
}
