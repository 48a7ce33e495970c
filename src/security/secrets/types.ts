/** Public shapes of the secret store. Times are epoch milliseconds. None of them holds a value except `SecretRead`. */

/** Metadata of one version (Vault KV v2: created_time, deletion_time, destroyed). */
export interface SecretVersionMetadata {
  version: number;
  createdTime: number;
  /** Set while the version is soft-deleted; null otherwise. */
  deletionTime: number | null;
  destroyed: boolean;
}

/** Metadata of a secret path, with every version still kept. Never contains values. */
export interface SecretMetadata {
  path: string;
  /** 0 when only metadata exists. */
  currentVersion: number;
  oldestVersion: number;
  createdTime: number;
  updatedTime: number;
  /** Per-secret limit; 0 = the store's default (`effectiveMaxVersions` says which applies). */
  maxVersions: number;
  effectiveMaxVersions: number;
  casRequired: boolean;
  versions: SecretVersionMetadata[];
}

/** A read of one version: `value` is null when that version is soft-deleted or destroyed. */
export interface SecretRead {
  path: string;
  value: string | null;
  metadata: SecretVersionMetadata;
}

export interface PutOptions {
  /** Check-and-set: 0 = write only if the secret has no version; n = only if the current version is n. */
  cas?: number;
}

export interface ConfigureOptions {
  /** Versions kept for this secret; 0 = the store default. */
  maxVersions?: number;
  /** When true, every write to this secret must carry `cas`. */
  casRequired?: boolean;
}

export interface RotationResult {
  previousKeyId: string;
  keyId: string;
  /** Number of data keys re-wrapped (one per secret). */
  rewrapped: number;
}
