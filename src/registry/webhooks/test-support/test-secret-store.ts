import type { DatabaseHandle } from '../../../db/index.js';
import { SecretStore } from '../../../security/secrets/index.js';
import { MasterKey } from '../../../shared/index.js';

/** The real secret store on a migrated test database, sealed with a fresh random master key. */
export function openTestSecretStore(handle: DatabaseHandle): Promise<SecretStore> {
  return SecretStore.open(handle, MasterKey.generate());
}
