/** The master key is read by the configuration (src/shared), so it is defined there; re-exported for the secret store. */
export { MASTER_KEY_BYTES, MasterKey, parseMasterKey } from '../../shared/index.js';
