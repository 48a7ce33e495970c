import { BosunError, NotFoundError } from '../../shared/errors.js';

/**
 * The part of the secret store (src/security/secrets `SecretStore`) that webhooks use to keep signing secrets
 * encrypted at rest. Structural, so this domain does not depend on the store's class.
 * Example: `new WebhookService(db, policy, { secrets: await SecretStore.open(handle, masterKey) })`.
 */
export interface WebhookSecretStore {
  put(path: string, value: string): Promise<unknown>;
  /** `value` is null when the current version was soft-deleted or destroyed. */
  get(path: string): Promise<{ value: string | null }>;
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
