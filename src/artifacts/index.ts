export type { ArtifactEntry, ArtifactStore } from './artifact-store.js';
export { LocalArtifactStore } from './local/local-artifact-store.js';
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
