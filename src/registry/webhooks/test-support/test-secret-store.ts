import type { DatabaseHandle } from '../../../db/index.js';
import { MasterKey, SecretStore } from '../../../security/secrets/index.js';

/** The real secret store on a migrated test database, sealed with a fresh random master key. */
export function openTestSecretStore(handle: DatabaseHandle): Promise<SecretStore> {
  return SecretStore.open(handle, MasterKey.generate());
}
