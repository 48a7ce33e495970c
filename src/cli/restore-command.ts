import { Command } from 'commander';
import { restoreBackup, type RestoreReport } from '../platform/backup/index.js';
import type { CliIo } from './cli-context.js';
import { formatCounts, storageConfig, withStorageOptions, type StorageOptions } from './backup-command.js';
import { toJson } from './format.js';

function describeRestore(report: RestoreReport): string {
  const a = report.artifacts;
  return [
    `restored the backup of ${report.manifest.snapshotAt} (Bosun ${report.manifest.bosunVersion})`,
    `database: ${report.database}`,
    `artifacts: ${a.restored} files, ${a.bytes} bytes into ${a.destination}` + (a.note ? `; ${a.note}` : ''),
    ...(report.pendingMigrations.length > 0
      ? [`the server applies ${report.pendingMigrations.length} newer migrations when it starts`]
      : []),
    'rows:',
    formatCounts(report.counts),
    '',
  ].join('\n');
}

/**
 * `bosun restore --from DIR`: restores a `bosun backup` folder into an empty SQLite database and artifact store
 * (both named as for `bosun server`), after checking every checksum; `--force` to replace what is there.
 */
export function restoreCommand(io: CliIo): Command {
  return withStorageOptions(
    new Command('restore')
      .description('Restore a backup into an empty database and artifact store (see docs/backup.md)')
      .requiredOption('--from <dir>', 'the backup folder written by bosun backup'),
  )
    .option('--force', 'replace a database that has content and write into an artifact store that has files')
    .option('--json', 'print the report as JSON')
    .action(async (options: StorageOptions & { from: string; force?: boolean; json?: boolean }) => {
      const config = storageConfig(options, io);
      const report = await restoreBackup({
        from: options.from,
        backendStoreUri: config.backendStoreUri,
        artifactsDestination: config.artifactsDestination,
        ...(config.s3 ? { s3: config.s3 } : {}),
        force: options.force === true,
        progress: (line) => io.stderr(`${line}\n`),
      });
      if (options.json) {
        io.stdout(
          toJson({
            database: report.database,
            counts: report.counts,
            artifacts: report.artifacts,
            pending_migrations: report.pendingMigrations,
            manifest: report.manifest,
          }),
        );
      } else io.stdout(describeRestore(report));
    });
}
