import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/index.js';
import { loadServerConfig, type ServerConfig } from '../shared/config.js';
import type { CliIo } from './cli-context.js';

/** The `--backend-store-uri` option of commands that work directly on the server's database. */
export interface ServerDatabaseOptions {
  backendStoreUri?: string;
}

/** Adds `--backend-store-uri` (same default as `bosun server`). */
export function withDbOption(command: Command): Command {
  return command.option(
    '--backend-store-uri <uri>',
    "the server's database: sqlite:///path.db or postgresql://... (BOSUN_BACKEND_STORE_URI)",
  );
}

/**
 * Opens the server's database as `bosun server` would (same `--backend-store-uri` default and settings, the
 * first-admin variables ignored), migrated, runs `work` and always closes it.
 */
export async function withServerDatabase<T>(
  options: ServerDatabaseOptions,
  io: CliIo,
  work: (handle: DatabaseHandle, config: ServerConfig) => Promise<T>,
): Promise<T> {
  const env = {
    ...(io.env ?? process.env),
    BOSUN_ADMIN_USERNAME: undefined,
    BOSUN_ADMIN_PASSWORD: undefined,
  };
  const config = loadServerConfig(
    options.backendStoreUri !== undefined ? { backendStoreUri: options.backendStoreUri } : {},
    env,
  );
  const handle = openDatabase(config.backendStoreUri, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    await migrateToLatest(handle);
    return await work(handle, config);
  } finally {
    await handle.close();
  }
}

/** Who a CLI change is recorded as in the audit log: `cli:<os user>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
