import type { DatabaseHandle } from '../../db/index.js';
import type { ServerConfig } from '../../shared/config.js';
import { InvalidParameterError } from '../../shared/errors.js';
import { UserService } from '../../security/users/index.js';
import { enableAuthHelp } from './exposure.js';

export interface PreparedUsers {
  users: UserService;
  /** Lines to log once the logger exists (never a password). */
  notices: string[];
}

/**
 * At start, after migrations: creates the first administrator from BOSUN_ADMIN_USERNAME/PASSWORD when none
 * exists (ignores them, with a notice, when one does), and refuses to start with auth on and no administrator.
 */
export async function prepareUsers(config: ServerConfig, handle: DatabaseHandle): Promise<PreparedUsers> {
  const users = new UserService({ handle });
  const notices: string[] = [];
  const bootstrap = config.adminBootstrap;
  if (bootstrap) {
    if (await users.hasAdmin()) {
      notices.push(
        'BOSUN_ADMIN_USERNAME and BOSUN_ADMIN_PASSWORD are ignored: an administrator already exists. ' +
          'Remove them from the environment.',
      );
    } else {
      const admin = await users.bootstrapAdmin(bootstrap.username, bootstrap.password);
      notices.push(`Created the first administrator '${admin.username}' from BOSUN_ADMIN_USERNAME.`);
    }
  }
  if (config.authEnabled && !(await users.hasAdmin())) {
    throw new InvalidParameterError(
      `Authentication is on but no administrator exists, so nobody could sign in. ${enableAuthHelp}`,
    );
  }
  return { users, notices };
}
