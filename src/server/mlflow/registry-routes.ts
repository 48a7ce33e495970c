import type { RegistryService } from '../../registry/index.js';
import type { TypedApp } from '../typed-app.js';
import { mlflowPrefixes } from './index.js';
import { useLenientJsonBodies } from './json-body.js';
import {
  registerModelVersionArtifactRoute,
  registerModelVersionRoutes,
  type VersionArtifactDeps,
} from './model-version-routes.js';
import { registerRegisteredModelRoutes } from './registered-model-routes.js';
import { modelVersionPolicies } from './model-version-routes.js';
import { registeredModelPolicies } from './registered-model-routes.js';
import { combinePolicies } from '../authz/route-policies.js';
import { nameResources } from '../audit/index.js';
import type { RoutePlugin } from '../route-plugin.js';

/**
 * Registers MLflow's model-registry API under both MLflow prefixes (the `/ajax-api` copies hidden from the
 * OpenAPI document), and the web UI's `/model-versions/get-artifact` at the root and under both prefixes.
 * Example: `await registerMlflowRegistryRoutes(app, registry, { artifacts, roots, tracking });`
 */
export async function registerMlflowRegistryRoutes(
  app: TypedApp,
  registry: RegistryService,
  files: VersionArtifactDeps,
): Promise<void> {
  for (const prefix of mlflowPrefixes) {
    await app.register(
      async (scope: TypedApp) => {
        if (prefix.startsWith('/ajax-api')) {
          scope.addHook('onRoute', (route) => {
            route.schema = { ...route.schema, hide: true };
          });
        }
        useLenientJsonBodies(scope);
        registerRegisteredModelRoutes(scope, registry);
        registerModelVersionRoutes(scope, registry);
        registerModelVersionArtifactRoute(scope, registry, files);
      },
      { prefix },
    );
  }
  await app.register(async (scope: TypedApp) => {
    registerModelVersionArtifactRoute(scope, registry, files);
  });
}

/** MLflow's model registry API: registered models, versions, aliases, and the web UI's artifact download. */
export const mlflowRegistryRoutes: RoutePlugin = {
  name: 'mlflow-registry',
  policies: nameResources(
    'registry',
    combinePolicies({
      'registered-models': registeredModelPolicies,
      'model-versions': modelVersionPolicies,
    }),
  ),
  async register(app, services) {
    await registerMlflowRegistryRoutes(app, services.registry, {
      artifacts: services.artifacts,
      roots: services.artifactRoots,
      tracking: services.tracking,
    });
  },
};
