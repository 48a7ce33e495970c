import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  auditedStepSecrets,
  formatLabels,
  parseWorkerLabels,
  PipelineWorker,
  stepBaseEnvironment,
} from '../pipelines/index.js';
import { openPlatform } from '../platform/index.js';
import {
  BosunError,
  InvalidParameterError,
  loadClientConfig,
  loadServerConfig,
  type ServerFlags,
} from '../shared/index.js';
import type { CliIo } from './cli-context.js';

interface WorkerOptions {
  backendStoreUri?: string;
  artifactsDestination?: string;
  defaultArtifactRoot?: string;
  masterKeyFile?: string;
  trackingUri?: string;
  name?: string;
  labels?: string;
  concurrency: string;
  python?: string;
  workDir?: string;
  gracePeriod: string;
  heartbeatMs: string;
  workerTimeoutMs: string;
  pollMs: string;
}

function positiveInt(text: string, flag: string, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InvalidParameterError(`Invalid ${flag} '${text}': expected an integer from 1 to ${max}`);
  return n;
}

/** What `bosun worker` needs from outside; tests replace the signal wiring. */
export interface WorkerCommandDeps {
  /** Calls `stop` on SIGTERM and SIGINT; returns the unsubscribe function. */
  onStopSignal(stop: () => void): () => void;
}

const defaultDeps: WorkerCommandDeps = {
  onStopSignal(stop) {
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    };
  },
};

/**
 * `bosun worker`: takes pipeline steps from the server's PostgreSQL database and runs them on this machine
 * (the server runs with `--pipeline-executor workers`). Step processes log to the server (`--tracking-uri`) and
 * read and write artifacts in the same store. SIGTERM or Ctrl-C: stops taking steps, lets running ones finish
 * for `--grace-period` seconds, then hands them back (retried elsewhere as preempted).
 *
 * Example: `bosun worker --backend-store-uri postgresql://bosun@db/bosun --artifacts-destination s3://bucket/a
 *   --tracking-uri http://bosun:5000 --labels gpu=1,memory=64Gi --concurrency 2 --name gpu-1`
 */
export function workerCommand(io: CliIo, deps: WorkerCommandDeps = defaultDeps): Command {
  return new Command('worker')
    .description(
      "Run pipeline steps taken from the server's PostgreSQL database (server: --pipeline-executor workers)",
    )
    .option(
      '--backend-store-uri <uri>',
      "the server's database: postgresql://user:pass@host/db (BOSUN_BACKEND_STORE_URI)",
    )
    .option(
      '--artifacts-destination <path>',
      "the server's artifact store (a folder both can reach, or s3://...)",
    )
    .option(
      '--default-artifact-root <uri>',
      "the server's default artifact root (default mlflow-artifacts:/)",
    )
    .option('--master-key-file <file>', 'master key of the secret store, for steps that declare secrets')
    .option(
      '--tracking-uri <uri>',
      'the server step processes log to (default: $BOSUN_TRACKING_URI, $MLFLOW_TRACKING_URI or http://127.0.0.1:5000)',
    )
    .option(
      '--name <name>',
      'name shown in `bosun pipeline workers` and tagged on step runs (default: host name)',
    )
    .option(
      '--labels <labels>',
      'what this machine offers: cpu=8,memory=32Gi,gpu=1,spot=true (default: its CPUs and memory, no GPU, on-demand)',
    )
    .option('--concurrency <n>', 'steps run at once', '1')
    .option('--python <path>', 'interpreter of script and function steps (default: the one the server names)')
    .option('--work-dir <dir>', 'where step work folders go (default: <tmp>/bosun-worker)')
    .option(
      '--grace-period <seconds>',
      'on SIGTERM, how long running steps may finish before they are handed back',
      '30',
    )
    .option('--heartbeat-ms <ms>', 'heartbeat interval', '5000')
    .option(
      '--worker-timeout-ms <ms>',
      'the server hands back the steps of a worker silent this long (match the server)',
      '30000',
    )
    .option('--poll-ms <ms>', 'pause between looks at the queue when idle', '500')
    .action(async (options: WorkerOptions, command: Command) => {
      let worker: PipelineWorker;
      let close: () => Promise<void>;
      try {
        const flags: ServerFlags = {};
        if (options.backendStoreUri !== undefined) flags.backendStoreUri = options.backendStoreUri;
        if (options.artifactsDestination !== undefined)
          flags.artifactsDestination = options.artifactsDestination;
        if (options.defaultArtifactRoot !== undefined)
          flags.defaultArtifactRoot = options.defaultArtifactRoot;
        if (options.masterKeyFile !== undefined) flags.masterKeyFile = options.masterKeyFile;
        const config = io.env ? loadServerConfig(flags, io.env) : loadServerConfig(flags);
        if (!/^postgres(ql)?:\/\//.test(config.backendStoreUri))
          throw new InvalidParameterError(
            "bosun worker needs the server's PostgreSQL database: --backend-store-uri postgresql://... " +
              '(workers take steps through it; a SQLite server runs its steps itself)',
          );
        const labels = parseWorkerLabels(options.labels);
        const concurrency = positiveInt(options.concurrency, '--concurrency', 1000);
        const graceMs = positiveInt(options.gracePeriod, '--grace-period', 7 * 24 * 3600) * 1000;
        const trackingUri = loadClientConfig({ trackingUri: options.trackingUri }, io.env).trackingUri;
        const name = options.name ?? hostname();
        const platform = await openPlatform(config);
        close = () => platform.close();
        const secrets = platform.secrets;
        worker = new PipelineWorker({
          handle: platform.database,
          connectionString: config.backendStoreUri,
          tracking: platform.tracking,
          artifactRoots: platform.artifactRoots,
          trackingUri,
          stepTokens: platform.stepTokens,
          ...(secrets.enabled
            ? {
                secrets: auditedStepSecrets(secrets.store, (record) =>
                  platform.auditLog.append(platform.database.db, record),
                ),
              }
            : {}),
          name,
          labels,
          concurrency,
          baseEnv: stepBaseEnvironment(io.env ?? process.env),
          ...(options.python !== undefined ? { python: options.python } : {}),
          ...(options.workDir !== undefined ? { workRoot: resolve(options.workDir) } : {}),
          heartbeatMs: positiveInt(options.heartbeatMs, '--heartbeat-ms', 3600_000),
          workerTimeoutMs: positiveInt(options.workerTimeoutMs, '--worker-timeout-ms', 24 * 3600_000),
          pollMs: positiveInt(options.pollMs, '--poll-ms', 3600_000),
          log: (line) => io.stderr(`${new Date().toISOString()} ${name}: ${line}\n`),
        });
        try {
          await worker.start();
        } catch (err) {
          await close();
          throw err;
        }
        io.stdout(
          `Worker ${name} (${worker.workerId}) taking steps: ${formatLabels(labels)}, concurrency ${concurrency}\n`,
        );
        await new Promise<void>((done) => {
          const off = deps.onStopSignal(() => {
            off();
            io.stderr(`${name}: stopping (grace period ${graceMs / 1000} s)\n`);
            void worker
              .drain(graceMs)
              .finally(() => close())
              .finally(() => done());
          });
        });
      } catch (err) {
        if (err instanceof BosunError) command.error(`bosun worker: ${err.message}`, { exitCode: 2 });
        throw err;
      }
    });
}
