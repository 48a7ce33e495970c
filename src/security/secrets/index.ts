export {
  SecretStore,
  validateSecretPath,
  DEFAULT_MAX_VERSIONS,
  type SecretStoreOptions,
} from './secret-store.js';
export { SecretCasConflictError, SecretIntegrityError, WrongMasterKeyError } from './errors.js';
export type * from './types.js';
