import type { ServerConfig } from '../../shared/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import { UserService, type FirstAdminOutcome } from '../../security/users/index.js';
import { enableAuthHelp } from './exposure.js';

/** A line to log once the logger exists (never a password). */
export interface StartNotice {
  level: 'info' | 'warn';
  message: string;
}

const onlyFirst =
  'BOSUN_ADMIN_USERNAME and BOSUN_ADMIN_PASSWORD only create the first administrator; they never change a user';

/** What to log about BOSUN_ADMIN_USERNAME/PASSWORD, given what `ensureFirstAdmin` found or did. */
function bootstrapNotice(username: string, outcome: FirstAdminOutcome): StartNotice {
  switch (outcome.status) {
    case 'created':
      return {
        level: 'info',
        message: `Created the first administrator '${outcome.admin.username}' from BOSUN_ADMIN_USERNAME.`,
      };
    case 'exists':
      return {
        level: 'info',
        message:
          `The administrator '${outcome.admin.username}' named by BOSUN_ADMIN_USERNAME already exists. ` +
          `${onlyFirst}, so they can be removed from the environment.`,
      };
    case 'password-differs':
      return {
        level: 'warn',
        message:
          `BOSUN_ADMIN_PASSWORD is not the password of administrator '${outcome.admin.username}': the stored ` +
          `password is kept. ${onlyFirst}. Change a password with PATCH /api/2.0/mlflow/users/update-password ` +
          '(see docs/users.md), and remove the variables from the environment.',
      };
    case 'other-admin':
      return {
        level: 'warn',
        message:
          `BOSUN_ADMIN_USERNAME names '${username}', who is not an administrator, and administrators exist ` +
          `already: nothing was created or changed. ${onlyFirst}; remove them from the environment.`,
      };
  }
}

/**
 * At start, after migrations: creates the first administrator from BOSUN_ADMIN_USERNAME/PASSWORD when none
 * exists, and refuses to start with auth on and no administrator. Idempotent, also when several servers start
 * at the same moment on one database: exactly one creates the administrator, the others start and say so.
 * Variables that do not match the stored administrator (another password, another name) are reported with a
 * warning and change nothing.
 */
export async function prepareUsers(
  config: Pick<ServerConfig, 'adminBootstrap' | 'authEnabled'>,
  users: UserService,
): Promise<StartNotice[]> {
  const notices: StartNotice[] = [];
  const bootstrap = config.adminBootstrap;
  if (bootstrap) {
    const outcome = await users.ensureFirstAdmin(bootstrap.username, bootstrap.password);
    notices.push(bootstrapNotice(bootstrap.username, outcome));
  }
  if (config.authEnabled && !(await users.hasAdmin())) {
    throw new InvalidParameterError(
      `Authentication is on but no administrator exists, so nobody could sign in. ${enableAuthHelp}`,
    );
  }
  return notices;
}
