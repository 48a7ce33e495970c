import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { AuditOutcome } from '../security/audit/index.js';
import type { SecretStore } from '../security/secrets/index.js';
import { InvalidParameterError, loadMasterKey, type MasterKey } from '../shared/index.js';
import { backendStoreUriOf } from './audit-command.js';
import type { CliIo } from './cli-context.js';
import { cliActor, withPlatform } from './server-database.js';
import { toJson } from './format.js';

interface StoreOptions {
  backendStoreUri?: string;
  masterKeyFile?: string;
}

/** What the secrets commands read from outside; tests replace stdin. */
export interface SecretsCommandDeps {
  readStdin: () => Promise<string>;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function masterKeyOf(options: StoreOptions, io: CliIo): MasterKey {
  const key = loadMasterKey(
    options.masterKeyFile !== undefined ? { masterKeyFile: options.masterKeyFile } : {},
    io.env ?? process.env,
  );
  if (!key) {
    throw new InvalidParameterError(
      'secrets are disabled: set BOSUN_MASTER_KEY_FILE (or --master-key-file, or BOSUN_MASTER_KEY)',
    );
  }
  return key;
}

function parseInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text.trim()))
    throw new InvalidParameterError(`Invalid ${flag}: expected an integer`);
  return Number(text);
}

/**
 * Opens the database and the store, runs `fn`, and records writes in the audit log as `secrets.<verb>`
 * (actor `cli:<os user>`, the path as resource, never the value).
 */
async function withStore<T>(
  options: StoreOptions,
  io: CliIo,
  audit: { verb: string; path: string } | undefined,
  fn: (store: SecretStore) => Promise<T>,
): Promise<T> {
  const backendStoreUri = backendStoreUriOf(options, io);
  masterKeyOf(options, io); // refuses early, naming the variables, when no key is configured
  const flags = options.masterKeyFile !== undefined ? { masterKeyFile: options.masterKeyFile } : {};
  return withPlatform(
    { backendStoreUri },
    io,
    async (platform) => {
      if (!platform.secrets.enabled) throw new InvalidParameterError(platform.secrets.reason);
      const store = platform.secrets.store;
      const record = async (outcome: AuditOutcome) => {
        if (!audit) return;
        await platform.auditLog.append(platform.database.db, {
          actor: cliActor(),
          action: `secrets.${audit.verb}`,
          resource: { type: 'secret', id: audit.path },
          outcome,
        });
      };
      try {
        const result = await fn(store);
        await record('success');
        return result;
      } catch (err) {
        await record('error');
        throw err;
      }
    },
    flags,
  );
}

function storeOptions(command: Command): Command {
  return command
    .option('--backend-store-uri <uri>', 'the server database (default: $BOSUN_BACKEND_STORE_URI)')
    .option(
      '--master-key-file <file>',
      'master key file (default: $BOSUN_MASTER_KEY_FILE or $BOSUN_MASTER_KEY)',
    );
}

const defaultDeps: SecretsCommandDeps = { readStdin: readProcessStdin };

/**
 * `bosun secrets put|get|list|delete|rotate-key`: works directly on the server's database with the master key
 * (no server needed; the server may keep running). Writes are recorded in the audit log.
 */
export function secretsCommand(io: CliIo, deps: SecretsCommandDeps = defaultDeps): Command {
  const command = new Command('secrets').description('Encrypted, versioned secrets (Vault KV v2-like)');

  storeOptions(
    command
      .command('put <path>')
      .description(
        'Write a new version of a secret (the value is read from a file or stdin, never the command line)',
      )
      .option('--value-file <file>', 'read the value from this file (exactly its content)')
      .option('--value-stdin', 'read the value from standard input (exactly its content)')
      .option('--cas <version>', 'check-and-set: 0 = only if new, n = only if the current version is n'),
  ).action(
    async (
      path: string,
      options: StoreOptions & { valueFile?: string; valueStdin?: boolean; cas?: string },
    ) => {
      if ((options.valueFile === undefined) === (options.valueStdin !== true)) {
        throw new InvalidParameterError('Give exactly one of --value-file F or --value-stdin');
      }
      let value: string;
      if (options.valueFile !== undefined) {
        try {
          value = readFileSync(options.valueFile, 'utf8');
        } catch {
          throw new InvalidParameterError(`Cannot read the value file '${options.valueFile}'`);
        }
      } else {
        value = await deps.readStdin();
      }
      const cas = parseInteger(options.cas, '--cas');
      const meta = await withStore(options, io, { verb: 'put', path }, (store) =>
        store.put(path, value, cas === undefined ? {} : { cas }),
      );
      io.stdout(`${path}: version ${meta.version} written\n`);
    },
  );

  storeOptions(
    command
      .command('get <path>')
      .description('Print the value of a secret (the latest version, or --secret-version)')
      // Not `--version`: the root command owns that flag.
      .option('--secret-version <n>', 'a given version')
      .option('--json', 'print the value with its metadata as JSON'),
  ).action(async (path: string, options: StoreOptions & { secretVersion?: string; json?: boolean }) => {
    const version = parseInteger(options.secretVersion, '--secret-version');
    const read = await withStore(options, io, undefined, (store) => store.get(path, version));
    if (options.json) {
      io.stdout(toJson(read));
      return;
    }
    if (read.value === null) {
      throw new InvalidParameterError(
        `${path} version ${read.metadata.version} is ${read.metadata.destroyed ? 'destroyed' : 'deleted'}`,
      );
    }
    io.stdout(read.value);
  });

  storeOptions(
    command.command('list [prefix]').description('Secret paths under a prefix (never values)'),
  ).action(async (prefix: string | undefined, options: StoreOptions) => {
    const keys = await withStore(options, io, undefined, (store) => store.list(prefix ?? ''));
    io.stdout(keys.map((k) => `${k}\n`).join(''));
  });

  storeOptions(
    command
      .command('delete <path>')
      .description('Soft-delete the latest version (or --versions); `undelete` via the API restores it')
      .option('--versions <list>', 'comma-separated version numbers'),
  ).action(async (path: string, options: StoreOptions & { versions?: string }) => {
    const versions = options.versions
      ?.split(',')
      .map((v) => parseInteger(v, '--versions'))
      .filter((v): v is number => v !== undefined);
    await withStore(options, io, { verb: 'delete', path }, (store) => store.delete(path, versions));
    io.stdout(`${path}: deleted\n`);
  });

  storeOptions(
    command
      .command('rotate-key')
      .description('Re-wrap every secret under a new master key (then restart the server with the new key)')
      .requiredOption('--new-key-file <file>', 'the new master key file'),
  ).action(async (options: StoreOptions & { newKeyFile: string }) => {
    const newKey = loadMasterKey({ masterKeyFile: options.newKeyFile }, {});
    if (!newKey) throw new InvalidParameterError('Give the new master key with --new-key-file');
    const result = await withStore(options, io, { verb: 'rotate-key', path: '*' }, (store) =>
      store.rotateMasterKey(newKey),
    );
    io.stdout(
      `master key rotated from ${result.previousKeyId} to ${result.keyId}: ${result.rewrapped} secret(s) re-wrapped\n` +
        'Restart the server with the new key; the old key no longer opens the store.\n',
    );
  });
  return command;
}
