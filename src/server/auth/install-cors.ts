import cors from '@fastify/cors';
import { publicRoute } from '../authz/policy-helpers.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';

/**
 * CORS for the web origins the operator listed (`BOSUN_CORS_ORIGINS`), and for no other: their pages may call
 * the API with their user's credentials (preflights answered on `OPTIONS *`, which needs no credentials and does
 * nothing else). With no origins listed nothing is registered and no CORS header is ever sent.
 * Example: `await installCors(app, ['https://app.example.com'])`.
 */
export async function installCors(app: TypedApp, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: [...origins],
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600,
    strictPreflight: true,
  });
}

/** CORS preflights (`OPTIONS *`), answered without credentials, and only for the configured origins. */
export const corsRoutes: RoutePlugin = {
  name: 'cors',
  policies: { 'OPTIONS *': publicRoute },
  async register(app, services) {
    await installCors(app, services.config.corsOrigins);
  },
};
