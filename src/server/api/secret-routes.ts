import { Type } from '@sinclair/typebox';
import type { SecretMetadata, SecretStore, SecretVersionMetadata } from '../../security/secrets/index.js';
import { BosunError, InvalidParameterError } from '../../shared/index.js';
import { isSerialId } from '../../shared/index.js';
import { VersionQueryIn } from '../id-schemas.js';
import type { TypedApp } from '../typed-app.js';
import type { AuditResource } from '../../security/audit/index.js';
import { auditField } from '../audit/index.js';
import { adminOnly, apiPaths } from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';

/** The open store, or undefined when no master key is configured (every route then answers BAD_REQUEST). */
export interface SecretRouteDeps {
  store: SecretStore | undefined;
}

const prefix = '/api/bosun/v1/secrets';
const tags = ['secrets'];

/** Raised by every secret route while no master key is configured: HTTP 400, code BAD_REQUEST. */
export class SecretsDisabledError extends BosunError {
  constructor() {
    super(
      'BAD_REQUEST',
      'secrets are disabled: set BOSUN_MASTER_KEY_FILE (or --master-key-file, or BOSUN_MASTER_KEY) and restart',
    );
  }
}

function versionToWire(m: SecretVersionMetadata) {
  return {
    version: m.version,
    created_time: m.createdTime,
    deletion_time: m.deletionTime,
    destroyed: m.destroyed,
  };
}

function metadataToWire(m: SecretMetadata) {
  return {
    path: m.path,
    current_version: m.currentVersion,
    oldest_version: m.oldestVersion,
    created_time: m.createdTime,
    updated_time: m.updatedTime,
    max_versions: m.maxVersions,
    effective_max_versions: m.effectiveMaxVersions,
    cas_required: m.casRequired,
    versions: m.versions.map(versionToWire),
  };
}

/** Reads a JSON object body loosely; the checks below never echo a value in their messages. */
function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidParameterError('The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function optionalVersions(body: Record<string, unknown>): number[] | undefined {
  const versions = body.versions;
  if (versions === undefined) return undefined;
  if (!Array.isArray(versions) || !versions.every((v) => typeof v === 'number')) {
    throw new InvalidParameterError("Parameter 'versions' must be an array of version numbers");
  }
  return versions as number[];
}

function requiredVersions(body: Record<string, unknown>): number[] {
  const versions = optionalVersions(body);
  if (versions === undefined)
    throw new InvalidParameterError("Missing value for required parameter 'versions'");
  return versions;
}

function parseVersion(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!isSerialId(text)) throw new InvalidParameterError("Invalid value for parameter 'version'");
  return Number(text);
}

const PathParams = Type.Object({ '*': Type.String() });
/**
 * The secrets API (Vault KV v2-like) under `/api/bosun/v1/secrets`. Values are returned only by `GET data/*`;
 * metadata and listings never hold them. Body schemas are for the OpenAPI document only: the handlers check the
 * bodies themselves so that a malformed value is never echoed in an error message or a debug log line.
 */
export function registerSecretRoutes(app: TypedApp, deps: SecretRouteDeps): void {
  const store = (): SecretStore => {
    if (!deps.store) throw new SecretsDisabledError();
    return deps.store;
  };
  const doc = (summary: string, extra: Record<string, unknown> = {}) => ({
    schema: { tags, summary, params: PathParams, ...extra },
  });

  app.put(
    `${prefix}/data/*`,
    doc('Write a new version of a secret', { description: 'JSON body: {"value": string, "cas"?: integer}' }),
    async (request) => {
      const body = bodyObject(request.body);
      const value = body.value;
      if (typeof value !== 'string') {
        throw new InvalidParameterError("Parameter 'value' must be a string");
      }
      const cas = body.cas;
      if (cas !== undefined && (typeof cas !== 'number' || !Number.isSafeInteger(cas) || cas < 0)) {
        throw new InvalidParameterError("Parameter 'cas' must be a non-negative integer");
      }
      const metadata = await store().put(request.params['*'], value, cas === undefined ? {} : { cas });
      return { metadata: versionToWire(metadata) };
    },
  );

  app.get(
    `${prefix}/data/*`,
    {
      schema: {
        tags,
        summary: 'Read a secret (latest or a given version)',
        params: PathParams,
        querystring: Type.Object({ version: Type.Optional(VersionQueryIn) }),
      },
    },
    async (request) => {
      const read = await store().get(request.params['*'], parseVersion(request.query.version));
      return { path: read.path, value: read.value, metadata: versionToWire(read.metadata) };
    },
  );

  app.get(
    `${prefix}/metadata/*`,
    doc('Metadata of a secret and its versions (no values)'),
    async (request) => ({
      metadata: metadataToWire(await store().getMetadata(request.params['*'])),
    }),
  );

  app.delete(`${prefix}/metadata/*`, doc('Remove a secret and all its versions'), async (request) => {
    await store().deleteMetadata(request.params['*']);
    return {};
  });

  app.get(
    `${prefix}/list`,
    {
      schema: {
        tags,
        summary: 'Secret paths under a prefix (never values)',
        querystring: Type.Object({ prefix: Type.Optional(Type.String()) }),
      },
    },
    async (request) => ({ keys: await store().list(request.query.prefix ?? '') }),
  );

  app.post(
    `${prefix}/delete/*`,
    doc('Soft-delete versions (default: the latest)', { description: 'JSON body: {"versions"?: integer[]}' }),
    async (request) => {
      await store().delete(request.params['*'], optionalVersions(bodyObject(request.body)));
      return {};
    },
  );

  app.post(`${prefix}/undelete/*`, doc('Restore soft-deleted versions'), async (request) => {
    await store().undelete(request.params['*'], requiredVersions(bodyObject(request.body)));
    return {};
  });

  app.post(`${prefix}/destroy/*`, doc('Erase the values of versions for good'), async (request) => {
    await store().destroy(request.params['*'], requiredVersions(bodyObject(request.body)));
    return {};
  });
}

/** A secret request's audit record names the secret's path (never its value). */
function auditSecret({ params }: AuditedInput): AuditResource {
  return { type: 'secret', id: auditField(params, '*') ?? auditField(params, 'path') ?? null };
}

const secrets = `${apiPaths.native}/secrets`;
/** Secrets are for operators and pipelines: administrators only. */
const secretAdmin = { ...adminOnly, audit: auditSecret };

export const secretPolicies: PolicyTable = {
  [`GET ${secrets}/list`]: secretAdmin,
  [`GET ${secrets}/data/*`]: secretAdmin,
  [`PUT ${secrets}/data/*`]: secretAdmin,
  [`POST ${secrets}/delete/*`]: secretAdmin,
  [`POST ${secrets}/undelete/*`]: secretAdmin,
  [`POST ${secrets}/destroy/*`]: secretAdmin,
  [`GET ${secrets}/metadata/*`]: secretAdmin,
  [`DELETE ${secrets}/metadata/*`]: secretAdmin,
};

/** The secrets API; with secrets disabled (no master key) every route answers BAD_REQUEST. */
export const secretRoutes: RoutePlugin = {
  name: 'secrets',
  policies: secretPolicies,
  register(app, services) {
    registerSecretRoutes(app, { store: services.secrets.enabled ? services.secrets.store : undefined });
  },
};
