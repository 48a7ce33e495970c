/**
 * Administration calls (auth on): users (MLflow's basic-auth API and Bosun's `/api/bosun/v1/users`), API
 * tokens, permissions (MLflow 3's unified grant/revoke), the audit log and the secret store. Every one is
 * refused by the server to a user without the right; the pages only avoid offering them.
 */
import { readArray } from '../../../src/client/wire';
import { callApi, type WireObject } from './http';

const users = '/api/bosun/v1/users';
const mlflow = '/api/2.0/mlflow';
const q = encodeURIComponent;

export interface UserRecord {
  id: number;
  username: string;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: number;
  lastLoginAt?: number;
}

function userFromWire(value: unknown): UserRecord {
  const o = value as WireObject;
  return {
    id: Number(o.id),
    username: String(o.username),
    isAdmin: o.is_admin === true,
    disabled: o.disabled === true,
    createdAt: Number(o.created_at),
    ...(o.last_login_at !== undefined ? { lastLoginAt: Number(o.last_login_at) } : {}),
  };
}

export async function listUsers(signal?: AbortSignal): Promise<UserRecord[]> {
  const answer = await callApi('GET', users, undefined, signal);
  return readArray(answer.users ?? [], 'users').map(userFromWire);
}

export async function createUser(username: string, password: string): Promise<void> {
  await callApi('POST', `${mlflow}/users/create`, { username, password });
}

/** An administrator sets a new password (it ends the user's sessions). */
export async function resetPassword(username: string, password: string): Promise<void> {
  await callApi('PATCH', `${mlflow}/users/update-password`, { username, password });
}

export async function setAdmin(username: string, isAdmin: boolean): Promise<void> {
  await callApi('PATCH', `${mlflow}/users/update-admin`, { username, is_admin: isAdmin });
}

/** Disables (ends their sessions) or enables a user; answers how many sessions ended. */
export async function setDisabled(username: string, disabled: boolean): Promise<number> {
  const answer = await callApi('PATCH', `${users}/${q(username)}`, { disabled });
  return Number(answer.sessions_ended ?? 0);
}

export interface TokenRecord {
  id: number;
  name: string;
  prefix: string;
  createdAt: number;
  expiresAt?: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

function tokenFromWire(value: unknown): TokenRecord {
  const o = value as WireObject;
  return {
    id: Number(o.id),
    name: String(o.name),
    prefix: String(o.prefix),
    createdAt: Number(o.created_at),
    ...(o.expires_at !== undefined ? { expiresAt: Number(o.expires_at) } : {}),
    ...(o.last_used_at !== undefined ? { lastUsedAt: Number(o.last_used_at) } : {}),
    ...(o.revoked_at !== undefined ? { revokedAt: Number(o.revoked_at) } : {}),
  };
}

export async function listTokens(username: string, signal?: AbortSignal): Promise<TokenRecord[]> {
  const answer = await callApi('GET', `${users}/${q(username)}/tokens`, undefined, signal);
  return readArray(answer.tokens ?? [], 'tokens').map(tokenFromWire);
}

/** Creates a token: the answer's `token` is the only time it is ever shown. */
export async function createToken(
  username: string,
  name: string,
): Promise<{ token: string; info: TokenRecord }> {
  const answer = await callApi('POST', `${users}/${q(username)}/tokens`, { name });
  return { token: String(answer.token), info: tokenFromWire(answer.token_info) };
}

export async function revokeToken(username: string, id: number): Promise<void> {
  await callApi('DELETE', `${users}/${q(username)}/tokens/${id}`);
}

export interface PermissionRecord {
  resourceType: 'experiment' | 'registered_model';
  resource: string;
  permission: string;
}

/** A user's grants (MLflow's users/get: experiment and registered-model permissions). */
export async function listUserPermissions(
  username: string,
  signal?: AbortSignal,
): Promise<PermissionRecord[]> {
  const answer = await callApi('GET', `${mlflow}/users/get?username=${q(username)}`, undefined, signal);
  const user = (answer.user ?? {}) as WireObject;
  const experiments = readArray(user.experiment_permissions ?? [], 'experiment_permissions').map((p) => {
    const o = p as WireObject;
    return {
      resourceType: 'experiment' as const,
      resource: String(o.experiment_id),
      permission: String(o.permission),
    };
  });
  const models = readArray(user.registered_model_permissions ?? [], 'registered_model_permissions').map(
    (p) => {
      const o = p as WireObject;
      return {
        resourceType: 'registered_model' as const,
        resource: String(o.name),
        permission: String(o.permission),
      };
    },
  );
  return [...experiments, ...models];
}

export async function grantPermission(username: string, grant: PermissionRecord): Promise<void> {
  await callApi('POST', '/api/3.0/mlflow/users/permissions/grant', {
    username,
    resource_type: grant.resourceType,
    resource_id: grant.resource,
    permission: grant.permission,
  });
}

export async function revokePermission(
  username: string,
  grant: Pick<PermissionRecord, 'resourceType' | 'resource'>,
): Promise<void> {
  await callApi('POST', '/api/3.0/mlflow/users/permissions/revoke', {
    username,
    resource_type: grant.resourceType,
    resource_id: grant.resource,
  });
}

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  outcome: string;
  statusCode: number;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  outcome?: string;
  pageToken?: string;
}

export async function listAudit(
  query: AuditQuery,
  signal?: AbortSignal,
): Promise<{ entries: AuditEntry[]; nextPageToken?: string }> {
  const params = new URLSearchParams({ max_results: '50' });
  for (const [key, value] of [
    ['actor', query.actor],
    ['action', query.action],
    ['outcome', query.outcome],
    ['page_token', query.pageToken],
  ] as const) {
    if (value !== undefined && value !== '') params.set(key, value);
  }
  const answer = await callApi('GET', `/api/bosun/v1/audit-log?${params}`, undefined, signal);
  const entries = readArray(answer.entries ?? [], 'entries').map((value) => {
    const o = value as WireObject;
    return {
      seq: Number(o.seq),
      at: Number(o.at),
      actor: String(o.actor ?? ''),
      action: String(o.action),
      resourceType: String(o.resource_type ?? ''),
      resourceId: String(o.resource_id ?? ''),
      outcome: String(o.outcome),
      statusCode: Number(o.status_code),
    };
  });
  return typeof answer.next_page_token === 'string'
    ? { entries, nextPageToken: answer.next_page_token }
    : { entries };
}

export type AuditVerification =
  | { valid: true; records: number; headSeq: number }
  | { valid: false; records: number; brokenSeq: number; message: string; breakCount: number };

export async function verifyAudit(): Promise<AuditVerification> {
  const o = await callApi('GET', '/api/bosun/v1/audit-log/verify');
  return o.valid === true
    ? { valid: true, records: Number(o.records), headSeq: Number(o.head_seq) }
    : {
        valid: false,
        records: Number(o.records),
        brokenSeq: Number(o.broken_seq),
        message: String(o.message),
        breakCount: Number(o.break_count),
      };
}

const secrets = '/api/bosun/v1/secrets';
const secretPath = (path: string): string => path.split('/').map(q).join('/');

export async function listSecrets(prefix: string, signal?: AbortSignal): Promise<string[]> {
  const answer = await callApi('GET', `${secrets}/list?prefix=${q(prefix)}`, undefined, signal);
  return readArray(answer.keys ?? [], 'keys').map(String);
}

export interface SecretVersion {
  version: number;
  createdTime: number;
  deletionTime?: number;
  destroyed: boolean;
}

export interface SecretMetadata {
  path: string;
  currentVersion: number;
  updatedTime: number;
  versions: SecretVersion[];
}

export async function getSecretMetadata(path: string, signal?: AbortSignal): Promise<SecretMetadata> {
  const answer = await callApi('GET', `${secrets}/metadata/${secretPath(path)}`, undefined, signal);
  const m = answer.metadata as WireObject;
  return {
    path: String(m.path),
    currentVersion: Number(m.current_version),
    updatedTime: Number(m.updated_time),
    versions: readArray(m.versions ?? [], 'versions').map((v) => {
      const o = v as WireObject;
      return {
        version: Number(o.version),
        createdTime: Number(o.created_time),
        ...(typeof o.deletion_time === 'number' && o.deletion_time > 0
          ? { deletionTime: o.deletion_time }
          : {}),
        destroyed: o.destroyed === true,
      };
    }),
  };
}

/** Reads a secret's value: only on an explicit reveal (the server audits the read). */
export async function revealSecret(path: string, version: number): Promise<string> {
  const answer = await callApi('GET', `${secrets}/data/${secretPath(path)}?version=${version}`);
  return String(answer.value);
}

/** Rotates a secret: writes a new version. */
export async function writeSecret(path: string, value: string): Promise<void> {
  await callApi('PUT', `${secrets}/data/${secretPath(path)}`, { value });
}

export async function destroySecretVersions(path: string, versions: number[]): Promise<void> {
  await callApi('POST', `${secrets}/destroy/${secretPath(path)}`, { versions });
}
