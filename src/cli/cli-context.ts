import type { Command } from 'commander';
import { BosunClient, type FetchFn } from '../client/index.js';
import { InvalidParameterError, loadClientConfig } from '../shared/index.js';
import type { ViewType } from '../search/index.js';

/** What a command may touch outside itself; passed in so tests can run the CLI in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment to read the tracking URI and credentials from; `process.env` when absent. */
  env?: NodeJS.ProcessEnv;
  fetch?: FetchFn;
  /** Whether stderr is a terminal (progress is then redrawn in place); false when absent. */
  stderrIsTty?: boolean;
}

/** Options every client command accepts. */
export interface ClientCommandOptions {
  trackingUri?: string;
  json?: boolean;
}

/** Adds `--tracking-uri` and `--json` to a command that talks to a server. */
export function withClientOptions(command: Command): Command {
  return command
    .option(
      '--tracking-uri <uri>',
      'tracking server URL (default: $BOSUN_TRACKING_URI, $MLFLOW_TRACKING_URI or http://127.0.0.1:5000)',
    )
    .option('--json', 'print machine-readable JSON instead of a table');
}

export function clientFor(options: ClientCommandOptions, io: CliIo): BosunClient {
  const config = loadClientConfig({ trackingUri: options.trackingUri }, io.env);
  return new BosunClient({
    baseUrl: config.trackingUri,
    token: config.token,
    username: config.username,
    password: config.password,
    fetch: io.fetch,
  });
}

const views: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

/** `--view active|deleted|all` as a search view type. */
export function parseView(text: string | undefined): ViewType | undefined {
  if (text === undefined) return undefined;
  const view = views[text.toLowerCase()];
  if (view === undefined) {
    throw new InvalidParameterError(`Invalid --view '${text}': expected active, deleted or all`);
  }
  return view;
}

/** `--max-results N`: an integer from 1 to 50000, MLflow's server limit. */
export function parseMaxResults(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 50_000) {
    throw new InvalidParameterError(`Invalid --max-results '${text}': expected an integer from 1 to 50000`);
  }
  return n;
}

/** A comma-separated list such as `acc,loss`; empty entries dropped. */
export function parseKeyList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
}
