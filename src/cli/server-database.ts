import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { openPlatform, type Platform, type PlatformOverrides } from '../platform/index.js';
import { loadServerConfig, type ServerFlags } from '../shared/index.js';
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
 * Opens the platform on the server's database as `bosun server` would (same `--backend-store-uri` default and
 * settings, migrated; the first-admin variables ignored: only the server creates the first administrator), runs
 * `work` and always closes it. `flags` adds settings the command has its own options for (a master key file).
 */
export async function withPlatform<T>(
  options: ServerDatabaseOptions,
  io: CliIo,
  work: (platform: Platform) => Promise<T>,
  flags: ServerFlags = {},
  overrides: PlatformOverrides = {},
): Promise<T> {
  const env = {
    ...(io.env ?? process.env),
    BOSUN_ADMIN_USERNAME: undefined,
    BOSUN_ADMIN_PASSWORD: undefined,
  };
  const config = loadServerConfig(
    {
      ...flags,
      ...(options.backendStoreUri !== undefined ? { backendStoreUri: options.backendStoreUri } : {}),
    },
    env,
  );
  const platform = await openPlatform(config, overrides);
  try {
    return await work(platform);
  } finally {
    await platform.close();
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
