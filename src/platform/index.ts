/**
 * The composition root: one place that opens storage, runs migrations and builds every service. The server,
 * the CLI and the pipeline worker all start from `openPlatform`.
 */
export type {
  BackgroundOptions,
  BackgroundWork,
  Platform,
  PlatformNotice,
  PlatformServices,
  SecretsState,
} from './platform.js';
export { openPlatform, type PlatformOverrides } from './open-platform.js';
export { platformEventTypes, type PlatformEvents } from './platform-catalogue.js';
