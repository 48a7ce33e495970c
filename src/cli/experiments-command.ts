import { Command } from 'commander';
import { InvalidParameterError } from '../shared/index.js';
import type { Experiment, Tag } from '../tracking/index.js';
import {
  clientFor,
  parseView,
  withClientOptions,
  type CliIo,
  type ClientCommandOptions,
} from './cli-context.js';
import { formatTimestamp, toJson } from './format.js';
import { formatTable } from './tables.js';

interface ListOptions extends ClientCommandOptions {
  filter?: string;
  view?: string;
  orderBy?: string[];
}

interface CreateOptions extends ClientCommandOptions {
  artifactLocation?: string;
  tag?: string[];
}

/** `key=value` from `--tag`. */
function parseTag(text: string): Tag {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidParameterError(`Invalid --tag '${text}': expected KEY=VALUE`);
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

export function experimentsTable(experiments: readonly Experiment[]): string {
  return formatTable(
    [
      { header: 'ID', align: 'right' },
      { header: 'NAME', maxWidth: 40 },
      { header: 'STAGE' },
      { header: 'ARTIFACT LOCATION', maxWidth: 60 },
      { header: 'CREATED' },
    ],
    experiments.map((e) => [
      e.experimentId,
      e.name,
      e.lifecycleStage,
      e.artifactLocation,
      formatTimestamp(e.creationTime),
    ]),
  );
}

/** `bosun experiments list|create`. */
export function experimentsCommand(io: CliIo): Command {
  const experiments = new Command('experiments').description('list and create experiments');

  withClientOptions(
    experiments
      .command('list')
      .description('list experiments (all pages)')
      .option('--filter <filter>', `MLflow search filter, e.g. "name LIKE 'churn%'"`)
      .option('--order-by <clause...>', 'order, e.g. "creation_time DESC"')
      .option('--view <view>', 'active, deleted or all', 'active'),
  ).action(async (options: ListOptions) => {
    const client = clientFor(options, io);
    const found: Experiment[] = [];
    for await (const experiment of client.iterateExperiments({
      filter: options.filter,
      orderBy: options.orderBy,
      viewType: parseView(options.view),
    })) {
      found.push(experiment);
    }
    if (options.json === true) {
      io.stdout(toJson({ experiments: found }));
    } else if (found.length === 0) {
      io.stdout('No experiments found.\n');
    } else {
      io.stdout(experimentsTable(found));
    }
  });

  withClientOptions(
    experiments
      .command('create')
      .description('create an experiment and print its id')
      .argument('<name>', 'experiment name (unique)')
      .option(
        '--artifact-location <uri>',
        'where runs of this experiment store artifacts (default: chosen by the server)',
      )
      .option('--tag <key=value...>', 'tag to set on the experiment (repeatable)'),
  ).action(async (name: string, options: CreateOptions) => {
    const client = clientFor(options, io);
    const tags = (options.tag ?? []).map(parseTag);
    const experimentId = await client.createExperiment({
      name,
      artifactLocation: options.artifactLocation,
      tags,
    });
    if (options.json === true) {
      io.stdout(toJson({ experimentId }));
    } else {
      io.stdout(`Created experiment '${name}' with id ${experimentId}.\n`);
    }
  });

  return experiments;
}
