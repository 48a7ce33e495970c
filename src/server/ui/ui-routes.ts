import type { FastifyReply, FastifyRequest } from 'fastify';
import { publicRoute } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';
import { uiContentSecurityPolicy } from './content-security-policy.js';
import { defaultUiRoot, UiFiles } from './ui-files.js';

/** The page `/` answers when the UI was not built (the server itself was: `tsc` ran but not `vite build`). */
export const uiNotBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bosun: web UI not built</title></head>
<body><h1>Bosun's web UI is not built</h1>
<p>The API is running. To get the web UI, build it from the repository: <code>npm run build</code>
(the install command, <code>npm ci &amp;&amp; npm start</code>, does it), then reload this page.</p></body></html>
`;

/** Routes are public: the UI's files hold no data; every API call the UI then makes is checked as usual. */
const uiPolicies: PolicyTable = {
  'GET /': publicRoute,
  'GET /assets/*': publicRoute,
};

const hidden = { hide: true } as const;

function uiHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', uiContentSecurityPolicy)
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

function acceptsGzip(request: FastifyRequest): boolean {
  const accept = request.headers['accept-encoding'];
  return typeof accept === 'string' && /\bgzip\b/.test(accept);
}

/** Registers `/` (index.html, never cached without revalidation) and `/assets/*` (hashed, immutable). */
export function registerUiRoutes(app: TypedApp, files: UiFiles): void {
  app.get('/', { schema: hidden }, async (_request, reply) => {
    const html = await files.indexHtml();
    uiHeaders(reply).header('cache-control', 'no-cache');
    if (html === undefined) return reply.code(503).type('text/html; charset=utf-8').send(uiNotBuiltPage);
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get<{ Params: { '*': string } }>('/assets/*', { schema: hidden }, async (request, reply) => {
    const name = request.params['*'];
    const asset = name.includes('/') ? undefined : await files.asset(name);
    if (asset === undefined) return reply.callNotFound();
    uiHeaders(reply)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'accept-encoding')
      .type(asset.contentType);
    if (asset.gzipped !== undefined && acceptsGzip(request)) {
      return reply.header('content-encoding', 'gzip').send(asset.gzipped);
    }
    return reply.send(asset.body);
  });
}

/**
 * The web UI's route plugin, serving the built files of `root` (by default dist/web, see defaultUiRoot).
 * Example (a test): `buildApp(services, { plugins: [...routePlugins.filter(p => p.name !== 'ui'), webUiRoutes(dir)] })`.
 */
export function webUiRoutes(root: string = defaultUiRoot()): RoutePlugin {
  return {
    name: 'ui',
    policies: uiPolicies,
    register(app) {
      registerUiRoutes(app, new UiFiles(root));
    },
  };
}
