import { Command, CommanderError } from 'commander';
import type { Platform } from '../platform/index.js';
import {
  AuditLog,
  auditOutcomes,
  formatVerifyReport,
  verifyResultToWire,
  type AuditOutcome,
  type AuditQuery,
} from '../security/audit/index.js';
import { InvalidParameterError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { formatTimestamp, toJson } from './format.js';
import { formatTable } from './tables.js';
import { withPlatform } from './server-database.js';

interface DbOptions {
  backendStoreUri?: string;
}

interface ListOptions extends DbOptions {
  actor?: string;
  action?: string;
  outcome?: string;
  maxResults?: string;
  pageToken?: string;
  json?: boolean;
}

/** `--backend-store-uri`, else BOSUN_BACKEND_STORE_URI. */
export function backendStoreUriOf(options: DbOptions, io: CliIo): string {
  const uri = options.backendStoreUri ?? (io.env ?? process.env).BOSUN_BACKEND_STORE_URI;
  if (uri === undefined || uri === '') {
    throw new InvalidParameterError(
      'Set --backend-store-uri (or BOSUN_BACKEND_STORE_URI) to the server database',
    );
  }
  return uri;
}

/**
 * Opens the platform on the named database for one read-only command and always closes it. Migrations are not
 * applied: inspecting an audit log must not change the database that holds it.
 */
function withAuditLog<T>(
  backendStoreUri: string,
  io: CliIo,
  read: (db: Platform['database']['db'], auditLog: AuditLog) => Promise<T>,
): Promise<T> {
  return withPlatform(
    { backendStoreUri },
    io,
    (platform) => read(platform.database.db, platform.auditLog),
    {},
    { migrate: false },
  );
}

function dbOption(command: Command): Command {
  return command.option(
    '--backend-store-uri <uri>',
    'the server database, read directly (default: $BOSUN_BACKEND_STORE_URI)',
  );
}

/**
 * `bosun audit-log verify|list`: works directly on the server's database (no server needed).
 * `verify` lists every break it finds (not only the first) and exits 1 when there is any.
 */
export function auditCommand(io: CliIo): Command {
  const command = new Command('audit-log').description('Verify and query the hash-chained audit log');

  dbOption(
    command
      .command('verify')
      .description('Check the hash chain and list every break; exit 1 if any record was edited or deleted')
      .option('--anchor <seq:hash>', 'a head printed by an earlier verify, that must still be in the chain')
      .option('--json', 'print the result as JSON (the same fields as GET /api/bosun/v1/audit-log/verify)'),
  ).action(async (options: DbOptions & { anchor?: string; json?: boolean }) => {
    const uri = backendStoreUriOf(options, io);
    let anchor: { seq: number; hash: string } | undefined;
    if (options.anchor !== undefined) {
      const match = /^(\d+):([0-9a-f]{64})$/.exec(options.anchor.trim());
      if (!match) throw new InvalidParameterError('Invalid --anchor: expected SEQ:HASH (64 hex digits)');
      anchor = { seq: Number(match[1]), hash: match[2] ?? '' };
    }
    const result = await withAuditLog(uri, io, (db, auditLog) =>
      auditLog.verify(db, anchor ? { anchor } : {}),
    );
    if (options.json) io.stdout(toJson(verifyResultToWire(result)));
    else io.stdout(`${formatVerifyReport(result).trimEnd()}\n`);
    // runCli turns a CommanderError into its exit code without printing anything more.
    if (!result.valid) throw new CommanderError(1, 'bosun.auditLogBroken', 'audit log broken');
  });

  dbOption(
    command
      .command('list')
      .description('Audit records, newest first')
      .option('--actor <name>', 'only this actor')
      .option('--action <action>', "only this action, e.g. 'POST /api/2.0/mlflow/runs/create'")
      .option('--outcome <outcome>', auditOutcomes.join(', '))
      .option('--max-results <n>', '1-1000 (default 100)')
      .option('--page-token <token>', 'the next page, as printed by the previous one')
      .option('--json', 'print JSON'),
  ).action(async (options: ListOptions) => {
    const uri = backendStoreUriOf(options, io);
    const query: AuditQuery = {};
    if (options.actor !== undefined) query.actor = options.actor;
    if (options.action !== undefined) query.action = options.action;
    if (options.outcome !== undefined) {
      if (!(auditOutcomes as readonly string[]).includes(options.outcome)) {
        throw new InvalidParameterError(`Invalid --outcome: use one of ${auditOutcomes.join(', ')}`);
      }
      query.outcome = options.outcome as AuditOutcome;
    }
    if (options.maxResults !== undefined) {
      if (!/^\d+$/.test(options.maxResults)) throw new InvalidParameterError('Invalid --max-results');
      query.maxResults = Number(options.maxResults);
    }
    if (options.pageToken !== undefined) query.pageToken = options.pageToken;
    const page = await withAuditLog(uri, io, (db, auditLog) => auditLog.list(db, query));
    if (options.json) {
      io.stdout(toJson({ entries: page.items, next_page_token: page.nextPageToken ?? null }));
      return;
    }
    io.stdout(
      formatTable(
        [
          { header: 'SEQ', align: 'right' },
          { header: 'TIME' },
          { header: 'ACTOR', maxWidth: 24 },
          { header: 'ACTION', maxWidth: 60 },
          { header: 'RESOURCE', maxWidth: 40 },
          { header: 'OUTCOME' },
          { header: 'STATUS', align: 'right' },
        ],
        page.items.map((e) => [
          String(e.seq),
          formatTimestamp(e.at),
          e.actor,
          e.action,
          e.resource.id === null ? e.resource.type : `${e.resource.type}:${e.resource.id}`,
          e.outcome,
          e.statusCode === null ? '' : String(e.statusCode),
        ]),
      ),
    );
    if (page.nextPageToken) io.stdout(`next page: --page-token ${page.nextPageToken}\n`);
  });
  return command;
}
