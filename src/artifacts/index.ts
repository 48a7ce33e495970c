export type {
  ArtifactEntry,
  ArtifactRead,
  ArtifactReadOptions,
  ArtifactStore,
  ByteRange,
  MultipartArtifactStore,
  MultipartUploadTarget,
  UploadedPart,
} from './artifact-store.js';
export { supportsMultipartUpload } from './artifact-store.js';
export { RangeNotSatisfiableError, parseRangeHeader, resolveByteRange } from './byte-range.js';
export { LocalArtifactStore } from './local/local-artifact-store.js';
export { S3ArtifactStore } from './s3/s3-artifact-store.js';
export type { S3ArtifactStoreOptions } from './s3/s3-artifact-store.js';
export { createS3Client } from './s3/s3-client.js';
export { formatS3Uri, isS3Uri, parseS3Uri } from './s3/s3-uri.js';
export type { S3Location } from './s3/s3-uri.js';
export type { LocalArtifactStoreOptions } from './local/local-artifact-store.js';
export { ArtifactRoots } from './artifact-roots.js';
export type { ArtifactRootsConfig, OpenedArtifactRoot } from './artifact-roots.js';
export {
  MAX_ARTIFACT_PATH_LENGTH,
  MAX_ARTIFACT_SEGMENT_BYTES,
  joinArtifactPaths,
  normaliseArtifactPath,
} from './artifact-path.js';
export type { ArtifactPathOptions } from './artifact-path.js';
export { artifactPathRole, parseArtifactRequestPath } from './artifact-request-path.js';
export type { ArtifactPathRole, ArtifactPathUse } from './artifact-request-path.js';
export { artifactUriToStorePath, isProxiedArtifactUri } from './artifact-uri.js';
export {
  STORE_SPACE,
  checkExperimentLocation,
  keyContains,
  keysOverlap,
  localPathOf,
  locationKey,
  reservedExperimentFolder,
  resolveRelativeLocation,
} from './artifact-location.js';
export type { ArtifactLocationPolicy, LocationKey } from './artifact-location.js';
export { openArtifactStorage } from './artifact-storage.js';
export type { ArtifactStorage, ArtifactStorageConfig, OpenedLocation } from './artifact-storage.js';
