export { buildApp, openApiPath, type AppOptions } from './app.js';
export { startServer, type RunningServer, type StartOptions } from './start-server.js';
export type { ErrorBody } from './error-handler.js';
export type { TypedApp } from './typed-app.js';
export { bosunVersion } from './version.js';
