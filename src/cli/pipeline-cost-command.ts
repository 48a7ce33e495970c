import type { Command } from 'commander';
import { modelVersionCostToWire, pipelineCostToWire, runCostToWire } from '../pipelines/index.js';
import { InvalidParameterError, NotFoundError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { toJson } from './format.js';
import { pipelineHttpCall } from './pipeline-api.js';
import { withPlatform } from './server-database.js';
import { formatTable } from './tables.js';

type Json = Record<string, unknown>;

interface CostOptions {
  trackingUri?: string;
  backendStoreUri?: string;
  json?: boolean;
  pipeline?: string;
  model?: string;
  version?: string;
  from?: string;
  to?: string;
}

/** What to cost: one pipeline run, a pipeline over a time range, or a registered model version. */
type CostTarget =
  | { kind: 'run'; runId: string }
  | { kind: 'pipeline'; name: string; from?: number; to?: number }
  | { kind: 'model'; name: string; version: string };

function timeOf(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new InvalidParameterError(`Invalid ${option} '${text}': expected an ISO 8601 date or epoch ms`);
  return ms;
}

/** Parses the command line into one target; refuses none or several. */
export function costTarget(run: string | undefined, options: CostOptions): CostTarget {
  const given = [run !== undefined, options.pipeline !== undefined, options.model !== undefined].filter(
    Boolean,
  );
  if (given.length !== 1) {
    throw new InvalidParameterError(
      'Give exactly one of: a pipeline RUN id, --pipeline NAME, or --model NAME --version V',
    );
  }
  if (options.model !== undefined) {
    if (options.version === undefined || !/^[1-9]\d*$/.test(options.version)) {
      throw new InvalidParameterError('--model needs --version V, a positive integer');
    }
    return { kind: 'model', name: options.model, version: options.version };
  }
  if ((options.from !== undefined || options.to !== undefined) && options.pipeline === undefined) {
    throw new InvalidParameterError('--from and --to apply to --pipeline NAME only');
  }
  if (options.pipeline !== undefined) {
    const from = timeOf(options.from, '--from');
    const to = timeOf(options.to, '--to');
    return {
      kind: 'pipeline',
      name: options.pipeline,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    };
  }
  return { kind: 'run', runId: run ?? '' };
}

async function fetchCost(target: CostTarget, options: CostOptions, io: CliIo): Promise<Json> {
  const seg = encodeURIComponent;
  if (options.trackingUri !== undefined) {
    const call = pipelineHttpCall({ trackingUri: options.trackingUri }, io);
    switch (target.kind) {
      case 'run':
        return call('GET', `/runs/${seg(target.runId)}/cost`);
      case 'pipeline': {
        const q = new URLSearchParams();
        if (target.from !== undefined) q.set('from', String(target.from));
        if (target.to !== undefined) q.set('to', String(target.to));
        const qs = q.toString();
        return call('GET', `/definitions/${seg(target.name)}/cost${qs !== '' ? `?${qs}` : ''}`);
      }
      case 'model':
        return call('GET', `/models/${seg(target.name)}/versions/${seg(target.version)}/cost`);
    }
  }
  return withPlatform(options, io, async (platform) => {
    const costs = platform.pipelines.costs;
    switch (target.kind) {
      case 'run':
        return runCostToWire(await costs.ofRun(target.runId));
      case 'pipeline':
        return pipelineCostToWire(await costs.ofPipeline(target.name, target));
      case 'model': {
        const found = await platform.lineage.modelVersion(target.name, target.version);
        const runId = found.modelVersion.runId;
        if (runId === null) {
          throw new NotFoundError(
            `Model '${target.name}' version ${target.version} has no source run: it has no pipeline cost`,
          );
        }
        return modelVersionCostToWire(target.name, target.version, await costs.ofSourceRun(runId), true);
      }
    }
  });
}

/** `$0.0123`, or `unknown` for null (no resource class). */
export function usdText(value: unknown): string {
  if (typeof value !== 'number') return 'unknown';
  return value !== 0 && Math.abs(value) < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(2)}`;
}

function msText(value: unknown): string {
  if (typeof value !== 'number') return '-';
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

function bytesText(value: unknown): string {
  if (typeof value !== 'number') return '-';
  return `${(value / (1024 * 1024)).toFixed(1)} MiB`;
}

function totalLine(total: Json): string {
  const unpriced = Number(total['unpriced_steps'] ?? 0);
  return (
    `total ${usdText(total['cost_usd'])}, saved ${usdText(total['saved_usd'])} by ${String(total['cached_steps'])} cache hit(s); ` +
    `wall ${msText(total['wall_ms'])}, CPU ${msText(total['cpu_ms'])}, peak ${bytesText(total['peak_rss_bytes'])}` +
    (unpriced > 0 ? `; ${unpriced} step run(s) with no resource class (cost unknown)` : '') +
    '\n'
  );
}

function stepsTable(steps: Json[]): string {
  const right = { align: 'right' as const };
  return formatTable(
    [
      { header: 'STEP', maxWidth: 40 },
      { header: 'STATE' },
      { header: 'CLASS' },
      { header: 'ATTEMPTS', ...right },
      { header: 'WALL', ...right },
      { header: 'CPU', ...right },
      { header: 'PEAK RSS', ...right },
      { header: 'COST', ...right },
      { header: 'SAVED', ...right },
    ],
    steps.map((s) => [
      s['item_index'] === null ? String(s['step']) : `${String(s['step'])}[${String(s['item_index'])}]`,
      String(s['state']),
      typeof s['resource_class'] === 'string' ? s['resource_class'] : '-',
      String(s['attempt']),
      msText(s['wall_ms']),
      msText(s['cpu_ms']),
      bytesText(s['peak_rss_bytes']),
      usdText(s['cost_usd']),
      s['saved_usd'] === null ? '-' : usdText(s['saved_usd']),
    ]),
  );
}

/** The human form of a cost answer. */
export function formatCost(target: CostTarget, answer: Json): string {
  const total = answer['total'] as Json;
  switch (target.kind) {
    case 'run':
      return (
        `pipeline run ${target.runId} (${String(answer['pipeline'])}, ${String(answer['status'])})\n` +
        stepsTable(answer['steps'] as Json[]) +
        totalLine(total)
      );
    case 'pipeline': {
      const range =
        target.from !== undefined || target.to !== undefined
          ? ` from ${target.from !== undefined ? new Date(target.from).toISOString() : 'the start'} to ${target.to !== undefined ? new Date(target.to).toISOString() : 'now'}`
          : '';
      return `pipeline ${target.name}: ${String(answer['runs'])} run(s)${range}\n${totalLine(total)}`;
    }
    case 'model': {
      const steps = answer['steps'] as Json[];
      return (
        `model ${target.name} version ${target.version}: built by pipeline run ${String(answer['pipeline_run_id'])} (${String(answer['pipeline'])})\n` +
        (steps.length > 0 ? stepsTable(steps) : '') +
        totalLine(total)
      );
    }
  }
}

/**
 * `bosun pipeline cost RUN | --pipeline NAME [--from T --to T] | --model NAME --version V [--json]`: what a
 * pipeline run, a pipeline over a time range, or the pipeline run behind a model version cost and saved.
 */
export function addPipelineCostCommand(pipeline: Command, io: CliIo): void {
  pipeline
    .command('cost')
    .description(
      'cost and cache savings of a pipeline run, of a pipeline over a time range, or of a model version built by one',
    )
    .argument('[run]', 'a pipeline run id')
    .option('--pipeline <name>', 'a pipeline: the sum over its runs')
    .option('--from <time>', 'with --pipeline: runs created at or after (ISO 8601 or epoch ms)')
    .option('--to <time>', 'with --pipeline: runs created before (ISO 8601 or epoch ms)')
    .option('--model <name>', 'a registered model (with --version): the pipeline run that built the version')
    .option('--version <v>', 'the model version')
    .option('--tracking-uri <url>', "a Bosun server's URL (default: the server's database, directly)")
    .option('--backend-store-uri <uri>', "the server's database when no --tracking-uri is given")
    .option('--json', 'print the answer as JSON')
    .action(async (run: string | undefined, options: CostOptions) => {
      const target = costTarget(run, options);
      const answer = await fetchCost(target, options, io);
      io.stdout(options.json ? toJson(answer) : formatCost(target, answer));
    });
}
