import type { ArtifactRoots, ArtifactStore } from '../artifacts/index.js';
import type { DatabaseHandle } from '../db/index.js';
import type { EventOutbox } from '../events/index.js';
import type { PlatformEvents } from './platform-catalogue.js';
import type { OutboxRegistryEventSink } from '../registry/events/index.js';
import type { GovernanceService } from '../registry/governance/index.js';
import type { ArtifactChange, RegistryService, VersionUsingArtifactPath } from '../registry/index.js';
import type { LineageService } from '../registry/lineage/index.js';
import type {
  PipelineService,
  ScheduleService,
  StepTokenService,
  TriggerService,
} from '../pipelines/index.js';
import type { MonitoringService } from '../monitoring/index.js';
import type { WebhookService, WebhookTargetPolicy } from '../registry/webhooks/index.js';
import type { AuditLog } from '../security/audit/index.js';
import type { PermissionService } from '../security/permissions/index.js';
import type { SecretStore } from '../security/secrets/index.js';
import type { SessionService } from '../security/sessions/index.js';
import type { UserService } from '../security/users/index.js';
import type { ServerConfig } from '../shared/index.js';
import type { TrackingService } from '../tracking/index.js';

/**
 * The secret store, or why there is none: it needs a master key (`--master-key-file`). A discriminated state
 * rather than an optional field, so every reader says what happens without one.
 */
export type SecretsState = { enabled: true; store: SecretStore } | { enabled: false; reason: string };

/** A line to log once a logger exists (never a secret). */
export interface PlatformNotice {
  level: 'info' | 'warn';
  message: string;
}

/**
 * Every service of one Bosun process, built once by `openPlatform` and passed to whoever needs them: the HTTP
 * app, the CLI commands, the pipeline worker. Nothing here is optional: a feature that can be switched off says
 * so in its own state (see `SecretsState`).
 */
export interface PlatformServices {
  config: ServerConfig;
  database: DatabaseHandle;
  artifacts: ArtifactStore;
  /** Opens the artifact root of a run, logged model or model version (the store, or a local folder). */
  artifactRoots: ArtifactRoots;
  tracking: TrackingService;
  registry: RegistryService;
  governance: GovernanceService;
  lineage: LineageService;
  /** Pipeline definitions and runs; the local executor runs steps as child processes of this process. */
  pipelines: PipelineService;
  /** Pipeline step tokens: issued to step processes when auth is on, checked by the server's auth hook. */
  stepTokens: StepTokenService;
  /** Cron schedules and backfills of pipelines (run by the server's loop, once across replicas). */
  schedules: ScheduleService;
  /** Pipeline triggers: registry events, monitoring alerts and webhook calls that start runs (once across replicas). */
  triggers: TriggerService;
  /** Reference datasets, logged predictions, monitors, their results and alerts. */
  monitoring: MonitoringService;
  /** The platform event outbox, and the registry's typed view of it (the event log API). */
  events: { outbox: EventOutbox<PlatformEvents>; registry: OutboxRegistryEventSink };
  webhooks: WebhookService;
  webhookTargets: WebhookTargetPolicy;
  users: UserService;
  /** Browser sign-in sessions (the `bosun_session` cookie), kept in the database. */
  sessions: SessionService;
  permissions: PermissionService;
  auditLog: AuditLog;
  secrets: SecretsState;
  /** Registered model versions whose files lie under an artifact path (artifact routes refuse to change them). */
  versionsUsingArtifactPath(path: string, change: ArtifactChange): Promise<VersionUsingArtifactPath[]>;
  /**
   * The same for an absolute local path, for routes that write to local folders themselves (a run kept in a
   * folder): versions recorded there as `file://...`, or in the store's folder as `mlflow-artifacts:/...`.
   */
  versionsUsingLocalPath(path: string, change: ArtifactChange): Promise<VersionUsingArtifactPath[]>;
  /** Readiness: resolves when the database answers. */
  checkDatabase(): Promise<void>;
}

/** Loops that run beside the services in a long-lived process (event consumers, webhook delivery). */
export interface BackgroundWork {
  /** Stops the loops and waits for their current rounds. Idempotent. */
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  /** Told about rounds that failed; the loops keep going. */
  onError(err: unknown, loop: string): void;
}

/** The services plus what the process does with them over its life. */
export interface Platform extends PlatformServices {
  /** What opening found worth telling the operator (first admin, legacy webhook secrets...). */
  notices: readonly PlatformNotice[];
  /** Starts the event consumers and the webhook dispatcher (a server does; a one-shot CLI command does not). */
  startBackground(options: BackgroundOptions): BackgroundWork;
  /** Stops background work and closes the database. Idempotent. */
  close(): Promise<void>;
}
