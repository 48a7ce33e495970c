import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PipelineService, registryModelApprovals, stepBaseEnvironment } from '../pipelines/index.js';
import { buildApp, routePlugins } from '../server/index.js';
import type { CliIo } from './cli-context.js';
import { databasePipelineApi, httpPipelineApi, type PipelineApi } from './pipeline-api.js';
import { cliActor, withPlatform } from './server-database.js';

/** The options every `bosun pipeline` command that reaches runs takes: where the pipelines API is. */
export interface ApiOptions {
  trackingUri?: string;
  backendStoreUri?: string;
  json?: boolean;
  python?: string;
  codeDir?: string;
}

export function withApiOptions(command: Command): Command {
  return command
    .option(
      '--tracking-uri <url>',
      "a Bosun server's URL: the server runs the pipeline (default: the database, in this process)",
    )
    .option(
      '--backend-store-uri <uri>',
      "the server's database when no --tracking-uri is given (BOSUN_BACKEND_STORE_URI)",
    )
    .option('--json', 'print the result as JSON');
}

/**
 * Runs `work` with the pipelines API: over HTTP with --tracking-uri, else over the server's database. `serve`
 * starts a loopback tracking server in this process for the steps to log to (run, resume).
 */
export async function withApi<T>(
  options: ApiOptions,
  io: CliIo,
  serve: boolean,
  work: (api: PipelineApi) => Promise<T>,
): Promise<T> {
  if (options.trackingUri !== undefined)
    return work(httpPipelineApi({ trackingUri: options.trackingUri }, io));
  return withPlatform(
    options,
    io,
    async (platform) => {
      const pipelines = new PipelineService({
        handle: platform.database,
        tracking: platform.tracking,
        artifactRoots: platform.artifactRoots,
        defaultCodeDir: resolve(options.codeDir ?? '.'),
        baseEnv: stepBaseEnvironment(io.env ?? process.env),
        ...(options.python !== undefined ? { python: options.python } : {}),
        modelApprovals: registryModelApprovals(platform),
        // The server's resource classes (--resource-classes / BOSUN_RESOURCE_CLASSES_FILE): prices and checks.
        resourceClasses: platform.pipelines.resourceClasses,
      });
      if (!serve) return work(databasePipelineApi(pipelines, cliActor()));
      // The steps' mlflow clients log through the tracking API: served on loopback while the run lasts.
      // Without the pipeline and schedule routes: their listen hooks would take over the server's runs and start
      // its schedules' runs in this short-lived process.
      const app = await buildApp(platform, {
        plugins: routePlugins.filter((p) => p.name !== 'pipelines' && p.name !== 'pipeline-schedules'),
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const bound = app.server.address();
      pipelines.serveAt(`http://127.0.0.1:${bound !== null && typeof bound === 'object' ? bound.port : 0}`);
      try {
        return await work(databasePipelineApi(pipelines, cliActor()));
      } finally {
        await pipelines.shutdown();
        await app.close();
      }
    },
    { logLevel: 'warn' },
  );
}
