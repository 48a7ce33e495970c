import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidParameterError, type S3Settings } from '../shared/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local/local-artifact-store.js';
import { S3ArtifactStore } from './s3/s3-artifact-store.js';
import { createS3Client } from './s3/s3-client.js';
import { isS3Uri, parseS3Uri, type S3Location } from './s3/s3-uri.js';

/** The server's artifact storage settings (a subset of ServerConfig). */
export interface ArtifactStorageConfig {
  /** An absolute folder or `s3://bucket/prefix` (`--artifacts-destination`). */
  artifactsDestination: string;
  /** `--default-artifact-root`; an `s3://` one is readable by the server too (scans of directly written runs). */
  defaultArtifactRoot: string;
  /** Required when either of the above is `s3://`. */
  s3?: S3Settings;
}

/** A store and the path of a location in it. */
export interface OpenedLocation {
  store: ArtifactStore;
  path: string;
  /** The location is in the server's own store (the destination), whose registered files are guarded. */
  inServerStore: boolean;
}

/** What the server stores artifacts in, built once from its settings. */
export interface ArtifactStorage {
  /** The server's own store: where `mlflow-artifacts:` URIs point. */
  store: ArtifactStore;
  /** The destination's absolute local folder; absent when it is a bucket. */
  localFolder?: string;
  /**
   * The store and path of an `s3://` location inside one of the server's S3 roots (its destination and default
   * artifact root), or `undefined` for any other location: the server reads no bucket it was not configured with.
   */
  openS3Location(location: string): OpenedLocation | undefined;
  /** Releases connections (the S3 client's sockets). */
  close(): void;
}

interface S3Root {
  location: S3Location;
  store: ArtifactStore;
  isDestination: boolean;
}

function inside(root: S3Location, location: S3Location): string | undefined {
  if (root.bucket !== location.bucket) return undefined;
  if (root.prefix === '') return location.prefix;
  if (location.prefix === root.prefix) return '';
  return location.prefix.startsWith(`${root.prefix}/`)
    ? location.prefix.slice(root.prefix.length + 1)
    : undefined;
}

/**
 * Opens the server's artifact storage: a `LocalArtifactStore` on a folder, or an `S3ArtifactStore` on
 * `s3://bucket/prefix` with one S3 client shared by every S3 root.
 *
 * Example: `const storage = openArtifactStorage({ artifactsDestination: 's3://ml/bosun',
 *             defaultArtifactRoot: 'mlflow-artifacts:/', s3: loadS3Settings(process.env) });
 *           await storage.store.put('0/abc/artifacts/f.txt', Buffer.from('hi')); storage.close();`
 */
export function openArtifactStorage(config: ArtifactStorageConfig): ArtifactStorage {
  const s3Uris = [config.artifactsDestination, config.defaultArtifactRoot].filter(isS3Uri);
  if (s3Uris.length === 0) {
    return {
      store: new LocalArtifactStore(config.artifactsDestination),
      localFolder: config.artifactsDestination,
      openS3Location: () => undefined,
      close: () => undefined,
    };
  }
  if (config.s3 === undefined) {
    throw new InvalidParameterError('S3 artifact storage needs S3 settings (MLFLOW_S3_ENDPOINT_URL, AWS_*)');
  }
  const client: S3Client = createS3Client(config.s3);
  const roots: S3Root[] = [];
  const rootFor = (uri: string, isDestination: boolean): S3Root => {
    const location = parseS3Uri(uri);
    const same = roots.find(
      (r) => r.location.bucket === location.bucket && r.location.prefix === location.prefix,
    );
    if (same) return same;
    const root = { location, store: new S3ArtifactStore({ client, location }), isDestination };
    roots.push(root);
    return root;
  };
  const destination = isS3Uri(config.artifactsDestination)
    ? rootFor(config.artifactsDestination, true)
    : undefined;
  if (isS3Uri(config.defaultArtifactRoot)) rootFor(config.defaultArtifactRoot, false);
  return {
    store: destination?.store ?? new LocalArtifactStore(config.artifactsDestination),
    ...(destination === undefined ? { localFolder: config.artifactsDestination } : {}),
    openS3Location(uri) {
      if (!isS3Uri(uri)) return undefined;
      let location: S3Location;
      try {
        location = parseS3Uri(uri);
      } catch {
        return undefined;
      }
      for (const root of roots) {
        const path = inside(root.location, location);
        if (path !== undefined) return { store: root.store, path, inServerStore: root.isDestination };
      }
      return undefined;
    },
    close: () => client.destroy(),
  };
}
