export type { ArtifactEntry, ArtifactStore } from './artifact-store.js';
export { LocalArtifactStore } from './local/local-artifact-store.js';
export {
  MAX_ARTIFACT_PATH_LENGTH,
  MAX_ARTIFACT_SEGMENT_BYTES,
  joinArtifactPaths,
  normaliseArtifactPath,
} from './artifact-path.js';
export type { ArtifactPathOptions } from './artifact-path.js';
export { artifactUriToStorePath, isProxiedArtifactUri } from './artifact-uri.js';
