import { BosunError, InvalidStateError, NotFoundError } from '../../shared/index.js';

/**
 * The part of the secret store (src/security/secrets `SecretStore`) that webhooks use to keep signing secrets
 * encrypted at rest. Structural, so this domain does not depend on the store's class.
 * Example: `new WebhookService(db, policy, { secrets: await SecretStore.open(handle, masterKey) })`.
 */
export interface WebhookSecretStore {
  /** `cas`: write only while the current version is this one (0: no version yet). */
  put(path: string, value: string, options?: { cas?: number }): Promise<unknown>;
  /** `value` is null when the current version was soft-deleted or destroyed. */
  get(path: string): Promise<{ value: string | null; metadata: { version: number } }>;
  deleteMetadata(path: string): Promise<void>;
}

/** Secret-store path of a subscription's signing secret. Example: `signingSecretPath(7)` → `bosun/webhooks/7/signing-secret`. */
export function signingSecretPath(subscriptionId: number): string {
  return `bosun/webhooks/${subscriptionId}/signing-secret`;
}

export const signingSecretPrefix = 'bosun/webhooks/';

/** Creating a webhook while the server has no master key: HTTP 400, code BAD_REQUEST. */
export class WebhookSecretsUnavailableError extends BosunError {
  constructor() {
    super(
      'BAD_REQUEST',
      'webhooks need the secret store to keep their signing secrets encrypted, and it is disabled: ' +
        'set BOSUN_MASTER_KEY_FILE (or --master-key-file, or BOSUN_MASTER_KEY) and restart the server',
    );
  }
}

/** Check-and-set writes lost in a row before giving up; each loss means another writer stored something. */
const storeOnceAttempts = 5;

async function currentSecret(
  store: Pick<WebhookSecretStore, 'get'>,
  path: string,
): Promise<{ version: number; value: string | null }> {
  try {
    const read = await store.get(path);
    return { version: read.metadata.version, value: read.value };
  } catch (err) {
    if (err instanceof NotFoundError) return { version: 0, value: null };
    throw err;
  }
}

/**
 * Makes `value` the current version of the secret at `path`, writing a version only when it is not already.
 * Servers starting at the same moment all move the same legacy secrets: the check-and-set write lets one of
 * them store it and the others find it stored, so the secret gets one version, not one per server.
 */
export async function storeSigningSecretOnce(
  store: Pick<WebhookSecretStore, 'get' | 'put'>,
  path: string,
  value: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await currentSecret(store, path);
    if (current.value === value) return;
    try {
      await store.put(path, value, { cas: current.version });
      return;
    } catch (err) {
      // A lost check-and-set (or a concurrent first write of the path): read again what the winner stored.
      if (!(err instanceof InvalidStateError) || attempt >= storeOnceAttempts) throw err;
    }
  }
}

/** Removes a secret-store entry; one that is already gone is not an error. */
export async function removeSigningSecret(store: WebhookSecretStore, path: string): Promise<void> {
  try {
    await store.deleteMetadata(path);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

/**
 * The HMAC key of a subscription row: from the secret store when the row has a reference, else the plain text
 * of a row created before migration 0009. Throws a BosunError whose message never holds a secret.
 */
export async function resolveSigningSecret(
  row: { secretRef: string | null; legacySecret: string | null },
  store: Pick<WebhookSecretStore, 'get'> | undefined,
): Promise<string> {
  if (row.secretRef !== null) {
    if (!store) {
      throw new BosunError(
        'INVALID_STATE',
        'the signing secret is in the secret store, but the server has no master key ' +
          '(set BOSUN_MASTER_KEY_FILE and restart)',
      );
    }
    const read = await store.get(row.secretRef);
    if (read.value === null) {
      throw new NotFoundError(`the signing secret at '${row.secretRef}' was deleted from the secret store`);
    }
    return read.value;
  }
  if (row.legacySecret !== null) return row.legacySecret;
  throw new NotFoundError('the subscription has no signing secret yet');
}
