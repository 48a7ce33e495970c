import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError, InvalidStateError } from '../../shared/index.js';

/** What a backup folder holds, by name. */
export const BACKUP_FILES = {
  manifest: 'manifest.json',
  database: 'bosun.db',
  artifactIndex: 'artifacts.jsonl',
  artifactFolder: 'artifacts',
} as const;

/** The manifest format this code writes and the newest it reads. */
export const BACKUP_FORMAT_VERSION = 1;

/** The SQLite snapshot in a backup. */
export interface DatabaseSummary {
  engine: 'sqlite';
  /** The file the snapshot was taken from. */
  source: string;
  /** Name of the copy inside the backup folder. */
  file: string;
  bytes: number;
  sha256: string;
  /** Every schema migration applied to the database, sorted. */
  migrations: string[];
  /** The last of `migrations` (the schema's migration level). */
  schemaLevel: string;
}

/** Artifacts in a local folder: each file with size and SHA-256, copied unless `--no-artifacts`. */
export interface LocalArtifactsSummary {
  kind: 'local';
  source: string;
  /** Whether the files were copied into the backup's `artifacts/` folder. */
  copied: boolean;
  /** The JSON-lines index (`{"path","size","sha256"}` per file) and its SHA-256. */
  index: string;
  indexSha256: string;
  files: number;
  bytes: number;
  /** Files listed at first that were gone when read (deleted while the backup ran). */
  vanished: number;
}

/** Artifacts in a bucket: each object's key, size and ETag (the bytes stay in the bucket). */
export interface S3ArtifactsSummary {
  kind: 's3';
  source: string;
  /** The JSON-lines index (`{"key","size","etag"}` per object, keys relative to the prefix) and its SHA-256. */
  index: string;
  indexSha256: string;
  files: number;
  bytes: number;
}

/** `manifest.json`: written last, so a folder without one is not a finished backup. */
export interface BackupManifest {
  format: 'bosun-backup';
  formatVersion: number;
  bosunVersion: string;
  /** When the command started, when the database snapshot started, when everything was written (ISO 8601). */
  startedAt: string;
  snapshotAt: string;
  finishedAt: string;
  database: DatabaseSummary;
  /** Rows per table in the snapshot. */
  counts: Record<string, number>;
  artifacts: LocalArtifactsSummary | S3ArtifactsSummary;
}

/** One line of a local artifact index. */
export interface LocalArtifactEntry {
  path: string;
  size: number;
  sha256: string;
}

/** One line of an S3 artifact index. */
export interface S3ArtifactEntry {
  key: string;
  size: number;
  etag: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(record: Record<string, unknown>, name: string, check: (v: unknown) => v is T): T {
  const value = record[name];
  if (!check(value))
    throw new InvalidParameterError(`Invalid backup manifest: '${name}' is missing or malformed`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isSha = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isPlainName = (v: unknown): v is string =>
  typeof v === 'string' && /^[A-Za-z0-9._-]+$/.test(v) && v !== '..';

/** Checks a parsed `manifest.json` field by field (it is read from disk, so it may be anything). */
export function parseManifest(value: unknown): BackupManifest {
  if (!isRecord(value) || value.format !== 'bosun-backup') {
    throw new InvalidParameterError('Not a Bosun backup: manifest.json has no "format": "bosun-backup"');
  }
  const formatVersion = field(value, 'formatVersion', isCount);
  if (formatVersion > BACKUP_FORMAT_VERSION) {
    throw new InvalidStateError(
      `This backup has format version ${formatVersion}, newer than this Bosun reads (${BACKUP_FORMAT_VERSION}): restore it with the Bosun version that made it (${String(value.bosunVersion)}) or a newer one`,
    );
  }
  const db = field(value, 'database', isRecord);
  if (db.engine !== 'sqlite')
    throw new InvalidParameterError('Invalid backup manifest: database.engine must be sqlite');
  const database: DatabaseSummary = {
    engine: 'sqlite',
    source: field(db, 'source', isString),
    file: field(db, 'file', isPlainName),
    bytes: field(db, 'bytes', isCount),
    sha256: field(db, 'sha256', isSha),
    migrations: field(db, 'migrations', isStrings),
    schemaLevel: field(db, 'schemaLevel', isString),
  };
  const countsRaw = field(value, 'counts', isRecord);
  const counts: Record<string, number> = {};
  for (const [table, n] of Object.entries(countsRaw)) {
    if (!isCount(n))
      throw new InvalidParameterError(`Invalid backup manifest: counts.${table} is not a count`);
    counts[table] = n;
  }
  const a = field(value, 'artifacts', isRecord);
  const common = {
    source: field(a, 'source', isString),
    index: field(a, 'index', isPlainName),
    indexSha256: field(a, 'indexSha256', isSha),
    files: field(a, 'files', isCount),
    bytes: field(a, 'bytes', isCount),
  };
  let artifacts: LocalArtifactsSummary | S3ArtifactsSummary;
  if (a.kind === 'local') {
    artifacts = {
      kind: 'local',
      ...common,
      copied: field(a, 'copied', isBoolean),
      vanished: field(a, 'vanished', isCount),
    };
  } else if (a.kind === 's3') {
    artifacts = { kind: 's3', ...common };
  } else {
    throw new InvalidParameterError("Invalid backup manifest: artifacts.kind must be 'local' or 's3'");
  }
  return {
    format: 'bosun-backup',
    formatVersion,
    bosunVersion: field(value, 'bosunVersion', isString),
    startedAt: field(value, 'startedAt', isString),
    snapshotAt: field(value, 'snapshotAt', isString),
    finishedAt: field(value, 'finishedAt', isString),
    database,
    counts,
    artifacts,
  };
}

/** Reads and checks `DIR/manifest.json`; a clear error when the folder is not a finished backup. */
export async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, BACKUP_FILES.manifest), 'utf8');
  } catch {
    throw new InvalidParameterError(
      `${dir} is not a finished Bosun backup: it has no readable ${BACKUP_FILES.manifest} (a backup writes it last)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidParameterError(`${join(dir, BACKUP_FILES.manifest)} is not valid JSON`);
  }
  return parseManifest(parsed);
}

/** Checks a relative artifact path read from an index: '/'-separated, no empty, '.' or '..' segment. */
export function checkIndexPath(path: string): string {
  const bad =
    path === '' ||
    path.includes('\\') ||
    path.includes('\0') ||
    path.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new InvalidParameterError(`Invalid path in the backup's artifact index: '${path}'`);
  return path;
}
