import { openPlatform, type BackgroundWork, type PlatformOverrides } from '../platform/index.js';
import type { ServerConfig } from '../shared/index.js';
import { buildApp } from './app.js';
import { checkExposure, prepareUsers } from './auth/index.js';
import type { TypedApp } from './typed-app.js';

export interface RunningServer {
  app: TypedApp;
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  address: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Close gracefully and exit 0 on SIGTERM/SIGINT. Default true; tests turn it off. */
  handleSignals?: boolean;
  /** Stand-ins for tests (see `PlatformOverrides`); production passes none. */
  platform?: PlatformOverrides;
}

/** Where experiments may put artifacts: the server's settings, and never the SQLite database's folder. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * `bosun server`: the platform (database, migrations, services; see src/platform), the first administrator,
 * the HTTP app, then the background loops (event consumers, webhook delivery).
 * Example: `const server = await startServer(loadServerConfig({ port: 0 })); ...; await server.close();`
 */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  // Secure by default: refuses (throws) to listen beyond loopback without auth unless explicitly overridden.
  const exposureWarning = checkExposure(config);
  const platform = await openPlatform(config, options.platform);
  let app: TypedApp;
  let background: BackgroundWork;
  try {
    const userNotices = await prepareUsers(config, platform.users);
    // The Default experiment's location follows --default-artifact-root (as in MLflow) while it holds nothing.
    const defaultExperiment = await platform.tracking.adoptDefaultExperimentLocation();
    app = await buildApp(platform);
    for (const notice of [...userNotices, ...platform.notices]) app.log[notice.level](notice.message);
    if (defaultExperiment.kept !== undefined) app.log.warn(defaultExperiment.kept);
    if (exposureWarning) app.log.warn(exposureWarning);
    await app.listen({ host: config.host, port: config.port });
    const log = app.log;
    background = platform.startBackground({
      onError: (err, loop) => log.warn({ err, loop }, 'background round failed'),
    });
  } catch (err) {
    await platform.close();
    throw err;
  }

  const bound = app.server.address();
  const port = bound !== null && typeof bound === 'object' ? bound.port : config.port;
  const address = `http://${urlHost(config.host)}:${port}`;
  app.log.info(
    { address, database: platform.database.description, artifacts: config.artifactsDestination },
    'Bosun started',
  );

  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    app.log.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (options.handleSignals !== false) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      try {
        await background.stop();
        await app.close();
      } finally {
        await platform.close();
      }
    })();
    return closing;
  };
  if (options.handleSignals !== false) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { app, address, close };
}
