import { Command } from 'commander';
import { UserService, type User } from '../security/users/index.js';
import { InvalidParameterError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { withDbOption, withPlatform } from './server-database.js';

interface DbOptions {
  backendStoreUri?: string;
}

/** Reads a secret without echoing it; undefined when there is no terminal to ask on. */
export type SecretPrompt = (question: string) => Promise<string | undefined>;

/** Asks on the terminal with echo off. Only on a TTY: piped input is refused so a secret never sits in a file. */
export const terminalPrompt: SecretPrompt = (question) => {
  const input = process.stdin;
  if (!input.isTTY) return Promise.resolve(undefined);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (value: string | undefined, error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(text);
        if (char === '\u0003') return done(undefined, new InvalidParameterError('Cancelled.'));
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else text += char;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
};

async function readPassword(envName: string, io: CliIo, prompt: SecretPrompt): Promise<string> {
  const env = io.env ?? process.env;
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const first = await prompt('Password: ');
  if (first === undefined) {
    throw new InvalidParameterError(
      `No password: set ${envName} in the environment or run this command on a terminal to be asked.`,
    );
  }
  const second = await prompt('Repeat the password: ');
  if (second !== first) throw new InvalidParameterError('The two passwords differ.');
  return first;
}

/** Runs `work` with the users of the server's database. */
function withUsers<T>(options: DbOptions, io: CliIo, work: (users: UserService) => Promise<T>): Promise<T> {
  return withPlatform(options, io, (platform) => work(platform.users));
}

function describeUser(user: User): string {
  return `${user.isAdmin ? 'administrator' : 'user'} '${user.username}' (id ${user.id})`;
}

/**
 * `bosun users create-admin|create|token create`: manage users and API tokens directly in the server's
 * database (run on the server machine). Passwords come from the environment or a terminal prompt, never from
 * a flag (flags end up in shell history and process listings).
 */
export function usersCommand(io: CliIo, prompt: SecretPrompt = terminalPrompt): Command {
  const users = new Command('users').description('manage users and API tokens (directly in the database)');

  withDbOption(
    users
      .command('create-admin')
      .description('create the first administrator (password from BOSUN_ADMIN_PASSWORD or prompted)')
      .requiredOption('--username <name>', 'the administrator name'),
  ).action(async (options: DbOptions & { username: string }) => {
    const password = await readPassword('BOSUN_ADMIN_PASSWORD', io, prompt);
    const user = await withUsers(options, io, (service) =>
      service.bootstrapAdmin(options.username, password),
    );
    io.stdout(`Created ${describeUser(user)}.\n`);
  });

  withDbOption(
    users
      .command('create')
      .description('create a user (password from BOSUN_USER_PASSWORD or prompted)')
      .requiredOption('--username <name>', 'the user name')
      .option('--admin', 'make the user an administrator'),
  ).action(async (options: DbOptions & { username: string; admin?: boolean }) => {
    const password = await readPassword('BOSUN_USER_PASSWORD', io, prompt);
    const user = await withUsers(options, io, (service) =>
      service.createUser({ username: options.username, password, isAdmin: options.admin === true }),
    );
    io.stdout(`Created ${describeUser(user)}.\n`);
  });

  const token = users.command('token').description('API tokens');
  withDbOption(
    token
      .command('create')
      .description('create an API token for a user and print it (shown only once)')
      .requiredOption('--username <name>', 'the user the token signs in as')
      .requiredOption('--name <name>', 'what the token is for')
      .option('--expires-in-days <days>', 'lifetime in days (default: no expiry)'),
  ).action(async (options: DbOptions & { username: string; name: string; expiresInDays?: string }) => {
    let expiresAt: number | undefined;
    if (options.expiresInDays !== undefined) {
      const days = Number(options.expiresInDays);
      if (!Number.isFinite(days) || days <= 0) {
        throw new InvalidParameterError(
          `Invalid --expires-in-days '${options.expiresInDays}': expected a positive number`,
        );
      }
      expiresAt = Date.now() + Math.round(days * 24 * 60 * 60 * 1000);
    }
    const created = await withUsers(options, io, async (service) => {
      const user = await service.getUser(options.username);
      return service.createToken(user.id, {
        name: options.name,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
    });
    io.stderr(
      `Token '${created.info.name}' (${created.info.prefix}…) created; it is shown only this once:\n`,
    );
    io.stdout(`${created.token}\n`);
  });

  return users;
}
