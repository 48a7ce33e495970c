import type { Command } from 'commander';
import { scheduleToWire, type CatchUpPolicy } from '../pipelines/index.js';
import { InvalidParameterError, NotFoundError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { toJson } from './format.js';
import { pipelineHttpCall, type PipelineHttpCall } from './pipeline-api.js';
import { collect, parseParams } from './pipeline-run-command.js';
import { cliActor, withPlatform } from './server-database.js';
import { formatTable } from './tables.js';

type Json = Record<string, unknown>;

interface Options {
  trackingUri?: string;
  backendStoreUri?: string;
  json?: boolean;
}

/** What the schedule commands do, over a server's HTTP API or directly on its database; answers in wire form. */
interface ScheduleApi {
  definitionParams(pipeline: string): Promise<Json>;
  create(body: Json): Promise<Json>;
  list(pipeline?: string): Promise<Json[]>;
  remove(name: string): Promise<void>;
  backfill(name: string, from: string, to: string, maxConcurrent?: number): Promise<Json>;
}

function timeOf(text: string, option: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new InvalidParameterError(`Invalid ${option} '${text}': expected an ISO 8601 time or epoch ms`);
  return ms;
}

function httpScheduleApi(call: PipelineHttpCall): ScheduleApi {
  const seg = encodeURIComponent;
  const pipelineOf = async (name: string): Promise<string> => {
    const all = (await call('GET', '/schedules'))['schedules'] as Json[];
    const found = all.find((s) => s['name'] === name);
    if (found === undefined) throw new NotFoundError(`Schedule '${name}' does not exist`);
    return String(found['pipeline']);
  };
  return {
    async definitionParams(pipeline) {
      const answer = await call('GET', `/definitions/${seg(pipeline)}`);
      return (((answer['pipeline'] as Json)['document'] as Json)['params'] as Json | undefined) ?? {};
    },
    async create(body) {
      return (await call('POST', '/schedules', body))['schedule'] as Json;
    },
    async list(pipeline) {
      const q = pipeline !== undefined ? `?pipeline=${seg(pipeline)}` : '';
      return (await call('GET', `/schedules${q}`))['schedules'] as Json[];
    },
    async remove(name) {
      await call('DELETE', `/schedules/${seg(await pipelineOf(name))}/${seg(name)}`);
    },
    async backfill(name, from, to, maxConcurrent) {
      return call('POST', `/schedules/${seg(await pipelineOf(name))}/${seg(name)}/backfill`, {
        from: timeOf(from, '--from'),
        to: timeOf(to, '--to'),
        ...(maxConcurrent !== undefined ? { max_concurrent: maxConcurrent } : {}),
      });
    },
  };
}

async function withScheduleApi<T>(
  options: Options,
  io: CliIo,
  work: (api: ScheduleApi) => Promise<T>,
): Promise<T> {
  if (options.trackingUri !== undefined)
    return work(httpScheduleApi(pipelineHttpCall({ trackingUri: options.trackingUri }, io)));
  return withPlatform(options, io, (platform) => {
    const { schedules, pipelines } = platform;
    return work({
      async definitionParams(pipeline) {
        const d = await pipelines.store.getDefinition(pipeline);
        return ((d.spec as Json)['params'] as Json | undefined) ?? {};
      },
      async create(body) {
        await pipelines.store.getDefinition(
          String(body['pipeline']),
          body['version'] === undefined ? undefined : Number(body['version']),
        );
        const created = await schedules.create({
          name: String(body['name']),
          pipelineName: String(body['pipeline']),
          ...(body['version'] !== undefined ? { pipelineVersion: Number(body['version']) } : {}),
          cron: String(body['cron']),
          timezone: String(body['timezone']),
          params: body['params'] as Json,
          catchUp: body['catch_up'] as CatchUpPolicy,
          ...(body['catch_up_cap'] !== undefined ? { catchUpCap: Number(body['catch_up_cap']) } : {}),
          ...(body['max_concurrent'] !== undefined ? { maxConcurrent: Number(body['max_concurrent']) } : {}),
          createdBy: cliActor(),
        });
        return scheduleToWire(created);
      },
      async list(pipeline) {
        return (await schedules.list(pipeline)).map(scheduleToWire);
      },
      async remove(name) {
        await schedules.delete(name);
      },
      async backfill(name, from, to, maxConcurrent) {
        const result = await schedules.backfill({
          name,
          fromMs: timeOf(from, '--from'),
          toMs: timeOf(to, '--to'),
          ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
        });
        return { queued: result.queued, fire_times: result.fireTimes };
      },
    });
  });
}

function withOptions(command: Command): Command {
  return command
    .option('--tracking-uri <url>', "a Bosun server's URL (default: the server's database, directly)")
    .option('--backend-store-uri <uri>', "the server's database when no --tracking-uri is given")
    .option('--json', 'print the result as JSON');
}

function positive(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new InvalidParameterError(`Invalid ${option} '${text}': expected a positive integer`);
  return Number(text);
}

const when = (ms: unknown): string => (typeof ms === 'number' ? new Date(ms).toISOString() : '');

/**
 * `bosun pipeline schedule create|list|delete|backfill`: cron schedules of pipelines, run by the server's loop
 * (the CLI stores them; the server starts their runs).
 */
export function addPipelineScheduleCommands(pipeline: Command, io: CliIo): void {
  const schedule = pipeline
    .command('schedule')
    .description("cron schedules of pipelines (the server's loop starts their runs)");

  withOptions(
    schedule
      .command('create')
      .description(
        'schedule a pipeline: cron in a time zone, with a catch-up policy for times missed while down',
      )
      .argument('<name>', 'the schedule')
      .requiredOption('--pipeline <name>', 'the pipeline to run')
      .requiredOption('--cron <pattern>', "5 fields (or 6, seconds first), e.g. '0 2 * * *'")
      .option('--timezone <zone>', 'IANA time zone', 'UTC')
      .option('--version <n>', 'pin a pipeline version (default: the latest when each run starts)')
      .option(
        '-p, --param <name=value>',
        'a parameter; {{scheduled_time}} becomes the scheduled time',
        collect,
        [],
      )
      .option('--catch-up <policy>', 'skip | latest | all: what runs after a downtime', 'latest')
      .option('--catch-up-cap <n>', 'with --catch-up all: at most this many missed times run', '10')
      .option('--max-concurrent <n>', 'runs of this schedule at once', '1'),
  ).action(
    async (
      name: string,
      options: Options & {
        pipeline: string;
        cron: string;
        timezone: string;
        version?: string;
        param: string[];
        catchUp: string;
        catchUpCap: string;
        maxConcurrent: string;
      },
    ) => {
      await withScheduleApi(options, io, async (api) => {
        const params = parseParams(options.param, await api.definitionParams(options.pipeline));
        const created = await api.create({
          name,
          pipeline: options.pipeline,
          ...(options.version !== undefined ? { version: positive(options.version, '--version') } : {}),
          cron: options.cron,
          timezone: options.timezone,
          params,
          catch_up: options.catchUp,
          catch_up_cap: positive(options.catchUpCap, '--catch-up-cap'),
          max_concurrent: positive(options.maxConcurrent, '--max-concurrent'),
        });
        io.stdout(
          options.json
            ? toJson({ schedule: created })
            : `schedule '${name}' of '${options.pipeline}': next run at ${when(created['next_fire_at'])}\n`,
        );
      });
    },
  );

  withOptions(
    schedule
      .command('list')
      .description('the schedules, with their next time')
      .option('--pipeline <name>', 'only those of this pipeline'),
  ).action(async (options: Options & { pipeline?: string }) => {
    await withScheduleApi(options, io, async (api) => {
      const schedules = await api.list(options.pipeline);
      if (options.json) {
        io.stdout(toJson({ schedules }));
        return;
      }
      io.stdout(
        formatTable(
          [
            { header: 'name' },
            { header: 'pipeline' },
            { header: 'cron' },
            { header: 'timezone' },
            { header: 'catch-up' },
            { header: 'next' },
            { header: 'missed' },
          ],
          schedules.map((s) => [
            String(s['name']),
            String(s['pipeline']),
            String(s['cron']),
            String(s['timezone']),
            String(s['catch_up']),
            when(s['next_fire_at']),
            String(s['missed']),
          ]),
        ),
      );
    });
  });

  withOptions(
    schedule
      .command('delete')
      .description('delete a schedule and its times not started yet (started runs go on)')
      .argument('<name>', 'the schedule'),
  ).action(async (name: string, options: Options) => {
    await withScheduleApi(options, io, async (api) => {
      await api.remove(name);
      io.stdout(options.json ? toJson({}) : `schedule '${name}' deleted\n`);
    });
  });

  withOptions(
    schedule
      .command('backfill')
      .description(
        'queue a run for every scheduled time in [--from, --to] (the server starts them, oldest first)',
      )
      .argument('<name>', 'the schedule')
      .requiredOption('--from <time>', 'ISO 8601 (2026-06-01, 2026-06-01T06:00:00+02:00) or epoch ms')
      .requiredOption('--to <time>', 'ISO 8601 or epoch ms (inclusive)')
      .option('--max-concurrent <n>', 'backfilled runs at once', '1'),
  ).action(async (name: string, options: Options & { from: string; to: string; maxConcurrent: string }) => {
    await withScheduleApi(options, io, async (api) => {
      const answer = await api.backfill(
        name,
        options.from,
        options.to,
        positive(options.maxConcurrent, '--max-concurrent'),
      );
      if (options.json) {
        io.stdout(toJson(answer));
        return;
      }
      const times = (answer['fire_times'] as number[]).map(when);
      io.stdout(
        `${String(answer['queued'])} run(s) queued for '${name}'` +
          (times.length > 0 ? ` (${times[0] ?? ''} .. ${times.at(-1) ?? ''})` : '') +
          '\n',
      );
    });
  });
}
