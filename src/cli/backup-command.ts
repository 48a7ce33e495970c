import { Command } from 'commander';
import { createBackup, type BackupManifest } from '../platform/backup/index.js';
import { loadServerConfig, type ServerConfig } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { toJson } from './format.js';

/** The options `bosun backup` and `bosun restore` share with `bosun server` to name the storage. */
export interface StorageOptions {
  backendStoreUri?: string;
  artifactsDestination?: string;
}

/** Adds `--backend-store-uri` and `--artifacts-destination` (same defaults and variables as `bosun server`). */
export function withStorageOptions(command: Command): Command {
  return command
    .option(
      '--backend-store-uri <uri>',
      'the database: sqlite:///path.db (BOSUN_BACKEND_STORE_URI; default <data dir>/bosun.db)',
    )
    .option(
      '--artifacts-destination <dir|s3-uri>',
      'the artifact folder or s3://bucket/prefix (BOSUN_ARTIFACTS_DESTINATION; default <data dir>/artifacts)',
    );
}

/** The storage settings as `bosun server` would resolve them from these flags and the environment. */
export function storageConfig(options: StorageOptions, io: CliIo): ServerConfig {
  const env = {
    ...(io.env ?? process.env),
    BOSUN_ADMIN_USERNAME: undefined,
    BOSUN_ADMIN_PASSWORD: undefined,
  };
  return loadServerConfig(
    {
      ...(options.backendStoreUri !== undefined ? { backendStoreUri: options.backendStoreUri } : {}),
      ...(options.artifactsDestination !== undefined
        ? { artifactsDestination: options.artifactsDestination }
        : {}),
    },
    env,
  );
}

/** `name: n` lines: the tables users care about first, then every other table that has rows. */
export function formatCounts(counts: Record<string, number>): string {
  const first = [
    'experiments',
    'runs',
    'metrics',
    'params',
    'registered_models',
    'model_versions',
    'audit_log',
  ];
  const rest = Object.keys(counts)
    .filter((t) => !first.includes(t))
    .sort();
  const shown = [...first.filter((t) => t in counts), ...rest.filter((t) => (counts[t] ?? 0) > 0)];
  const empty = rest.length - rest.filter((t) => (counts[t] ?? 0) > 0).length;
  const lines = shown.map((t) => `  ${t}: ${counts[t]}`);
  if (empty > 0) lines.push(`  (${empty} other tables empty; --json lists every table)`);
  return lines.join('\n');
}

function describeBackup(to: string, m: BackupManifest): string {
  const a = m.artifacts;
  const artifactLine =
    a.kind === 's3'
      ? `artifacts: ${a.files} objects, ${a.bytes} bytes listed in ${a.index} (the bytes stay in ${a.source})`
      : `artifacts: ${a.files} files, ${a.bytes} bytes ${a.copied ? 'copied' : 'indexed (not copied: --no-artifacts)'}` +
        (a.vanished > 0 ? `; ${a.vanished} deleted while the backup ran` : '');
  return [
    `backup written to ${to}`,
    `database: ${m.database.bytes} bytes, schema ${m.database.schemaLevel}, snapshot at ${m.snapshotAt}`,
    artifactLine,
    'rows:',
    formatCounts(m.counts),
    'not included: the master key file (BOSUN_MASTER_KEY_FILE); back it up separately',
    '',
  ].join('\n');
}

/**
 * `bosun backup --to DIR`: an online, consistent copy of the server's SQLite database and a manifest (and copy)
 * of its artifacts, while the server keeps running. PostgreSQL is refused with a pointer to docs/backup.md.
 */
export function backupCommand(io: CliIo, bosunVersion: string): Command {
  return withStorageOptions(
    new Command('backup')
      .description("Back up the server's SQLite database and artifacts while it runs (see docs/backup.md)")
      .requiredOption('--to <dir>', 'new or empty folder to write the backup to'),
  )
    .option('--no-artifacts', 'index the artifact folder (size, SHA-256) without copying it')
    .option('--json', 'print the manifest as JSON')
    .action(async (options: StorageOptions & { to: string; artifacts: boolean; json?: boolean }) => {
      const config = storageConfig(options, io);
      const manifest = await createBackup({
        backendStoreUri: config.backendStoreUri,
        artifactsDestination: config.artifactsDestination,
        ...(config.s3 ? { s3: config.s3 } : {}),
        to: options.to,
        copyArtifacts: options.artifacts,
        bosunVersion,
        progress: (line) => io.stderr(`${line}\n`),
      });
      io.stdout(options.json ? toJson(manifest) : describeBackup(options.to, manifest));
    });
}
