import type { Command } from 'commander';
import { firingToWire, triggerToWire } from '../pipelines/index.js';
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

/** What the trigger commands do, over a server's HTTP API or directly on its database; answers in wire form. */
interface TriggerApi {
  definitionParams(pipeline: string): Promise<Json>;
  /** `{ trigger, token? }`. */
  create(body: Json): Promise<Json>;
  list(pipeline?: string): Promise<Json[]>;
  setEnabled(name: string, enabled: boolean): Promise<Json>;
  remove(name: string): Promise<void>;
  firings(name: string, max: number): Promise<Json[]>;
}

function httpTriggerApi(call: PipelineHttpCall): TriggerApi {
  const seg = encodeURIComponent;
  const path = async (name: string): Promise<string> => {
    const all = (await call('GET', '/triggers'))['triggers'] as Json[];
    const found = all.find((t) => t['name'] === name);
    if (found === undefined) throw new NotFoundError(`Trigger '${name}' does not exist`);
    return `/triggers/${seg(String(found['pipeline']))}/${seg(name)}`;
  };
  return {
    async definitionParams(pipeline) {
      const answer = await call('GET', `/definitions/${seg(pipeline)}`);
      return (((answer['pipeline'] as Json)['document'] as Json)['params'] as Json | undefined) ?? {};
    },
    create: (body) => call('POST', '/triggers', body),
    async list(pipeline) {
      const q = pipeline !== undefined ? `?pipeline=${seg(pipeline)}` : '';
      return (await call('GET', `/triggers${q}`))['triggers'] as Json[];
    },
    async setEnabled(name, enabled) {
      return (await call('PATCH', await path(name), { enabled }))['trigger'] as Json;
    },
    async remove(name) {
      await call('DELETE', await path(name));
    },
    async firings(name, max) {
      return (await call('GET', `${await path(name)}/firings?max_results=${max}`))['firings'] as Json[];
    },
  };
}

async function withTriggerApi<T>(
  options: Options,
  io: CliIo,
  work: (api: TriggerApi) => Promise<T>,
): Promise<T> {
  if (options.trackingUri !== undefined)
    return work(httpTriggerApi(pipelineHttpCall({ trackingUri: options.trackingUri }, io)));
  return withPlatform(options, io, (platform) => {
    const { triggers, pipelines } = platform;
    return work({
      async definitionParams(pipeline) {
        const d = await pipelines.store.getDefinition(pipeline);
        return ((d.spec as Json)['params'] as Json | undefined) ?? {};
      },
      async create(body) {
        const created = await triggers.create({
          name: String(body['name']),
          kind: String(body['kind']),
          pipelineName: String(body['pipeline']),
          ...(body['version'] !== undefined ? { pipelineVersion: Number(body['version']) } : {}),
          filter: body['filter'],
          params: body['params'],
          createdBy: cliActor(),
        });
        return {
          trigger: triggerToWire(created.trigger),
          ...(created.token !== undefined ? { token: created.token } : {}),
        };
      },
      async list(pipeline) {
        return (await triggers.list(pipeline)).map(triggerToWire);
      },
      async setEnabled(name, enabled) {
        return triggerToWire(await triggers.setEnabled(name, enabled));
      },
      async remove(name) {
        await triggers.delete(name);
      },
      async firings(name, max) {
        return (await triggers.firings(name, max)).map(firingToWire);
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

/** `-p name=value`: a value holding `{{event.<field>}}` stays text (filled per event); others take the declared type. */
export function triggerParams(pairs: readonly string[], declared: Json): Json {
  const templated = pairs.filter((p) => p.includes('{{'));
  const params = parseParams(
    pairs.filter((p) => !p.includes('{{')),
    declared,
  );
  for (const pair of templated) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidParameterError(`Invalid -p '${pair}': expected name=value`);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return params;
}

/** `--tag key=value` pairs as an object. */
function tagsOf(pairs: readonly string[]): Json {
  const tags: Json = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidParameterError(`Invalid --model-tag '${pair}': expected key=value`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

const when = (ms: unknown): string => (typeof ms === 'number' ? new Date(ms).toISOString() : '');

interface CreateOptions extends Options {
  pipeline: string;
  kind: string;
  version?: string;
  param: string[];
  eventType: string[];
  model?: string;
  modelTag: string[];
  alias?: string;
  monitor?: string;
  condition: string[];
  state: string[];
}

/** The filter the create options describe, for the trigger's kind (the server checks it). */
function filterOf(o: CreateOptions): Json {
  const some = <T>(list: T[]): T[] | undefined => (list.length > 0 ? list : undefined);
  const entries: [string, unknown][] =
    o.kind === 'registry_event'
      ? [
          ['event_types', some(o.eventType)],
          ['model_name', o.model],
          ['model_tags', o.modelTag.length > 0 ? tagsOf(o.modelTag) : undefined],
          ['alias', o.alias],
        ]
      : o.kind === 'monitoring_alert'
        ? [
            ['model_name', o.model],
            ['monitor_name', o.monitor],
            ['conditions', some(o.condition)],
            ['states', some(o.state)],
          ]
        : [];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

/**
 * `bosun pipeline trigger create|list|enable|disable|delete|firings`: what starts pipeline runs on registry
 * events, monitoring alerts and webhook calls (the CLI stores triggers; the server fires them).
 */
export function addPipelineTriggerCommands(pipeline: Command, io: CliIo): void {
  const trigger = pipeline
    .command('trigger')
    .description('start pipeline runs on registry events, monitoring alerts or webhook calls (from CI)');

  withOptions(
    trigger
      .command('create')
      .description('create a trigger (a webhook trigger prints its token once: keep it as a CI secret)')
      .argument('<name>', 'the trigger')
      .requiredOption('--pipeline <name>', 'the pipeline to run')
      .requiredOption('--kind <kind>', 'registry_event | monitoring_alert | webhook')
      .option('--version <n>', 'pin a pipeline version (default: the latest when each run starts)')
      .option(
        '-p, --param <name=value>',
        'a parameter; {{event.<field>}} is filled from the event',
        collect,
        [],
      )
      .option(
        '--event-type <type>',
        'registry_event: an event type (repeatable), e.g. model_version.created',
        collect,
        [],
      )
      .option('--model <name>', 'only events of this registered model')
      .option(
        '--model-tag <key=value>',
        'registry_event: only models with this tag (repeatable)',
        collect,
        [],
      )
      .option('--alias <alias>', 'registry_event: only this alias (alias.set, alias.removed)')
      .option('--monitor <name>', 'monitoring_alert: only alerts of this monitor')
      .option(
        '--condition <c>',
        'monitoring_alert: data_drift | performance | schema (repeatable; default all)',
        collect,
        [],
      )
      .option('--state <s>', 'monitoring_alert: firing | resolved (repeatable; default firing)', collect, []),
  ).action(async (name: string, options: CreateOptions) => {
    await withTriggerApi(options, io, async (api) => {
      const params = triggerParams(options.param, await api.definitionParams(options.pipeline));
      const created = await api.create({
        name,
        kind: options.kind,
        pipeline: options.pipeline,
        ...(options.version !== undefined ? { version: options.version } : {}),
        filter: filterOf(options),
        params,
      });
      if (options.json) {
        io.stdout(toJson(created));
        return;
      }
      io.stdout(`trigger '${name}' (${options.kind}) runs '${options.pipeline}'\n`);
      if (typeof created['token'] === 'string') {
        io.stdout(
          `token (shown once): ${created['token']}\n` +
            `fire it: POST /api/bosun/v1/pipelines/triggers/${options.pipeline}/${name}/fire ` +
            'with Authorization: Bearer <token>\n',
        );
      }
    });
  });

  withOptions(
    trigger
      .command('list')
      .description('the triggers')
      .option('--pipeline <name>', 'only those of this pipeline'),
  ).action(async (options: Options & { pipeline?: string }) => {
    await withTriggerApi(options, io, async (api) => {
      const triggers = await api.list(options.pipeline);
      if (options.json) {
        io.stdout(toJson({ triggers }));
        return;
      }
      io.stdout(
        formatTable(
          [
            { header: 'name' },
            { header: 'kind' },
            { header: 'pipeline' },
            { header: 'enabled' },
            { header: 'filter' },
          ],
          triggers.map((t) => [
            String(t['name']),
            String(t['kind']),
            String(t['pipeline']),
            t['enabled'] === true ? 'yes' : 'no',
            JSON.stringify(t['filter']),
          ]),
        ),
      );
    });
  });

  for (const [command, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    withOptions(
      trigger
        .command(command)
        .description(enabled ? 'enable a trigger' : 'disable a trigger (it fires nothing until enabled)')
        .argument('<name>', 'the trigger'),
    ).action(async (name: string, options: Options) => {
      await withTriggerApi(options, io, async (api) => {
        const changed = await api.setEnabled(name, enabled);
        io.stdout(options.json ? toJson({ trigger: changed }) : `trigger '${name}' ${command}d\n`);
      });
    });
  }

  withOptions(
    trigger
      .command('delete')
      .description('delete a trigger and its firings (runs already started go on)')
      .argument('<name>', 'the trigger'),
  ).action(async (name: string, options: Options) => {
    await withTriggerApi(options, io, async (api) => {
      await api.remove(name);
      io.stdout(options.json ? toJson({}) : `trigger '${name}' deleted\n`);
    });
  });

  withOptions(
    trigger
      .command('firings')
      .description("a trigger's firings, newest first: the event, the run it started or why it did not")
      .argument('<name>', 'the trigger')
      .option('--max-results <n>', 'at most this many', '20'),
  ).action(async (name: string, options: Options & { maxResults: string }) => {
    if (
      !/^\d+$/.test(options.maxResults) ||
      Number(options.maxResults) < 1 ||
      Number(options.maxResults) > 1000
    ) {
      throw new InvalidParameterError(`Invalid --max-results '${options.maxResults}': expected 1 to 1000`);
    }
    await withTriggerApi(options, io, async (api) => {
      const firings = await api.firings(name, Number(options.maxResults));
      if (options.json) {
        io.stdout(toJson({ firings }));
        return;
      }
      io.stdout(
        formatTable(
          [
            { header: 'when' },
            { header: 'event' },
            { header: 'state' },
            { header: 'run' },
            { header: 'error' },
          ],
          firings.map((f) => [
            when(f['created_at']),
            String(f['event_key']),
            String(f['state']),
            typeof f['run_id'] === 'string' ? f['run_id'] : '',
            typeof f['error'] === 'string' ? f['error'] : '',
          ]),
        ),
      );
    });
  });
}
