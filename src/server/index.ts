export { buildApp, openApiPath, routePoliciesOf, type AppOptions } from './app.js';
export type { RoutePlugin } from './route-plugin.js';
export { routePlugins } from './route-plugins.js';
export { startServer, type RunningServer, type StartOptions } from './start-server.js';
export type { ErrorBody } from './error-handler.js';
export type { TypedApp } from './typed-app.js';
export { bosunVersion } from './version.js';
