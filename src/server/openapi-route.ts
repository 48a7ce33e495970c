import { apiPaths, publicRoute } from './authz/policy-helpers.js';
import type { RoutePlugin } from './route-plugin.js';

/** Where the OpenAPI document is served. */
export const openApiPath = `${apiPaths.native}/openapi.json`;

/** The OpenAPI document of every route (public: clients and docs read it before signing in). */
export const openApiRoutes: RoutePlugin = {
  name: 'openapi',
  policies: { [`GET ${openApiPath}`]: publicRoute },
  register(app) {
    app.get(openApiPath, { schema: { hide: true } }, async () => app.swagger());
  },
};
