import { Command, Option } from 'commander';
import { startServer, type RunningServer } from '../server/index.js';
import { BosunError, loadServerConfig, type ServerConfig, type ServerFlags } from '../shared/index.js';

interface ServerOptions {
  host?: string;
  port?: string;
  backendStoreUri?: string;
  artifactsDestination?: string;
  defaultArtifactRoot?: string;
  serveArtifacts?: boolean;
  sqliteSynchronous?: string;
  logLevel?: string;
  masterKeyFile?: string;
  auth?: boolean;
  insecureAllowUnauthenticated?: boolean;
  defaultPermission?: string;
  resourceClasses?: string;
  pipelineExecutor?: string;
  workerCode?: string;
  codeBundleMaxMb?: string;
  kubeNamespace?: string;
  kubeImage?: string;
  kubeTrackingUri?: string;
  kubeVolume?: string[];
  kubeSpotToleration?: string;
  kubePendingTimeout?: string;
}

function toFlags(options: ServerOptions): ServerFlags {
  const flags: ServerFlags = {};
  if (options.host !== undefined) flags.host = options.host;
  if (options.port !== undefined) flags.port = options.port;
  if (options.backendStoreUri !== undefined) flags.backendStoreUri = options.backendStoreUri;
  if (options.artifactsDestination !== undefined) flags.artifactsDestination = options.artifactsDestination;
  if (options.defaultArtifactRoot !== undefined) flags.defaultArtifactRoot = options.defaultArtifactRoot;
  if (options.serveArtifacts !== undefined) flags.serveArtifacts = options.serveArtifacts;
  // Checked (and upper-cased) by loadServerConfig.
  if (options.sqliteSynchronous !== undefined) {
    flags.sqliteSynchronous = options.sqliteSynchronous as ServerFlags['sqliteSynchronous'];
  }
  if (options.logLevel !== undefined) flags.logLevel = options.logLevel as ServerFlags['logLevel'];
  if (options.masterKeyFile !== undefined) flags.masterKeyFile = options.masterKeyFile;
  if (options.auth !== undefined) flags.authEnabled = options.auth;
  if (options.insecureAllowUnauthenticated) flags.allowUnauthenticatedRemote = true;
  if (options.defaultPermission !== undefined) flags.defaultPermission = options.defaultPermission;
  if (options.resourceClasses !== undefined) flags.resourceClassesFile = options.resourceClasses;
  // Checked by loadServerConfig (workers needs PostgreSQL).
  if (options.pipelineExecutor !== undefined)
    flags.pipelineExecutor = options.pipelineExecutor as ServerFlags['pipelineExecutor'];
  // Checked by loadServerConfig (only with --pipeline-executor workers).
  if (options.workerCode !== undefined) flags.workerCode = options.workerCode;
  if (options.codeBundleMaxMb !== undefined) flags.codeBundleMaxMb = options.codeBundleMaxMb;
  // The --kube-* flags: checked by loadServerConfig (only with --pipeline-executor kubernetes).
  if (options.kubeNamespace !== undefined) flags.kubeNamespace = options.kubeNamespace;
  if (options.kubeImage !== undefined) flags.kubeImage = options.kubeImage;
  if (options.kubeTrackingUri !== undefined) flags.kubeTrackingUri = options.kubeTrackingUri;
  if (options.kubeVolume !== undefined) flags.kubeVolumes = options.kubeVolume;
  if (options.kubeSpotToleration !== undefined) flags.kubeSpotToleration = options.kubeSpotToleration;
  if (options.kubePendingTimeout !== undefined) flags.kubePendingTimeout = options.kubePendingTimeout;
  return flags;
}

/** What the command needs from outside; tests replace it. */
export interface ServerCommandDeps {
  start: (config: ServerConfig) => Promise<Pick<RunningServer, 'address'>>;
  /** Environment to read settings from; `undefined` means the process environment. */
  env?: NodeJS.ProcessEnv;
  print: (line: string) => void;
}

const defaultDeps: ServerCommandDeps = {
  start: (config) => startServer(config),
  print: (line) => process.stdout.write(`${line}\n`),
};

/**
 * `bosun server`: the tracking server, with MLflow's flag names so that `mlflow server` command lines carry
 * over. Flags win over BOSUN_* environment variables, which win over defaults.
 * Example: `bosun server --host 0.0.0.0 -p 5000 --backend-store-uri sqlite:///bosun.db`
 */
export function serverCommand(deps: ServerCommandDeps = defaultDeps): Command {
  return new Command('server')
    .description('Run the tracking server (MLflow-compatible REST API)')
    .option('--host <host>', 'address to listen on (BOSUN_HOST, default 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (BOSUN_PORT, default 5000)')
    .option(
      '--backend-store-uri <uri>',
      'sqlite:///path.db or postgresql://user:pass@host/db (BOSUN_BACKEND_STORE_URI)',
    )
    .option('--artifacts-destination <path>', 'folder where proxied artifacts are stored')
    .option('--default-artifact-root <uri>', 'artifact root of new experiments (default mlflow-artifacts:/)')
    .option('--serve-artifacts', 'proxy artifact uploads and downloads (default)')
    .option('--no-serve-artifacts', 'do not serve artifacts; clients write to the artifact root themselves')
    .addOption(
      new Option(
        '--sqlite-synchronous <mode>',
        'SQLite durability: FULL or NORMAL (default NORMAL)',
      ).argParser((v) => v.toUpperCase()),
    )
    .option('--auth', 'require credentials (HTTP Basic or a bearer token) on every API route (BOSUN_AUTH)')
    .option('--no-auth', 'do not require credentials (only allowed on loopback addresses)')
    .option(
      '--insecure-allow-unauthenticated',
      'listen beyond loopback WITHOUT authentication (dangerous; logged loudly)',
    )
    .option(
      '--default-permission <permission>',
      'permission of signed-in users on resources without a grant: READ (default), EDIT, MANAGE or NO_PERMISSIONS (BOSUN_DEFAULT_PERMISSION)',
    )
    .option(
      '--master-key-file <file>',
      'master key of the secret store (BOSUN_MASTER_KEY_FILE); none: secrets off',
    )
    .option(
      '--resource-classes <file>',
      'resource classes of pipeline steps: price per hour, spot or on-demand, placement (BOSUN_RESOURCE_CLASSES_FILE)',
    )
    .option(
      '--pipeline-executor <executor>',
      'where pipeline steps run: local (child processes of the server, default), workers (bosun worker processes; PostgreSQL only) or kubernetes (a Job per step attempt; KUBECONFIG or in-cluster) (BOSUN_PIPELINE_EXECUTOR)',
    )
    .option(
      '--worker-code <mode>',
      'workers executor: bundle (default: the server packs the code folder of each pipeline run once, workers unpack it) or shared (the code is at the same path on every worker) (BOSUN_WORKER_CODE)',
    )
    .option(
      '--code-bundle-max-mb <mb>',
      'workers executor: largest code folder shipped as a bundle, in MB (BOSUN_CODE_BUNDLE_MAX_MB; default 100)',
    )
    .option(
      '--kube-namespace <namespace>',
      "kubernetes executor: namespace of the step Jobs (BOSUN_KUBE_NAMESPACE; default the kubeconfig context's, else default)",
    )
    .option('--kube-image <image>', 'kubernetes executor: image of steps that name none (BOSUN_KUBE_IMAGE)')
    .option(
      '--kube-tracking-uri <url>',
      "kubernetes executor: MLFLOW_TRACKING_URI as pods reach this server (BOSUN_KUBE_TRACKING_URI; default the server's address)",
    )
    .option(
      '--kube-volume <claim:path>',
      'kubernetes executor: a PersistentVolumeClaim mounted in step pods at the same path as on the server (its work and code folders); repeatable (BOSUN_KUBE_VOLUMES, comma-separated)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--kube-spot-toleration <key[=value]:effect>',
      'kubernetes executor: toleration of spot steps whose resource class names no placement (BOSUN_KUBE_SPOT_TOLERATION; default bosun.dev/spot:NoSchedule)',
    )
    .option(
      '--kube-pending-timeout <duration>',
      'kubernetes executor: how long a step pod may stay unscheduled (the attempt then ends as preempted) or in ContainerCreating with its volumes not mounted (the attempt then fails), e.g. 10m (BOSUN_KUBE_PENDING_TIMEOUT; default 10m)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .action(async (options: ServerOptions, command: Command) => {
      let server: Pick<RunningServer, 'address'>;
      try {
        const flags = toFlags(options);
        server = await deps.start(deps.env ? loadServerConfig(flags, deps.env) : loadServerConfig(flags));
      } catch (err) {
        if (err instanceof BosunError) command.error(`bosun server: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      deps.print(`Bosun listening on ${server.address}`);
    });
}
