import { Command } from 'commander';
import type { Run, Tag } from '../tracking/index.js';
import {
  clientFor,
  parseKeyList,
  parseMaxResults,
  parseView,
  withClientOptions,
  type CliIo,
  type ClientCommandOptions,
} from './cli-context.js';
import { formatDuration, formatMetricValue, formatTimestamp, toJson } from './format.js';
import { formatKeyValues, formatTable, type Column } from './tables.js';

interface SearchOptions extends ClientCommandOptions {
  experimentId: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: string;
  pageToken?: string;
  view?: string;
  metrics?: string;
  params?: string;
}

const defaultMetricColumns = 5;
const defaultParamColumns = 3;

/** Keys present in any of the runs, sorted, at most `limit`. */
function keysOf(
  runs: readonly Run[],
  pick: (run: Run) => readonly { key: string }[],
  limit: number,
): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const { key } of pick(run)) keys.add(key);
  return [...keys].sort().slice(0, limit);
}

function valueOf(items: readonly Tag[], key: string): string {
  return items.find((item) => item.key === key)?.value ?? '';
}

/**
 * The runs table: id, name, status, start time, then one column per selected metric (latest value) and
 * param. Without explicit keys, the first metric and param keys found in the runs are shown.
 */
export function runsTable(
  runs: readonly Run[],
  selected: { metrics?: string[]; params?: string[] } = {},
): string {
  const metricKeys = selected.metrics ?? keysOf(runs, (r) => r.data.metrics, defaultMetricColumns);
  const paramKeys = selected.params ?? keysOf(runs, (r) => r.data.params, defaultParamColumns);
  const columns: Column[] = [
    { header: 'RUN ID' },
    { header: 'NAME', maxWidth: 30 },
    { header: 'STATUS' },
    { header: 'START TIME' },
    ...metricKeys.map((key): Column => ({ header: `metrics.${key}`, align: 'right', maxWidth: 24 })),
    ...paramKeys.map((key): Column => ({ header: `params.${key}`, maxWidth: 24 })),
  ];
  const rows = runs.map((run) => [
    run.info.runId,
    run.info.runName,
    run.info.lifecycleStage === 'deleted' ? `${run.info.status} (deleted)` : run.info.status,
    formatTimestamp(run.info.startTime),
    ...metricKeys.map((key) => {
      const metric = run.data.metrics.find((m) => m.key === key);
      return metric === undefined ? '' : formatMetricValue(metric.value);
    }),
    ...paramKeys.map((key) => valueOf(run.data.params, key)),
  ]);
  return formatTable(columns, rows);
}

/** The detailed view of one run for `runs get`. */
export function runDetails(run: Run): string {
  const { info } = run;
  const pairs: [string, string][] = [
    ['Run ID', info.runId],
    ['Name', info.runName],
    ['Experiment ID', info.experimentId],
    ['Status', info.status],
    ['Lifecycle stage', info.lifecycleStage],
    ['User', info.userId],
    ['Start time', formatTimestamp(info.startTime)],
    ['End time', formatTimestamp(info.endTime)],
  ];
  if (info.endTime !== null && info.startTime > 0)
    pairs.push(['Duration', formatDuration(info.endTime - info.startTime)]);
  pairs.push(['Artifact URI', info.artifactUri]);

  const sections = [formatKeyValues(pairs)];
  const section = (title: string, body: string): void => {
    sections.push(`\n${title}\n${body}`);
  };
  const byKey = <T extends { key: string }>(items: readonly T[]): T[] =>
    [...items].sort((a, b) => a.key.localeCompare(b.key));

  section(
    'Params',
    run.data.params.length === 0
      ? '(none)\n'
      : formatTable(
          [{ header: 'KEY' }, { header: 'VALUE', maxWidth: 80 }],
          byKey(run.data.params).map((p) => [p.key, p.value]),
        ),
  );
  section(
    'Metrics (latest values)',
    run.data.metrics.length === 0
      ? '(none)\n'
      : formatTable(
          [
            { header: 'KEY' },
            { header: 'VALUE', align: 'right' },
            { header: 'STEP', align: 'right' },
            { header: 'TIMESTAMP' },
          ],
          byKey(run.data.metrics).map((m) => [
            m.key,
            formatMetricValue(m.value),
            String(m.step),
            formatTimestamp(m.timestamp),
          ]),
        ),
  );
  section(
    'Tags',
    run.data.tags.length === 0
      ? '(none)\n'
      : formatTable(
          [{ header: 'KEY' }, { header: 'VALUE', maxWidth: 80 }],
          byKey(run.data.tags).map((t) => [t.key, t.value]),
        ),
  );
  if (run.inputs.datasetInputs.length > 0) {
    section(
      'Datasets',
      formatTable(
        [{ header: 'NAME' }, { header: 'DIGEST' }, { header: 'SOURCE TYPE' }],
        run.inputs.datasetInputs.map((d) => [d.dataset.name, d.dataset.digest, d.dataset.sourceType]),
      ),
    );
  }
  return sections.join('');
}

/** `bosun runs search|get`. */
export function runsCommand(io: CliIo): Command {
  const runs = new Command('runs').description('search and inspect runs');

  withClientOptions(
    runs
      .command('search')
      .description('search runs of one or more experiments (one page)')
      .requiredOption('--experiment-id <id...>', 'experiment id(s) to search')
      .option('--filter <filter>', 'MLflow search filter, e.g. "metrics.acc > 0.9 and params.lr = \'0.1\'"')
      .option('--order-by <clause...>', 'order, e.g. "metrics.acc DESC" (repeatable)')
      .option('--max-results <n>', 'page size, 1 to 50000', '100')
      .option('--page-token <token>', 'continue from a previous page')
      .option('--view <view>', 'active, deleted or all', 'active')
      .option('--metrics <keys>', 'comma-separated metric columns (default: first keys found)')
      .option('--params <keys>', 'comma-separated param columns (default: first keys found)'),
  ).action(async (options: SearchOptions) => {
    const client = clientFor(options, io);
    const page = await client.searchRuns({
      experimentIds: options.experimentId,
      filter: options.filter,
      orderBy: options.orderBy,
      maxResults: parseMaxResults(options.maxResults),
      pageToken: options.pageToken,
      viewType: parseView(options.view),
    });
    if (options.json === true) {
      io.stdout(toJson({ runs: page.items, nextPageToken: page.nextPageToken }));
      return;
    }
    if (page.items.length === 0) {
      io.stdout('No runs found.\n');
    } else {
      io.stdout(
        runsTable(page.items, {
          metrics: parseKeyList(options.metrics),
          params: parseKeyList(options.params),
        }),
      );
    }
    if (page.nextPageToken !== undefined) {
      io.stdout(`\nMore runs match. Next page: --page-token ${page.nextPageToken}\n`);
    }
  });

  withClientOptions(runs.command('get').description('show one run').argument('<run-id>', 'run id')).action(
    async (runId: string, options: ClientCommandOptions) => {
      const run = await clientFor(options, io).getRun(runId);
      io.stdout(options.json === true ? toJson(run) : runDetails(run));
    },
  );

  return runs;
}
