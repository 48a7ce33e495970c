import { Command } from 'commander';
import type { AuditOutcome } from '../security/audit/index.js';
import type { DatabaseHandle } from '../db/index.js';
import {
  parsePermission,
  type PermissionService,
  type Grant,
  type ResourceKind,
} from '../security/permissions/index.js';
import { registryQueries } from '../registry/index.js';
import { UserService } from '../security/users/index.js';
import { InvalidParameterError, NotFoundError, type Permission } from '../shared/index.js';
import { trackingQueries } from '../tracking/index.js';
import type { CliIo } from './cli-context.js';
import { cliActor, withDbOption, withPlatform } from './server-database.js';
import { toJson } from './format.js';
import { formatTable } from './tables.js';

interface DbOptions {
  backendStoreUri?: string;
}

interface TargetOptions {
  experiment?: string;
  model?: string;
}

interface Target {
  kind: ResourceKind;
  resource: string;
}

interface Services {
  handle: DatabaseHandle;
  permissions: PermissionService;
  users: UserService;
}

/** `--experiment ID` or `--model NAME`, exactly one. */
function targetOf(options: TargetOptions): Target {
  if ((options.experiment === undefined) === (options.model === undefined)) {
    throw new InvalidParameterError('Give exactly one of --experiment ID or --model NAME');
  }
  if (options.experiment !== undefined) {
    const id = options.experiment.trim();
    if (!/^\d{1,19}$/.test(id)) {
      throw new InvalidParameterError(
        `Invalid --experiment '${options.experiment}': expected an experiment id`,
      );
    }
    return { kind: 'experiment', resource: id };
  }
  return { kind: 'registered-model', resource: options.model ?? '' };
}

function describeTarget(target: Target): string {
  return target.kind === 'experiment'
    ? `experiment ${target.resource}`
    : `registered model '${target.resource}'`;
}

/**
 * Opens the server's database (same `--backend-store-uri` default and default permission as `bosun server`),
 * migrated, and runs `work`. A change (`audit` given) is recorded in the audit log, success or failure.
 */
function withPermissions<T>(
  options: DbOptions,
  io: CliIo,
  audit: { verb: string; target: Target; details: Record<string, string> } | undefined,
  work: (services: Services) => Promise<T>,
): Promise<T> {
  return withPlatform(options, io, async (platform) => {
    const handle = platform.database;
    const services: Services = { handle, permissions: platform.permissions, users: platform.users };
    const record = async (outcome: AuditOutcome): Promise<void> => {
      if (!audit) return;
      await platform.auditLog.append(handle.db, {
        actor: cliActor(),
        action: `permissions.${audit.verb}`,
        resource: { type: audit.target.kind, id: audit.target.resource },
        outcome,
        details: audit.details,
      });
    };
    try {
      const result = await work(services);
      await record('success');
      return result;
    } catch (error) {
      await record('error');
      throw error;
    }
  });
}

/**
 * Refuses a grant on an experiment or registered model that does not exist (a typo would grant nothing), asking
 * the domains that own them.
 */
async function requireResource(handle: DatabaseHandle, target: Target): Promise<void> {
  const found =
    target.kind === 'experiment'
      ? await trackingQueries.experimentExists(handle.db, Number(target.resource))
      : await registryQueries.registeredModelExists(handle.db, target.resource);
  if (!found) {
    const what = target.kind === 'experiment' ? 'Experiment' : 'Registered model';
    const name = target.kind === 'experiment' ? target.resource : `'${target.resource}'`;
    throw new NotFoundError(`${what} ${name} does not exist.`);
  }
}

function withTargetOptions(command: Command): Command {
  return command
    .option('--experiment <id>', 'an experiment, by id')
    .option('--model <name>', 'a registered model, by name');
}

function userGrantsTable(grants: readonly Grant[]): string {
  return formatTable(
    [{ header: 'KIND' }, { header: 'RESOURCE', maxWidth: 60 }, { header: 'PERMISSION' }],
    grants.map((g) => [g.kind, g.resource, g.permission]),
  );
}

function resourceGrantsTable(grants: readonly Grant[]): string {
  return formatTable(
    [{ header: 'USER' }, { header: 'PERMISSION' }],
    grants.map((g) => [g.username, g.permission]),
  );
}

/**
 * `bosun permissions grant|revoke|list`: per-user permissions on experiments and registered models, directly in
 * the server's database (run on the server machine; the server may keep running). Changes go to the audit log.
 */
export function permissionsCommand(io: CliIo): Command {
  const command = new Command('permissions').description(
    'per-user permissions on experiments and registered models (directly in the database)',
  );

  withDbOption(
    withTargetOptions(
      command
        .command('grant')
        .description('give a user a permission on an experiment or registered model (creates or replaces)')
        .requiredOption('--user <name>', 'the user')
        .requiredOption('--permission <level>', 'NO_PERMISSIONS, READ, EDIT or MANAGE'),
    ),
  ).action(async (options: DbOptions & TargetOptions & { user: string; permission: string }) => {
    const target = targetOf(options);
    const permission = parsePermission(options.permission, '--permission');
    const details = { user: options.user, permission };
    const outcome = await withPermissions(
      options,
      io,
      { verb: 'grant', target, details },
      async ({ handle, permissions, users }) => {
        const user = await users.getUser(options.user);
        await requireResource(handle, target);
        let previous: Permission | undefined;
        try {
          previous = (await permissions.getGrant(target.kind, target.resource, user.username)).permission;
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
        await permissions.putGrant(target.kind, target.resource, user.id, permission);
        return { username: user.username, isAdmin: user.isAdmin, previous };
      },
    );
    const was = outcome.previous !== undefined ? ` (was ${outcome.previous})` : '';
    io.stdout(`Granted ${permission} on ${describeTarget(target)} to '${outcome.username}'${was}.\n`);
    if (outcome.isAdmin) {
      io.stderr(`Note: '${outcome.username}' is an administrator; grants do not limit administrators.\n`);
    }
  });

  withDbOption(
    withTargetOptions(
      command
        .command('revoke')
        .description("remove a user's grant (the default permission applies again)")
        .requiredOption('--user <name>', 'the user'),
    ),
  ).action(async (options: DbOptions & TargetOptions & { user: string }) => {
    const target = targetOf(options);
    const username = await withPermissions(
      options,
      io,
      { verb: 'revoke', target, details: { user: options.user } },
      async ({ permissions, users }) => {
        const user = await users.getUser(options.user);
        await permissions.deleteGrant(target.kind, target.resource, user.username);
        return user.username;
      },
    );
    io.stdout(`Revoked the permission of '${username}' on ${describeTarget(target)}.\n`);
  });

  withDbOption(
    withTargetOptions(
      command
        .command('list')
        .description("list a user's grants, or the grants on an experiment or registered model")
        .option('--user <name>', 'the user whose grants to list')
        .option('--json', 'print machine-readable JSON instead of a table'),
    ),
  ).action(async (options: DbOptions & TargetOptions & { user?: string; json?: boolean }) => {
    const given = [options.user, options.experiment, options.model].filter((o) => o !== undefined);
    if (given.length !== 1) {
      throw new InvalidParameterError('Give exactly one of --user NAME, --experiment ID or --model NAME');
    }
    if (options.user !== undefined) {
      const username = options.user;
      const { grants, isAdmin, name } = await withPermissions(
        options,
        io,
        undefined,
        async ({ permissions, users }) => {
          const user = await users.getUser(username);
          return {
            grants: await permissions.listUserGrants(user.id),
            isAdmin: user.isAdmin,
            name: user.username,
          };
        },
      );
      if (options.json === true) {
        io.stdout(toJson({ grants }));
        return;
      }
      if (grants.length > 0) io.stdout(userGrantsTable(grants));
      else io.stderr(`'${name}' has no grants.\n`);
      io.stderr(
        isAdmin
          ? `'${name}' is an administrator: every permission, whatever the grants.\n`
          : "Elsewhere the server's default permission applies (--default-permission; READ unless set).\n",
      );
      return;
    }
    const target = targetOf(options);
    const grants = await withPermissions(options, io, undefined, ({ permissions }) =>
      permissions.listResourceGrants(target.kind, target.resource),
    );
    if (options.json === true) io.stdout(toJson({ grants }));
    else if (grants.length > 0) io.stdout(resourceGrantsTable(grants));
    else io.stderr(`No grants on ${describeTarget(target)}.\n`);
  });

  return command;
}
