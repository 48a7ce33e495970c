import { dirname } from 'node:path';
import { sql } from 'kysely';
import { LocalArtifactStore, type ArtifactLocationPolicy } from '../artifacts/index.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/index.js';
import { GovernanceService } from '../registry/governance/index.js';
import { createRegistryService, findVersionsUsingArtifactPath } from '../registry/index.js';
import { createLineageService } from '../registry/lineage/index.js';
import {
  HttpWebhookTransport,
  WebhookDispatcher,
  WebhookService,
  WebhookTargetPolicy,
} from '../registry/webhooks/index.js';
import { AuditLog } from '../security/audit/index.js';
import { PermissionService } from '../security/permissions/index.js';
import { SecretStore } from '../security/secrets/index.js';
import type { ServerConfig } from '../shared/config.js';
import { createTrackingService } from '../tracking/index.js';
import { buildApp } from './app.js';
import { checkExposure, prepareUsers } from './auth/index.js';
import { createEventServices, type EventServices } from './event-services.js';
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
}

/** Where experiments may put artifacts: the server's settings, and never the SQLite database's folder. */
function artifactLocationPolicy(config: ServerConfig, handle: DatabaseHandle): ArtifactLocationPolicy {
  const file = handle.engine === 'sqlite' ? handle.description.replace(/^sqlite:/, '') : ':memory:';
  return {
    serveArtifacts: config.serveArtifacts,
    defaultArtifactRoot: config.defaultArtifactRoot,
    artifactsDestination: config.artifactsDestination,
    protectedFolders: file === ':memory:' ? [] : [dirname(file)],
  };
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The composition root of `bosun server`: database, migrations, services, artifact store, HTTP app.
 * Example: `const server = await startServer(loadServerConfig({ port: 0 })); ...; await server.close();`
 */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  // Secure by default: refuses (throws) to listen beyond loopback without auth unless explicitly overridden.
  const exposureWarning = checkExposure(config);
  const handle = openDatabase(config.backendStoreUri, { sqliteSynchronous: config.sqliteSynchronous });
  let app: TypedApp;
  let dispatcher: WebhookDispatcher | undefined;
  let eventServices: EventServices | undefined;
  try {
    await migrateToLatest(handle);
    const { users, notices: userNotices } = await prepareUsers(config, handle);
    const tracking = createTrackingService({
      handle,
      defaultArtifactRoot: config.defaultArtifactRoot,
      artifactLocations: artifactLocationPolicy(config, handle),
    });
    eventServices = createEventServices({
      handle,
      onDeliveriesQueued: () => dispatcher?.wake(),
      onError: (err, consumer) => app.log.warn({ err, consumer }, 'event consumer round failed'),
    });
    const events = eventServices.registryEvents;
    const artifacts = new LocalArtifactStore(config.artifactsDestination);
    const governance = new GovernanceService({ handle, events, artifacts });
    const registry = createRegistryService({ handle, tracking, events, hooks: governance.hooks });
    const targetPolicy = new WebhookTargetPolicy({
      allowPrivateWebhookTargets: config.webhookAllowPrivate,
      allowedWebhookCidrs: config.webhookAllowedCidrs,
    });
    // A wrong master key refuses to start here (WrongMasterKeyError names both key ids, never a key).
    const secretStore = config.masterKey ? await SecretStore.open(handle, config.masterKey) : undefined;
    // Webhook signing secrets live in the secret store; secrets of pre-0009 subscriptions move there now.
    const webhooks = new WebhookService(handle.db, targetPolicy, secretStore ? { secrets: secretStore } : {});
    const webhookNotice = secretStore
      ? await webhooks
          .sealLegacySecrets()
          .then((n) => (n > 0 ? `moved ${n} webhook signing secret(s) into the secret store` : undefined))
      : await webhooks
          .countLegacySecrets()
          .then((n) =>
            n > 0
              ? `${n} webhook subscription(s) keep a plain-text signing secret in the database: set ` +
                'BOSUN_MASTER_KEY_FILE and restart to move them into the encrypted secret store'
              : undefined,
          );
    app = await buildApp({
      tracking,
      registry,
      registryEvents: { events, webhooks },
      governance: { governance, registry },
      lineage: createLineageService({ db: handle.db, tracking, registry }),
      artifacts,
      versionsUsingArtifactPath: (path, change) => findVersionsUsingArtifactPath(handle.db, path, change),
      config,
      users,
      permissions: new PermissionService({ handle, defaultPermission: config.defaultPermission }),
      audit: { db: handle.db, auditLog: new AuditLog() },
      secrets: { store: secretStore },
      checkDatabase: async () => {
        await sql`select 1`.execute(handle.db);
      },
    });
    for (const notice of userNotices) app.log[notice.level](notice.message);
    if (exposureWarning) app.log.warn(exposureWarning);
    if (webhookNotice && secretStore) app.log.info(webhookNotice);
    else if (webhookNotice) app.log.warn(webhookNotice);
    await app.listen({ host: config.host, port: config.port });
    const log = app.log;
    dispatcher = new WebhookDispatcher({
      db: handle.db,
      transport: new HttpWebhookTransport(targetPolicy),
      ...(secretStore ? { secrets: secretStore } : {}),
      onError: (err: unknown) => log.warn({ err }, 'webhook delivery round failed'),
    });
    dispatcher.start();
    eventServices.consumers.start();
  } catch (err) {
    await handle.close();
    throw err;
  }

  const bound = app.server.address();
  const port = bound !== null && typeof bound === 'object' ? bound.port : config.port;
  const address = `http://${urlHost(config.host)}:${port}`;
  app.log.info(
    { address, database: handle.description, artifacts: config.artifactsDestination },
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
        await dispatcher?.stop();
        await app.close();
        await eventServices?.consumers.stop();
      } finally {
        await handle.close();
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
