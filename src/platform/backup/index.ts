/**
 * `bosun backup` and `bosun restore`: an online, consistent copy of a SQLite server's database plus a manifest
 * (and copy) of its artifacts, and the checked restore of one into an empty database and artifact store.
 */
export {
  BACKUP_FILES,
  BACKUP_FORMAT_VERSION,
  readManifest,
  type BackupManifest,
  type LocalArtifactsSummary,
  type S3ArtifactsSummary,
} from './backup-manifest.js';
export { createBackup, postgresRefusal, type BackupOptions } from './create-backup.js';
export { restoreBackup, type RestoreOptions, type RestoreReport } from './restore-backup.js';
