import type { Command } from 'commander';
import { WorkerStore, workerToWire } from '../pipelines/index.js';
import type { CliIo } from './cli-context.js';
import { toJson } from './format.js';
import { pipelineHttpCall } from './pipeline-api.js';
import { withPlatform } from './server-database.js';
import { formatTable } from './tables.js';

type Json = Record<string, unknown>;

interface Options {
  trackingUri?: string;
  backendStoreUri?: string;
  json?: boolean;
}

function ago(ms: unknown, now: number): string {
  if (typeof ms !== 'number') return '';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/**
 * `bosun pipeline workers`: the `bosun worker` processes of the server's database (name, host, labels,
 * concurrency, steps running, state, last heartbeat), through the server's API (`--tracking-uri`) or its
 * database directly.
 */
export function addPipelineWorkersCommand(pipeline: Command, io: CliIo): void {
  pipeline
    .command('workers')
    .description(
      'list the bosun worker processes taking pipeline steps (server: --pipeline-executor workers)',
    )
    .option('--tracking-uri <url>', "a Bosun server's URL (default: the server's database, directly)")
    .option('--backend-store-uri <uri>', "the server's database when no --tracking-uri is given")
    .option('--json', 'print the result as JSON')
    .action(async (options: Options) => {
      const answer: Json =
        options.trackingUri !== undefined
          ? await pipelineHttpCall({ trackingUri: options.trackingUri }, io)('GET', '/workers')
          : await withPlatform(options, io, async (platform) => {
              const now = Date.now();
              const workers = await new WorkerStore(platform.database).listWorkers(now - 3600_000);
              return {
                executor: platform.config.pipelineExecutor ?? 'local',
                workers: workers.map((w) => workerToWire(w, now)),
              };
            });
      if (options.json) {
        io.stdout(toJson(answer));
        return;
      }
      const workers = (answer['workers'] as Json[] | undefined) ?? [];
      if (workers.length === 0) {
        io.stdout('no workers (start one with `bosun worker --backend-store-uri postgresql://...`)\n');
        return;
      }
      const now = Date.now();
      io.stdout(
        formatTable(
          [
            { header: 'name' },
            { header: 'host' },
            { header: 'labels' },
            { header: 'concurrency', align: 'right' },
            { header: 'running', align: 'right' },
            { header: 'state' },
            { header: 'last heartbeat' },
          ],
          workers.map((w) => [
            String(w['name']),
            String(w['host']),
            String(w['labels_text']),
            String(w['concurrency']),
            String(w['running']),
            w['alive'] === true || w['state'] === 'stopped' ? String(w['state']) : 'lost',
            ago(w['last_heartbeat'], now),
          ]),
        ),
      );
    });
}
