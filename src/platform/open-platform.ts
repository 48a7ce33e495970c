import { dirname } from 'node:path';
import { sql } from 'kysely';
import {
  ArtifactRoots,
  isS3Uri,
  openArtifactStorage,
  type ArtifactLocationPolicy,
} from '../artifacts/index.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/index.js';
import { EventConsumerRunner, EventOutbox } from '../events/index.js';
import { platformEventTypes } from './platform-catalogue.js';
import { alertTriggerContext } from './alert-trigger-context.js';
import { OutboxRegistryEventSink } from '../registry/events/index.js';
import { GovernanceService } from '../registry/governance/index.js';
import {
  createRegistryService,
  findVersionsUsingArtifactPath,
  findVersionsUsingLocalPath,
} from '../registry/index.js';
import { createLineageService } from '../registry/lineage/index.js';
import {
  auditedStepSecrets,
  PipelineService,
  loadResourceClassesFile,
  registryModelApprovals,
  pipelineStarter,
  ScheduleService,
  triggerConsumer,
  TriggerService,
  StepTokenService,
  stepBaseEnvironment,
  WorkersBackend,
  CodeShipping,
  kubernetesBackendFromSettings,
} from '../pipelines/index.js';
import { MonitoringService, MonitorScheduler } from '../monitoring/index.js';
import {
  HttpWebhookTransport,
  WebhookDispatcher,
  WebhookService,
  WebhookTargetPolicy,
  webhookFanOut,
} from '../registry/webhooks/index.js';
import { AuditLog } from '../security/audit/index.js';
import { SqlPermissionService } from '../security/permissions/index.js';
import { SecretStore } from '../security/secrets/index.js';
import { SessionService } from '../security/sessions/index.js';
import { UserService, type ScryptParams } from '../security/users/index.js';
import { systemClock, type Clock, type ServerConfig } from '../shared/index.js';
import { createTrackingService, type TrackingService } from '../tracking/index.js';
import type { BackgroundWork, Platform, PlatformNotice, SecretsState } from './platform.js';

/** What a test or an embedding may replace; production passes nothing. */
export interface PlatformOverrides {
  /** A stand-in for the tracking service (tests use an in-memory fake of the same interface). */
  tracking?: TrackingService;
  clock?: Clock;
  /** Pause between event-consumer rounds when no local commit woke them (default 1 s). */
  eventPollIntervalMs?: number;
  /**
   * Apply pending migrations (default true). Read-only inspection commands (`bosun audit-log verify`) pass
   * false: they must not change the database they inspect.
   */
  migrate?: boolean;
  /**
   * Cost of the password hashes this platform writes (default N=2^15, r=8, p=1). Not a user setting: test servers
   * pass a smaller cost so suites that create many users spend their CPU on what they test. Every hash carries its
   * parameters, and a hash of another cost is rewritten at the user's next sign-in.
   */
  passwordHashing?: ScryptParams;
  /**
   * Where local pipeline steps get their work folders (default `<OS temp folder>/bosun-pipelines`). Tests pass a
   * folder of their own, which they remove.
   */
  pipelineWorkRoot?: string;
}

/** Where experiments may put their artifacts (see docs/server.md): never the database's own folder. */
function artifactLocationPolicy(config: ServerConfig, handle: DatabaseHandle): ArtifactLocationPolicy {
  const file = handle.engine === 'sqlite' ? handle.description.replace(/^sqlite:/, '') : ':memory:';
  return {
    serveArtifacts: config.serveArtifacts,
    defaultArtifactRoot: config.defaultArtifactRoot,
    // A bucket destination has no local folder that could name the same place as the store.
    ...(isS3Uri(config.artifactsDestination) ? {} : { artifactsDestination: config.artifactsDestination }),
    protectedFolders: file === ':memory:' ? [] : [dirname(file)],
    // Relative locations resolve against it, as MLflow's server does.
    workingDirectory: process.cwd(),
  };
}

const noMasterKey =
  'secrets are disabled: start the server with --master-key-file (BOSUN_MASTER_KEY_FILE) to enable them';

/**
 * The composition root: opens the database named by `config` (migrating it to the latest schema; a second
 * process on the same database waits and applies nothing twice), the artifact store, and builds every service
 * once. The server, every CLI command that works on the server's database and the pipeline worker start here.
 * A wrong master key refuses to open (WrongMasterKeyError names both key ids, never a key). On failure the
 * database is closed before the error propagates.
 *
 * Example:
 * ```ts
 * const platform = await openPlatform(loadServerConfig({}));
 * try { console.log(await platform.tracking.getExperiment('0')); } finally { await platform.close(); }
 * ```
 */
export async function openPlatform(
  config: ServerConfig,
  overrides: PlatformOverrides = {},
): Promise<Platform> {
  const database = openDatabase(config.backendStoreUri, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    return await buildPlatform(config, database, overrides);
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function buildPlatform(
  config: ServerConfig,
  database: DatabaseHandle,
  overrides: PlatformOverrides,
): Promise<Platform> {
  if (overrides.migrate !== false) await migrateToLatest(database);
  const clock = overrides.clock ? { clock: overrides.clock } : {};
  const notices: PlatformNotice[] = [];
  const tracking =
    overrides.tracking ??
    createTrackingService({
      handle: database,
      defaultArtifactRoot: config.defaultArtifactRoot,
      artifactLocations: artifactLocationPolicy(config, database),
    });
  const outbox = new EventOutbox({ handle: database, types: platformEventTypes, ...clock });
  const registryEvents = new OutboxRegistryEventSink(outbox);
  const storage = openArtifactStorage(config);
  const artifacts = storage.store;
  const locations = artifactLocationPolicy(config, database);
  const artifactRoots = new ArtifactRoots({
    store: artifacts,
    ...(storage.localFolder !== undefined ? { artifactsDestination: storage.localFolder } : {}),
    openS3: (uri) => storage.openS3Location(uri),
    defaultArtifactRoot: config.defaultArtifactRoot,
    protectedFolders: locations.protectedFolders ?? [],
  });
  const governance = new GovernanceService({
    handle: database,
    events: registryEvents,
    artifacts,
    openLocation: (location) => storage.openS3Location(location),
  });
  const registry = createRegistryService({
    handle: database,
    tracking,
    events: registryEvents,
    hooks: governance.hooks,
    ...(storage.localFolder !== undefined
      ? { artifactStore: { destination: storage.localFolder, served: config.serveArtifacts } }
      : {}),
  });
  const webhookTargets = new WebhookTargetPolicy({
    allowPrivateWebhookTargets: config.webhookAllowPrivate,
    allowedWebhookCidrs: config.webhookAllowedCidrs,
  });
  const secrets: SecretsState = config.masterKey
    ? { enabled: true, store: await SecretStore.open(database, config.masterKey) }
    : { enabled: false, reason: noMasterKey };
  const webhooks = new WebhookService(
    database.db,
    webhookTargets,
    secrets.enabled ? { secrets: secrets.store } : {},
  );
  // Webhook signing secrets live in the secret store; secrets of pre-0009 subscriptions move there now.
  if (secrets.enabled) {
    const moved = await webhooks.sealLegacySecrets();
    if (moved > 0)
      notices.push({
        level: 'info',
        message: `moved ${moved} webhook signing secret(s) into the secret store`,
      });
  } else {
    const legacy = await webhooks.countLegacySecrets();
    if (legacy > 0)
      notices.push({
        level: 'warn',
        message:
          `${legacy} webhook subscription(s) keep a plain-text signing secret in the database: set ` +
          'BOSUN_MASTER_KEY_FILE and restart to move them into the encrypted secret store',
      });
  }

  const monitoring = new MonitoringService({
    handle: database,
    registry,
    events: outbox,
    // References read from run artifacts; windows checked against the version's signature (its MLmodel).
    files: { artifacts, roots: artifactRoots, tracking },
    ...clock,
  });
  // Pipeline steps run as child processes of this one; they start once the server listens (see pipeline routes).
  const auditLog = new AuditLog();
  // With auth on, each step process gets a short-lived token scoped to its own run (MLFLOW_TRACKING_TOKEN).
  const stepTokens = new StepTokenService({
    handle: database,
    now: () => (overrides.clock ?? systemClock).nowMs(),
  });
  // `--pipeline-executor workers`: steps go to `bosun worker` processes through a queue in the same PostgreSQL.
  const workersBackend =
    config.pipelineExecutor === 'workers'
      ? new WorkersBackend({
          handle: database,
          connectionString: config.backendStoreUri,
          codeShipping:
            config.workerCode?.mode === 'shared'
              ? false
              : new CodeShipping(
                  config.workerCode !== undefined ? { maxBytes: config.workerCode.maxBytes } : {},
                ),
        })
      : undefined;
  // Resource classes: each step's price per hour and placement (a bad file refuses to start, naming the field).
  const resourceClasses =
    config.resourceClassesFile !== undefined
      ? await loadResourceClassesFile(config.resourceClassesFile)
      : undefined;
  // `--pipeline-executor kubernetes`: a Job per step attempt, on the cluster of KUBECONFIG or the in-cluster account.
  const kubernetesBackend =
    config.pipelineExecutor === 'kubernetes'
      ? kubernetesBackendFromSettings(config.kubernetes ?? { volumes: [] }, resourceClasses)
      : undefined;
  const pipelines = new PipelineService({
    handle: database,
    tracking,
    artifactRoots,
    defaultCodeDir: process.cwd(),
    baseEnv: stepBaseEnvironment(process.env),
    // Steps read their declared secrets through the store, each read appended to the audit log.
    ...(secrets.enabled
      ? { secrets: auditedStepSecrets(secrets.store, (record) => auditLog.append(database.db, record)) }
      : {}),
    ...(config.authEnabled ? { stepTokens } : {}),
    // Approval steps that name a model decide the registry's approval request too (policy and audit see it).
    modelApprovals: registryModelApprovals({ governance, registry, tracking }),
    ...(workersBackend !== undefined ? { backend: workersBackend } : {}),
    ...(kubernetesBackend !== undefined ? { backend: kubernetesBackend } : {}),
    ...(resourceClasses !== undefined ? { resourceClasses } : {}),
    ...(overrides.pipelineWorkRoot !== undefined ? { workRoot: overrides.pipelineWorkRoot } : {}),
  });
  // Cron schedules of pipelines: the server's loop (started once it listens, see pipeline routes) starts due runs.
  const schedules = new ScheduleService({
    handle: database,
    owner: pipelines.owner,
    now: () => (overrides.clock ?? systemClock).nowMs(),
    starter: pipelineStarter(pipelines, () => undefined),
  });
  // Pipeline triggers: the event consumer records firings; the server's loop (see trigger routes) starts them.
  const triggers = new TriggerService({
    handle: database,
    definitions: pipelines.store,
    owner: pipelines.owner,
    now: () => (overrides.clock ?? systemClock).nowMs(),
    starter: pipelineStarter(pipelines, () => undefined),
    // A monitoring alert's run gets the alerting window's drift report as its `trigger.drift_report` artifact.
    context: alertTriggerContext(monitoring),
  });
  let background: BackgroundWork | undefined;
  let closing: Promise<void> | undefined;
  return {
    config,
    database,
    artifacts,
    artifactRoots,
    tracking,
    registry,
    governance,
    lineage: createLineageService({ db: database.db, tracking, registry }),
    pipelines,
    stepTokens,
    schedules,
    triggers,
    monitoring,
    events: { outbox, registry: registryEvents },
    webhooks,
    webhookTargets,
    users: new UserService({
      handle: database,
      lockout: config.lockout,
      ...(overrides.passwordHashing ? { scrypt: overrides.passwordHashing } : {}),
    }),
    sessions: new SessionService({ handle: database, ...clock }),
    permissions: new SqlPermissionService({ handle: database, defaultPermission: config.defaultPermission }),
    auditLog,
    secrets,
    versionsUsingArtifactPath: (path, change) => findVersionsUsingArtifactPath(database.db, path, change),
    versionsUsingLocalPath: (path, change) =>
      findVersionsUsingLocalPath(database.db, path, change, storage.localFolder),
    checkDatabase: async () => {
      await sql`select 1`.execute(database.db);
    },
    notices,
    startBackground(options) {
      if (background) return background;
      const dispatcher = new WebhookDispatcher({
        db: database.db,
        transport: new HttpWebhookTransport(webhookTargets),
        ...(secrets.enabled ? { secrets: secrets.store } : {}),
        ...clock,
        onError: (err: unknown) => options.onError(err, 'webhook delivery'),
      });
      const consumers = new EventConsumerRunner({
        handle: database,
        consumers: [
          webhookFanOut(outbox, { ...clock, onQueued: () => dispatcher.wake() }),
          triggerConsumer(triggers, () => triggers.wake()),
        ],
        ...clock,
        ...(overrides.eventPollIntervalMs !== undefined
          ? { pollIntervalMs: overrides.eventPollIntervalMs }
          : {}),
        onError: (err, consumer) => options.onError(err, `event consumer ${consumer}`),
      });
      const unsubscribe = outbox.onCommitted(() => consumers.wake());
      // Monitors with a schedule_ms run when due (claimed, so one server of several runs each).
      const scheduler = new MonitorScheduler({
        monitoring,
        onError: (err, monitor) =>
          options.onError(err, monitor ? `monitor ${monitor.modelName}/${monitor.id}` : 'monitor scheduler'),
      });
      dispatcher.start();
      consumers.start();
      scheduler.start();
      let stopping: Promise<void> | undefined;
      const work: BackgroundWork = {
        stop: () =>
          (stopping ??= (async () => {
            unsubscribe();
            await scheduler.stop();
            await consumers.stop();
            await dispatcher.stop();
          })()),
      };
      background = work;
      return work;
    },
    close() {
      closing ??= (async () => {
        try {
          await schedules.stopLoop();
          await triggers.stopLoop();
          await pipelines.shutdown();
          await workersBackend?.close();
          await background?.stop();
        } finally {
          storage.close();
          await database.close();
        }
      })();
      return closing;
    },
  };
}
