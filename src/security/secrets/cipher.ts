import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random 96-bit nonce. The result is `base64(nonce ‖ ciphertext ‖ tag)`; `aad` is
 * authenticated but not stored, so the caller must supply the same context to open it.
 */
export function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** Opens a `seal` result; returns null when it does not authenticate under this key and `aad`. */
export function open(key: Buffer, sealed: string, aad: string): Buffer | null {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < NONCE_BYTES + TAG_BYTES) return null;
  const nonce = raw.subarray(0, NONCE_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return null;
  }
}

/** Context strings bound into each ciphertext. NUL cannot occur in a valid path, so they cannot collide. */
export const aad = {
  value: (path: string, version: number) => `bosun.secret.value.v1\0${path}\0${version}`,
  dataKey: (path: string, keyId: string) => `bosun.secret.datakey.v1\0${path}\0${keyId}`,
  keyCheck: (keyId: string) => `bosun.secret.keycheck.v1\0${keyId}`,
};
