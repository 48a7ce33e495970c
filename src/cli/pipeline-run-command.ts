import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { paramFromText, readDocument, type ExecutorEvent, type ParamSpec } from '../pipelines/index.js';
import { InvalidParameterError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { toJson } from './format.js';
import type { PipelineApi } from './pipeline-api.js';
import { withApi, withApiOptions, type ApiOptions } from './pipeline-api-access.js';
import { followLogs, unitOf } from './pipeline-follow.js';
import { waitingApprovalLines } from './pipeline-approve-command.js';
import { formatTable } from './tables.js';

type Json = Record<string, unknown>;

/** Commander's collector of a repeated option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `-p name=value` pairs, read as the pipeline's declared parameter types. */
export function parseParams(pairs: readonly string[], declared: Json): Json {
  const params: Json = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidParameterError(`Invalid -p '${pair}': expected name=value`);
    const name = pair.slice(0, eq);
    const spec = declared[name] as ParamSpec | undefined;
    if (spec === undefined) {
      throw new InvalidParameterError(
        `The pipeline has no parameter '${name}' (it has: ${Object.keys(declared).join(', ') || 'none'})`,
      );
    }
    params[name] = paramFromText(spec, name, pair.slice(eq + 1));
  }
  return params;
}

/** A pipeline file (defined first, as its next version) or the name of a defined pipeline. */
async function pipelineTarget(
  api: PipelineApi,
  target: string,
  codeDir: string | undefined,
  io: CliIo,
  json: boolean,
): Promise<string> {
  if (!existsSync(target)) return target;
  const text = readFileSync(target, 'utf8');
  const read = readDocument(text);
  if (read.value === undefined) throw new InvalidParameterError(`${target} is not YAML or JSON`);
  const answer = await api.define(api.local ? read.value : text, resolve(codeDir ?? '.'));
  const pipeline = answer['pipeline'] as Json;
  if (!json)
    io.stderr(
      `${target}: pipeline '${String(pipeline['name'])}' version ${String(pipeline['version'])}${answer['created'] === true ? ' (new)' : ''}\n`,
    );
  return String(pipeline['name']);
}

function eventLine(event: ExecutorEvent): string {
  if (event.kind === 'run')
    return `run ${event.runId} ${event.status}${event.error !== undefined ? `: ${event.error}` : ''}\n`;
  const unit = event.itemIndex >= 0 ? `${event.step}[${event.itemIndex}]` : event.step;
  const attempt =
    event.state === 'running' && event.attempt !== undefined && event.attempt > 1
      ? ` (attempt ${event.attempt})`
      : '';
  return `${unit.padEnd(24)} ${event.state}${attempt}${event.reason !== undefined ? `  ${event.reason}` : ''}\n`;
}

function stepTable(steps: Json[]): string {
  return formatTable(
    [{ header: 'step' }, { header: 'state' }, { header: 'attempt' }, { header: 'reason' }],
    steps.map((s) => [unitOf(s), String(s['state']), String(s['attempt']), String(s['reason'] ?? '')]),
  );
}

/** Waits for a run started or resumed here, printing its steps as they change; exit code 1 unless it succeeded. */
async function follow(
  api: PipelineApi,
  started: { run: Json; done: () => Promise<unknown> },
  io: CliIo,
  options: ApiOptions & { detach?: boolean },
): Promise<void> {
  const runId = String(started.run['run_id']);
  if (options.detach === true && !api.local) {
    io.stdout(options.json ? toJson(started.run) : `${runId}\n`);
    return;
  }
  if (!options.json) io.stderr(`run ${runId} started\n`);
  const cancel = () => void api.cancel(runId).catch(() => undefined);
  if (api.local) process.once('SIGINT', cancel);
  try {
    await started.done();
  } finally {
    process.off('SIGINT', cancel);
  }
  const details = await api.getRun(runId);
  const run = details['run'] as Json;
  if (options.json) io.stdout(toJson(details));
  else {
    io.stdout(stepTable(details['steps'] as Json[]));
    io.stdout(
      `run ${runId} ${String(run['status'])}${run['error'] !== null ? `: ${String(run['error'])}` : ''}\n`,
    );
  }
  if (run['status'] !== 'succeeded')
    throw new CommanderError(1, 'bosun.pipelineRunFailed', 'pipeline run did not succeed');
}

/**
 * `bosun pipeline run|runs|logs|cancel|resume|plan`: against the server's database (steps run as children of this
 * process, which serves them the tracking API on loopback) or, with --tracking-uri, through a server that runs
 * them.
 */
export function addPipelineRunCommands(pipeline: Command, io: CliIo): void {
  withApiOptions(
    pipeline
      .command('run')
      .description(
        'run a pipeline (a file, defined as its next version, or a defined pipeline by name); exit code 1 unless it succeeds',
      )
      .argument('<pipeline>', 'a pipeline file (YAML or JSON) or the name of a defined pipeline')
      .option(
        '-p, --param <name=value>',
        'a parameter (repeat for several); lists as JSON: -p lrs=[0.1,0.01]',
        collect,
        [],
      )
      .option('--code-dir <dir>', 'the folder script paths are relative to (default: the current folder)')
      .option('--python <path>', 'the interpreter of script and function steps (default: python3)')
      .option('--detach', 'with --tracking-uri: print the run id and return at once'),
  ).action(async (target: string, options: ApiOptions & { param: string[]; detach?: boolean }) => {
    await withApi(options, io, true, async (api) => {
      const name = await pipelineTarget(api, target, options.codeDir, io, options.json === true);
      const params = parseParams(options.param, await api.definitionParams(name));
      const started = await api.start(name, params, (event) => {
        if (!options.json) io.stderr(eventLine(event));
      });
      await follow(api, started, io, options);
    });
  });

  withApiOptions(
    pipeline
      .command('plan')
      .description('what a run would take from the cache and what it would run, and why (nothing runs)')
      .argument('<pipeline>', 'a pipeline file or the name of a defined pipeline')
      .option('-p, --param <name=value>', 'a parameter (repeat for several)', collect, [])
      .option('--code-dir <dir>', 'the folder script paths are relative to (default: the current folder)')
      .option('--python <path>', 'the interpreter of script and function steps (default: python3)'),
  ).action(async (target: string, options: ApiOptions & { param: string[] }) => {
    await withApi(options, io, false, async (api) => {
      const name = await pipelineTarget(api, target, options.codeDir, io, options.json === true);
      const plan = await api.plan(name, parseParams(options.param, await api.definitionParams(name)));
      if (options.json) {
        io.stdout(toJson({ pipeline: name, plan }));
        return;
      }
      io.stdout(
        formatTable(
          [{ header: 'step' }, { header: 'cache' }, { header: 'why' }],
          plan.map((e) => [unitOf(e), String(e['decision']), String(e['reason'])]),
        ),
      );
      const hits = plan.filter((e) => e['decision'] === 'hit').length;
      io.stdout(`${hits} of ${plan.length} from the cache\n`);
    });
  });

  withApiOptions(
    pipeline
      .command('runs')
      .description('pipeline runs, newest first')
      .option('--pipeline <name>', 'only this pipeline')
      .option('--status <status>', 'running, succeeded, failed or cancelled')
      .option('--max-results <n>', 'at most this many (default 50)'),
  ).action(async (options: ApiOptions & { pipeline?: string; status?: string; maxResults?: string }) => {
    const limit = options.maxResults === undefined ? 50 : Number(options.maxResults);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidParameterError(
        `Invalid --max-results '${options.maxResults ?? ''}': expected 1 to 1000`,
      );
    }
    if (
      options.status !== undefined &&
      !['running', 'succeeded', 'failed', 'cancelled'].includes(options.status)
    ) {
      throw new InvalidParameterError(
        `Invalid --status '${options.status}': expected running, succeeded, failed or cancelled`,
      );
    }
    await withApi(options, io, false, async (api) => {
      const runs = await api.listRuns({
        ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
        ...(options.status !== undefined ? { status: options.status } : {}),
        limit,
      });
      // Approval steps waiting for a decision are listed with the runs (they hold their runs up).
      const approvals = await api.approvals({
        ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
      });
      if (options.json) {
        io.stdout(toJson({ runs, approvals }));
        return;
      }
      io.stdout(
        formatTable(
          [{ header: 'run' }, { header: 'pipeline' }, { header: 'status' }, { header: 'error' }],
          runs.map((r) => [
            String(r['run_id']),
            String(r['pipeline']),
            String(r['status']),
            String(r['error'] ?? ''),
          ]),
        ),
      );
      io.stdout(waitingApprovalLines(approvals));
    });
  });

  withApiOptions(
    pipeline
      .command('logs')
      .description(
        "the stdout and stderr of a run's steps (the latest attempt of each); --follow prints them as they come",
      )
      .argument('<run-id>', 'the pipeline run')
      .option('--step <name>', 'only this step')
      .option('--item <n>', 'only this fan-out item')
      .option(
        '-f, --follow',
        'keep printing new output until the run ends; exit code 1 when it did not succeed',
      )
      .option('--interval <seconds>', 'with --follow: how often to look for new output', '1'),
  ).action(
    async (
      runId: string,
      options: ApiOptions & { step?: string; item?: string; follow?: boolean; interval: string },
    ) => {
      const item = options.item === undefined ? undefined : Number(options.item);
      if (item !== undefined && (!Number.isInteger(item) || item < 0))
        throw new InvalidParameterError(`Invalid --item '${options.item ?? ''}'`);
      const interval = Number(options.interval);
      if (!/^\d+(\.\d+)?$/.test(options.interval) || interval < 0.05 || interval > 3600)
        throw new InvalidParameterError(
          `Invalid --interval '${options.interval}': expected seconds, 0.05 to 3600`,
        );
      if (options.follow && options.json)
        throw new InvalidParameterError('--follow prints text as it comes: use it without --json');
      await withApi(options, io, false, async (api) => {
        if (options.follow) {
          const filter = {
            ...(options.step !== undefined ? { step: options.step } : {}),
            ...(item !== undefined ? { item } : {}),
          };
          const status = await followLogs(api, runId, filter, io, interval * 1000);
          io.stderr(`run ${runId} ${status}\n`);
          if (status !== 'succeeded')
            throw new CommanderError(1, 'bosun.pipelineRunFailed', 'pipeline run did not succeed');
          return;
        }
        const logs = await api.logs(runId, options.step, item);
        if (options.json) {
          io.stdout(toJson({ logs }));
          return;
        }
        for (const l of logs) {
          const unit = unitOf(l);
          io.stdout(
            `==> ${unit} (${String(l['state'])}, attempt ${String(l['attempt'])}) <==\n${String(l['stdout'])}`,
          );
          if (l['stderr'] !== '') io.stdout(`--- stderr ---\n${String(l['stderr'])}`);
        }
      });
    },
  );

  withApiOptions(
    pipeline
      .command('cancel')
      .description('cancel a running pipeline run (its steps are killed, exit handlers run)')
      .argument('<run-id>', 'the pipeline run'),
  ).action(async (runId: string, options: ApiOptions) => {
    await withApi(options, io, false, async (api) => {
      const run = await api.cancel(runId);
      io.stdout(options.json ? toJson({ run }) : `cancellation of ${runId} requested\n`);
    });
  });

  withApiOptions(
    pipeline
      .command('resume')
      .description('resume a failed or cancelled run from its failed steps, reusing what succeeded')
      .argument('<run-id>', 'the pipeline run')
      .option('--python <path>', 'the interpreter of script and function steps (default: python3)')
      .option('--detach', 'with --tracking-uri: return at once'),
  ).action(async (runId: string, options: ApiOptions & { detach?: boolean }) => {
    await withApi(options, io, true, async (api) => {
      const resumed = await api.resume(runId, (event) => {
        if (!options.json) io.stderr(eventLine(event));
      });
      await follow(api, resumed, io, options);
    });
  });
}
