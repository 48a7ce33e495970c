import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { InvalidParameterError } from './errors.js';

export const MASTER_KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The operator's 256-bit master key and its id. The key bytes live in a private field and never appear in
 * `toString`, `JSON.stringify` or `util.inspect` output.
 */
export class MasterKey {
  readonly #bytes: Buffer;

  private constructor(
    readonly id: string,
    bytes: Buffer,
  ) {
    this.#bytes = Buffer.from(bytes);
  }

  /** Builds a key from 32 raw bytes; without an id, one is derived from the key (an HMAC, not the key). */
  static fromBytes(bytes: Uint8Array, id?: string): MasterKey {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new InvalidParameterError(
        `master key must be ${MASTER_KEY_BYTES} bytes, got ${bytes.length} (give 32 random bytes in base64)`,
      );
    }
    const buffer = Buffer.from(bytes);
    const keyId = id ?? derivedKeyId(buffer);
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new InvalidParameterError('master key id must be 1-64 characters from [A-Za-z0-9._-]');
    }
    return new MasterKey(keyId, buffer);
  }

  /** A fresh random key, e.g. for `bosun secrets generate-key` and tests. */
  static generate(id?: string): MasterKey {
    return MasterKey.fromBytes(randomBytes(MASTER_KEY_BYTES), id);
  }

  /** The key as the operator supplies it: `<id>:<base64>` (parse it back with `parseMasterKey`). */
  export(): string {
    return `${this.id}:${this.#bytes.toString('base64')}`;
  }

  /** Raw key bytes, for the cipher only. */
  bytes(): Buffer {
    return this.#bytes;
  }

  toString(): string {
    return `MasterKey(${this.id})`;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function derivedKeyId(key: Buffer): string {
  return `k-${createHmac('sha256', key).update('bosun-master-key-id').digest('hex').slice(0, 16)}`;
}

/**
 * Parses the master key as the operator supplies it (the content of a key file or an environment value):
 * `<base64 of 32 bytes>` or `<key-id>:<base64 of 32 bytes>`, surrounding whitespace ignored. Without an id, a
 * stable one is derived from the key. Errors never echo the text.
 */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidParameterError('master key is empty');
  const colon = trimmed.indexOf(':');
  const id = colon >= 0 ? trimmed.slice(0, colon).trim() : undefined;
  const encoded = (colon >= 0 ? trimmed.slice(colon + 1) : trimmed).trim();
  if (id !== undefined && !KEY_ID_PATTERN.test(id)) {
    throw new InvalidParameterError('master key id must be 1-64 characters from [A-Za-z0-9._-]');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new InvalidParameterError('master key is not valid base64 (expected 32 random bytes in base64)');
  }
  return MasterKey.fromBytes(Buffer.from(encoded, 'base64'), id);
}
