/** The web UI's files, served by the API server: `/` and `/assets/*` (see ui-routes.ts). */
export { webUiRoutes, uiNotBuiltPage } from './ui-routes.js';
export { uiContentSecurityPolicy } from './content-security-policy.js';
export { defaultUiRoot } from './ui-files.js';
