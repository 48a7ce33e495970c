import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { openArtifactStorage } from '../../artifacts/index.js';
import { migrateToLatest, openDatabase } from '../../db/index.js';
import { InvalidStateError, type S3Settings } from '../../shared/index.js';
import { readLocalIndex, verifyCopiedArtifacts } from './artifact-index.js';
import { BACKUP_FILES, readManifest, type BackupManifest } from './backup-manifest.js';
import { sqliteFileFor } from './create-backup.js';
import { hashFile, inspectSqlite } from './sqlite-snapshot.js';

/** Where `bosun restore` restores a backup to. */
export interface RestoreOptions {
  /** The backup folder (as `bosun backup --to` wrote it). */
  from: string;
  /** The new server's `--backend-store-uri`: a `sqlite://` file that does not exist yet or is empty. */
  backendStoreUri: string;
  /** The new server's `--artifacts-destination` (a folder or `s3://`), empty unless `force`. */
  artifactsDestination: string;
  s3?: S3Settings;
  /** Replace a database that has content and write into an artifact store that has files. */
  force: boolean;
  progress?: (line: string) => void;
}

/** What a restore did. */
export interface RestoreReport {
  manifest: BackupManifest;
  database: string;
  /** Rows per table in the restored database (equal to the manifest's). */
  counts: Record<string, number>;
  artifacts: {
    destination: string;
    /** Files written into the destination (0 when the backup holds none: S3, or `--no-artifacts`). */
    restored: number;
    bytes: number;
    /** Why no files were restored, when none were. */
    note?: string;
  };
  /** Migrations newer than the backup that the server applies when it starts on the restored database. */
  pendingMigrations: string[];
}

/** Every migration this code knows, found by migrating an empty in-memory database. */
async function knownMigrations(): Promise<string[]> {
  const handle = openDatabase('sqlite:///:memory:');
  try {
    return (await migrateToLatest(handle)).sort();
  } finally {
    await handle.close();
  }
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function listProblems(problems: { path: string; problem: string }[]): string {
  const shown = problems.slice(0, 10).map((p) => `  artifacts/${p.path}: ${p.problem}`);
  const more = problems.length > 10 ? [`  ... and ${problems.length - 10} more`] : [];
  return [...shown, ...more].join('\n');
}

/**
 * Restores a backup made by `createBackup` into an empty database file and artifact store. Everything that can
 * be checked is checked before anything is written: the manifest, the schema (a backup from a newer schema than
 * this code knows is refused), that the targets are empty (unless `force`), the database file's SHA-256 and
 * every copied artifact's size and SHA-256. A damaged backup therefore leaves the targets untouched.
 *
 * Example: `const report = await restoreBackup({ from: '/backups/2026-12-07',
 *             backendStoreUri: 'sqlite:////srv/new/bosun.db', artifactsDestination: '/srv/new/artifacts',
 *             force: false }); console.log(report.counts.runs);`
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const progress = options.progress ?? (() => undefined);
  const from = resolve(options.from);
  const manifest = await readManifest(from);
  const target = sqliteFileFor(options.backendStoreUri, 'restore');

  const known = await knownMigrations();
  const unknown = manifest.database.migrations.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new InvalidStateError(
      `The backup's schema is newer than this Bosun knows (migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; made by Bosun ${manifest.bosunVersion}): restore it with that version or a newer one`,
    );
  }

  for (const file of [target, `${target}-wal`]) {
    const size = await sizeOf(file);
    if (size !== undefined && size > 0 && !options.force) {
      throw new InvalidStateError(
        `Target database ${file} already exists and is not empty (${size} bytes): restore into a new file, or pass --force to replace it (stop any server using it first)`,
      );
    }
  }
  const storage = openArtifactStorage({
    artifactsDestination: options.artifactsDestination,
    defaultArtifactRoot: 'mlflow-artifacts:/',
    ...(options.s3 ? { s3: options.s3 } : {}),
  });
  try {
    const restoresFiles = manifest.artifacts.kind === 'local' && manifest.artifacts.copied;
    if (restoresFiles && !options.force && (await storage.store.list('')).length > 0) {
      throw new InvalidStateError(
        `Target artifact destination ${options.artifactsDestination} is not empty: restore into an empty one, or pass --force to write into it (files of the same path are replaced, others kept)`,
      );
    }

    progress(`checking ${BACKUP_FILES.database}`);
    const dbFile = join(from, manifest.database.file);
    const dbHash = await hashFile(dbFile).catch(() => undefined);
    if (dbHash === undefined)
      throw new InvalidStateError(`The backup has no readable ${manifest.database.file}`);
    if (dbHash.sha256 !== manifest.database.sha256 || dbHash.bytes !== manifest.database.bytes) {
      throw new InvalidStateError(
        `The backup is damaged: ${manifest.database.file} has SHA-256 ${dbHash.sha256} (${dbHash.bytes} bytes), the manifest says ${manifest.database.sha256} (${manifest.database.bytes} bytes)`,
      );
    }
    const indexFile = join(from, manifest.artifacts.index);
    const indexHash = await hashFile(indexFile).catch(() => undefined);
    if (indexHash?.sha256 !== manifest.artifacts.indexSha256) {
      throw new InvalidStateError(
        `The backup is damaged: ${manifest.artifacts.index} is missing or does not match the SHA-256 in the manifest`,
      );
    }
    const artifactFolder = join(from, BACKUP_FILES.artifactFolder);
    if (restoresFiles) {
      progress(`checking ${manifest.artifacts.files} artifact files`);
      const problems = await verifyCopiedArtifacts(indexFile, artifactFolder);
      if (problems.length > 0) {
        throw new InvalidStateError(
          `The backup is damaged: ${problems.length} artifact file${problems.length > 1 ? 's do' : ' does'} not match the manifest; nothing was restored\n${listProblems(problems)}`,
        );
      }
    }

    progress(`restoring the database to ${target}`);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.restoring`;
    await copyFile(dbFile, temp);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rm(`${target}-wal`, { force: true });
    await rm(`${target}-shm`, { force: true });
    await rename(temp, target);

    let restored = 0;
    let bytes = 0;
    if (restoresFiles) {
      progress(`restoring ${manifest.artifacts.files} artifact files to ${options.artifactsDestination}`);
      for await (const entry of readLocalIndex(indexFile)) {
        await storage.store.put(entry.path, createReadStream(join(artifactFolder, ...entry.path.split('/'))));
        restored += 1;
        bytes += entry.size;
      }
    }
    const note =
      manifest.artifacts.kind === 's3'
        ? `artifacts stay in ${manifest.artifacts.source} (the backup lists ${manifest.artifacts.files} objects with their ETags)`
        : !manifest.artifacts.copied
          ? `the backup was made with --no-artifacts: copy ${manifest.artifacts.source} to the destination yourself (${manifest.artifacts.index} lists ${manifest.artifacts.files} files with their SHA-256)`
          : undefined;

    const counts = inspectSqlite(target).counts;
    const differing = Object.keys(manifest.counts).filter((t) => counts[t] !== manifest.counts[t]);
    if (differing.length > 0) {
      throw new InvalidStateError(
        `The restored database's row counts differ from the manifest in ${differing.join(', ')}`,
      );
    }
    return {
      manifest,
      database: target,
      counts,
      artifacts: {
        destination: options.artifactsDestination,
        restored,
        bytes,
        ...(note !== undefined ? { note } : {}),
      },
      pendingMigrations: known.filter((m) => !manifest.database.migrations.includes(m)),
    };
  } finally {
    storage.close();
  }
}
