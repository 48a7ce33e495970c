/**
 * Secret store tables (KV v2 semantics, encrypted at rest). Times are epoch milliseconds; flags are 0/1.
 * No column ever holds a plaintext value or a plaintext key: `wrapped_key` is the secret's data key sealed under
 * the master key, `ciphertext` is the value sealed under the data key (both `base64(nonce ‖ ciphertext ‖ tag)`).
 */

/** One secret path: its metadata and its data key, wrapped by the master key `key_id`. */
export interface SecretsTable {
  path: string;
  /** 0 while the path only has metadata (no version written yet). */
  current_version: number;
  oldest_version: number;
  /** 0 = the store's default. */
  max_versions: number;
  cas_required: number;
  created_at: number;
  updated_at: number;
  key_id: string;
  wrapped_key: string;
}

/** One version of a secret. A destroyed version keeps its row with `ciphertext` null. */
export interface SecretVersionsTable {
  path: string;
  version: number;
  created_at: number;
  deleted_at: number | null;
  destroyed: number;
  ciphertext: string | null;
}

/** Single row (`id` = 1): proves which master key the store was sealed with, so a wrong key is refused. */
export interface SecretKeyCheckTable {
  id: number;
  key_id: string;
  check_value: string;
  updated_at: number;
}

export interface SecretTables {
  secrets: SecretsTable;
  secret_versions: SecretVersionsTable;
  secret_key_check: SecretKeyCheckTable;
}
