import { BosunError, InvalidStateError } from '../../shared/index.js';

/** A check-and-set write whose `cas` did not match the current version (HTTP 409). */
export class SecretCasConflictError extends InvalidStateError {
  constructor(
    readonly path: string,
    readonly expected: number,
    /** Null when another writer changed the version during this write. */
    readonly current: number | null,
  ) {
    super(
      `check-and-set parameter did not match the current version of secret '${path}' ` +
        `(cas ${expected}, ${current === null ? 'a concurrent write changed it' : `current version ${current}`})`,
    );
  }
}

/** The master key given at start is not the one the store was sealed with. */
export class WrongMasterKeyError extends InvalidStateError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * A stored ciphertext or wrapped key failed authentication: it was edited, swapped with another row, or the
 * database was restored under another key. Never carries the value.
 */
export class SecretIntegrityError extends BosunError {
  constructor(message: string) {
    super('INTERNAL_ERROR', message);
  }
}
