import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createS3Client, isS3Uri, LocalArtifactStore, parseS3Uri } from '../../artifacts/index.js';
import { sqliteFileOf } from '../../db/index.js';
import { InvalidParameterError, type S3Settings } from '../../shared/index.js';
import { indexLocalArtifacts, indexS3Artifacts, type IndexedArtifacts } from './artifact-index.js';
import { BACKUP_FILES, BACKUP_FORMAT_VERSION, type BackupManifest } from './backup-manifest.js';
import { hashFile, inspectSqlite, snapshotSqlite } from './sqlite-snapshot.js';

/** What `bosun backup` backs up and where to. */
export interface BackupOptions {
  /** The server's `--backend-store-uri`; only `sqlite://` is accepted (PostgreSQL: pg_dump, see docs/backup.md). */
  backendStoreUri: string;
  /** The server's `--artifacts-destination`: a folder or `s3://bucket/prefix`. */
  artifactsDestination: string;
  /** Needed when the destination is a bucket. */
  s3?: S3Settings;
  /** The backup folder: created, or empty. */
  to: string;
  /** Copy a local artifact folder's files into the backup (false: index them only). */
  copyArtifacts: boolean;
  /** Recorded in the manifest. */
  bosunVersion: string;
  now?: () => Date;
  /** One line per phase, for the command's progress output. */
  progress?: (line: string) => void;
}

/** The refusal for a PostgreSQL database, pointing to the documented procedure. */
export function postgresRefusal(command: 'backup' | 'restore'): string {
  const tool = command === 'backup' ? 'pg_dump' : 'pg_restore';
  return `bosun ${command} works on SQLite databases only. For PostgreSQL, use ${tool} for the database and copy the artifact store as described in docs/backup.md ("PostgreSQL")`;
}

/** The SQLite file of a backend store URI, or a clear refusal. */
export function sqliteFileFor(uri: string, command: 'backup' | 'restore'): string {
  const file = sqliteFileOf(uri);
  if (file === undefined) {
    if (/^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//.test(uri))
      throw new InvalidParameterError(postgresRefusal(command));
    throw new InvalidParameterError(
      `Unsupported backend store URI '${uri}': use sqlite:///path/to/file.db (PostgreSQL: see docs/backup.md)`,
    );
  }
  if (file === ':memory:')
    throw new InvalidParameterError(`An in-memory database cannot be used with bosun ${command}`);
  return file;
}

async function isEmptyFolder(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * Backs up a running (or stopped) server's SQLite database and artifacts into an empty folder:
 * `bosun.db` (a consistent snapshot, see `snapshotSqlite`), `artifacts.jsonl` (every artifact file with size and
 * SHA-256, or every S3 object with size and ETag), `artifacts/` (a local folder's files, unless
 * `copyArtifacts` is false) and last `manifest.json`. The database is copied first and the artifacts after it,
 * so every artifact a backed-up run could have written before the snapshot is in the backup (unless deleted
 * meanwhile); artifacts written later may be too.
 *
 * Example: `await createBackup({ backendStoreUri: 'sqlite:////srv/bosun/bosun.db',
 *             artifactsDestination: '/srv/bosun/artifacts', to: '/backups/2026-12-07', copyArtifacts: true,
 *             bosunVersion: '0.1.0' })`.
 */
export async function createBackup(options: BackupOptions): Promise<BackupManifest> {
  const now = options.now ?? (() => new Date());
  const progress = options.progress ?? (() => undefined);
  const source = sqliteFileFor(options.backendStoreUri, 'backup');
  const to = resolve(options.to);
  if (!(await isEmptyFolder(to))) {
    throw new InvalidParameterError(`Backup folder ${to} is not empty: choose a new or empty folder`);
  }
  await mkdir(to, { recursive: true, mode: 0o700 });
  const startedAt = now().toISOString();

  progress(`database: snapshot of ${source}`);
  const snapshotAt = now().toISOString();
  const dbFile = join(to, BACKUP_FILES.database);
  snapshotSqlite(source, dbFile);
  const contents = inspectSqlite(dbFile);
  const dbHash = await hashFile(dbFile);
  progress(`database: ${dbHash.bytes} bytes, ${contents.counts.runs ?? 0} runs`);

  const indexFile = join(to, BACKUP_FILES.artifactIndex);
  let indexed: IndexedArtifacts;
  let artifacts: BackupManifest['artifacts'];
  if (isS3Uri(options.artifactsDestination)) {
    if (options.s3 === undefined) {
      throw new InvalidParameterError(
        'S3 artifact storage needs S3 settings (MLFLOW_S3_ENDPOINT_URL, AWS_*)',
      );
    }
    progress(`artifacts: listing ${options.artifactsDestination}`);
    const client = createS3Client(options.s3);
    try {
      indexed = await indexS3Artifacts(client, parseS3Uri(options.artifactsDestination), indexFile);
    } finally {
      client.destroy();
    }
    artifacts = {
      kind: 's3',
      source: options.artifactsDestination,
      index: BACKUP_FILES.artifactIndex,
      indexSha256: indexed.indexSha256,
      files: indexed.files,
      bytes: indexed.bytes,
    };
  } else {
    const folder = resolve(options.artifactsDestination);
    progress(`artifacts: ${options.copyArtifacts ? 'copying' : 'indexing'} ${folder}`);
    const store = new LocalArtifactStore(folder, { hidden: [to] });
    const copyTo = options.copyArtifacts ? join(to, BACKUP_FILES.artifactFolder) : undefined;
    if (copyTo !== undefined) await mkdir(copyTo, { mode: 0o700 });
    indexed = await indexLocalArtifacts(store, indexFile, copyTo);
    artifacts = {
      kind: 'local',
      source: folder,
      copied: options.copyArtifacts,
      index: BACKUP_FILES.artifactIndex,
      ...indexed,
    };
  }
  progress(`artifacts: ${indexed.files} files, ${indexed.bytes} bytes`);

  const migrations = [...contents.migrations].sort();
  const manifest: BackupManifest = {
    format: 'bosun-backup',
    formatVersion: BACKUP_FORMAT_VERSION,
    bosunVersion: options.bosunVersion,
    startedAt,
    snapshotAt,
    finishedAt: now().toISOString(),
    database: {
      engine: 'sqlite',
      source,
      file: BACKUP_FILES.database,
      bytes: dbHash.bytes,
      sha256: dbHash.sha256,
      migrations,
      schemaLevel: migrations.at(-1) ?? '',
    },
    counts: contents.counts,
    artifacts,
  };
  const manifestFile = join(to, BACKUP_FILES.manifest);
  await writeFile(`${manifestFile}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await rename(`${manifestFile}.tmp`, manifestFile);
  return manifest;
}
