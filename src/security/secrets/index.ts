export {
  SecretStore,
  validateSecretPath,
  DEFAULT_MAX_VERSIONS,
  type SecretStoreOptions,
} from './secret-store.js';
export { MasterKey, parseMasterKey, MASTER_KEY_BYTES } from './master-key.js';
export { SecretCasConflictError, SecretIntegrityError, WrongMasterKeyError } from './errors.js';
export type * from './types.js';
