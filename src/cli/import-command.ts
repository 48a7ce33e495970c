import { Command } from 'commander';
import { InvalidParameterError, loadClientConfig } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import type { ImportContext } from './import-context.js';
import { retryPolicyOf, WireClient } from './import-http.js';
import { preflight, runImport } from './import-migrator.js';
import { ImportProgress } from './import-progress.js';
import { ImportReport } from './import-report.js';
import { ArtifactRootReader } from './import-db-artifacts.js';
import { MlflowDbSource } from './import-db-source.js';
import { openMlflowDatabase } from './import-db.js';
import { MlflowSource, type ImportSource } from './import-source.js';
import { ImportState } from './import-state.js';
import { BosunTarget } from './import-target.js';

interface ImportFlags {
  from?: string;
  fromDb?: string;
  artifactRoot?: string;
  trackingUri?: string;
  state?: string;
  parallel: string;
  skipArtifacts?: boolean;
  quiet?: boolean;
  json?: boolean;
}

function parseParallel(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 32) {
    throw new InvalidParameterError(`Invalid --parallel '${text}': expected an integer from 1 to 32`);
  }
  return n;
}

function sameServer(a: string, b: string): boolean {
  const norm = (u: string) => new URL(u).href.replace(/\/+$/, '');
  return norm(a) === norm(b);
}

/**
 * `bosun import --from http://MLFLOW_HOST` (or `--from-db sqlite:///mlflow.db --artifact-root /srv/mlartifacts`):
 * copies an MLflow server's experiments, runs (with every metric point), logged models, artifacts and registry
 * into the Bosun server named as the other commands name it, keeping run and logged-model ids and experiment
 * names. Reads the source only (through its REST API, or its database and artifact root directly); resumable
 * with `--state`. See docs/import.md.
 */
export function importCommand(io: CliIo): Command {
  return new Command('import')
    .description('copy an MLflow server (experiments, runs, logged models, artifacts, registry) into Bosun')
    .option('--from <url>', 'the MLflow server to copy from (read-only), e.g. http://mlflow.internal:5000')
    .option(
      '--from-db <uri>',
      "or the MLflow server's database, read directly (read-only): sqlite:///path/mlflow.db or postgresql://...",
    )
    .option(
      '--artifact-root <location>',
      "with --from-db: the MLflow server's artifact folder or s3://bucket/prefix (its --artifacts-destination)",
    )
    .option(
      '--tracking-uri <uri>',
      'the Bosun server to copy into (default: $BOSUN_TRACKING_URI, $MLFLOW_TRACKING_URI or http://127.0.0.1:5000)',
    )
    .option('--state <file>', 'remember what is done in this file, so a restarted import skips it')
    .option('--parallel <n>', 'runs copied at the same time', '4')
    .option('--skip-artifacts', 'copy no artifact files (runs, logged models and the registry only)')
    .option('--quiet', 'no progress on stderr')
    .option('--json', 'print the final report as JSON')
    .action(async (flags: ImportFlags) => {
      const env = io.env ?? process.env;
      const targetConfig = loadClientConfig({ trackingUri: flags.trackingUri }, env);
      const parallel = parseParallel(flags.parallel);
      const target = new BosunTarget(
        new WireClient(
          {
            baseUrl: targetConfig.trackingUri,
            token: targetConfig.token,
            username: targetConfig.username,
            password: targetConfig.password,
          },
          io.fetch,
          retryPolicyOf(env),
        ),
      );
      const source = openSource(flags, env, io, targetConfig.trackingUri);
      try {
        await runWith(flags, io, source, target, parallel);
      } finally {
        await source.close();
      }
    });
}

/** The source the flags name: an MLflow server (`--from`) or an MLflow database and artifact root (`--from-db`). */
function openSource(flags: ImportFlags, env: NodeJS.ProcessEnv, io: CliIo, targetUri: string): ImportSource {
  if ((flags.from === undefined) === (flags.fromDb === undefined)) {
    throw new InvalidParameterError(
      'Name the source with exactly one of --from http://MLFLOW_HOST or --from-db sqlite:///path/mlflow.db',
    );
  }
  if (flags.fromDb !== undefined) {
    if (flags.artifactRoot === undefined && flags.skipArtifacts !== true) {
      throw new InvalidParameterError(
        "--from-db needs --artifact-root (the MLflow server's artifact folder or s3://bucket/prefix), or --skip-artifacts",
      );
    }
    const artifacts =
      flags.skipArtifacts === true || flags.artifactRoot === undefined
        ? undefined
        : ArtifactRootReader.open(flags.artifactRoot, env);
    try {
      return new MlflowDbSource(openMlflowDatabase(flags.fromDb), artifacts);
    } catch (error) {
      artifacts?.close();
      throw error;
    }
  }
  if (flags.artifactRoot !== undefined) {
    throw new InvalidParameterError(
      '--artifact-root goes with --from-db (--from reads artifacts from the server)',
    );
  }
  const sourceConfig = loadClientConfig(
    { trackingUri: flags.from },
    {
      BOSUN_TRACKING_TOKEN: env.BOSUN_IMPORT_SOURCE_TOKEN,
      BOSUN_TRACKING_USERNAME: env.BOSUN_IMPORT_SOURCE_USERNAME,
      BOSUN_TRACKING_PASSWORD: env.BOSUN_IMPORT_SOURCE_PASSWORD,
    },
  );
  if (sameServer(sourceConfig.trackingUri, targetUri)) {
    throw new InvalidParameterError(
      `--from and the target are the same server (${targetUri}); set --tracking-uri to the Bosun server`,
    );
  }
  return new MlflowSource(
    new WireClient(
      {
        baseUrl: sourceConfig.trackingUri,
        token: sourceConfig.token,
        username: sourceConfig.username,
        password: sourceConfig.password,
      },
      io.fetch,
      retryPolicyOf(env),
    ),
  );
}

/** Checks both sides, imports, and prints the report (what was done so far when the import stops). */
async function runWith(
  flags: ImportFlags,
  io: CliIo,
  source: ImportSource,
  target: BosunTarget,
  parallel: number,
): Promise<void> {
  const state = flags.state
    ? ImportState.open(flags.state, source.location, target.http.baseUrl)
    : ImportState.inMemory();
  const report = new ImportReport();
  const progress = new ImportProgress(io.stderr, io.stderrIsTty === true, report, flags.quiet === true);
  const ctx: ImportContext = {
    source,
    target,
    state,
    report,
    progress,
    options: { parallel, artifacts: flags.skipArtifacts !== true },
  };
  try {
    await preflight(ctx);
    await runImport(ctx);
  } catch (error) {
    progress.stop();
    io.stderr(`Import stopped. What was done so far:\n${report.toText()}`);
    throw error;
  }
  progress.stop();
  io.stdout(flags.json ? `${JSON.stringify(report.toJson(), null, 2)}\n` : report.toText());
}
