/**
 * Browser sign-in (`/api/bosun/v1/session`): who am I, sign in, sign out. The session lives in the server's
 * HttpOnly `bosun_session` cookie; the page never sees or stores a password or token beyond the sign-in call.
 */
import { ApiError } from './api-error';
import { callApi, type WireObject } from './http';

/** What the signed-in user may do, as the server computes it (it still enforces every rule). */
export interface Capabilities {
  createExperiments: boolean;
  createRegisteredModels: boolean;
  manageUsers: boolean;
  readAuditLog: boolean;
  manageWebhooks: boolean;
  manageSecrets: boolean;
}

export interface Grant {
  resourceType: 'experiment' | 'registered_model';
  resource: string;
  permission: string;
}

/** Who am I: `authEnabled` false means the server runs without sign-in (everyone may do everything). */
export interface WhoAmI {
  authEnabled: boolean;
  user?: { id: number; username: string; isAdmin: boolean };
  grants: Grant[];
  defaultPermission: string;
  capabilities: Capabilities;
}

function whoAmIFromWire(o: WireObject): WhoAmI {
  const c = (o.capabilities ?? {}) as WireObject;
  const u = o.user as WireObject | undefined;
  return {
    authEnabled: o.auth_enabled === true,
    ...(u !== undefined
      ? { user: { id: Number(u.id), username: String(u.username), isAdmin: u.is_admin === true } }
      : {}),
    grants: (Array.isArray(o.grants) ? (o.grants as WireObject[]) : []).map((g) => ({
      resourceType: g.resource_type === 'experiment' ? 'experiment' : 'registered_model',
      resource: String(g.resource),
      permission: String(g.permission),
    })),
    defaultPermission: String(o.default_permission ?? 'READ'),
    capabilities: {
      createExperiments: c.create_experiments === true,
      createRegisteredModels: c.create_registered_models === true,
      manageUsers: c.manage_users === true,
      readAuditLog: c.read_audit_log === true,
      manageWebhooks: c.manage_webhooks === true,
      manageSecrets: c.manage_secrets === true,
    },
  };
}

/** Who am I; undefined when signed out (401). */
export async function getWhoAmI(signal?: AbortSignal): Promise<WhoAmI | undefined> {
  try {
    return whoAmIFromWire(await callApi('GET', '/api/bosun/v1/session', undefined, signal));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

/** Signs in (the server sets the cookie); a refusal is an ApiError with the server's message. */
export async function signIn(username: string, password: string): Promise<WhoAmI> {
  return whoAmIFromWire(await callApi('POST', '/api/bosun/v1/session', { username, password }));
}

export async function signOut(): Promise<void> {
  await callApi('DELETE', '/api/bosun/v1/session');
}
