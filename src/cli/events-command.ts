import { Command } from 'commander';
import { EventConsumers, type ReplayFrom } from '../events/index.js';
import { InvalidParameterError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { formatTimestamp, toJson } from './format.js';
import { withDbOption, withPlatform, type ServerDatabaseOptions } from './server-database.js';
import { formatTable } from './tables.js';

interface ReplayOptions extends ServerDatabaseOptions {
  fromEvent?: string;
  beginning?: boolean;
  end?: boolean;
}

/** Exactly one of `--from-event N`, `--beginning`, `--end`. */
function replayFrom(options: ReplayOptions): ReplayFrom {
  const given = [options.fromEvent !== undefined, options.beginning === true, options.end === true];
  if (given.filter(Boolean).length !== 1) {
    throw new InvalidParameterError('Give exactly one of --from-event <id>, --beginning or --end');
  }
  if (options.beginning) return { kind: 'beginning' };
  if (options.end) return { kind: 'end' };
  const raw = options.fromEvent ?? '';
  if (!/^\d{1,15}$/.test(raw))
    throw new InvalidParameterError(`Invalid --from-event '${raw}': expected an event id`);
  return { kind: 'event', eventId: Number(raw) };
}

/**
 * `bosun events consumers|replay`: the event consumers' positions in the outbox, and moving one of them to
 * replay events (or skip them). Works directly on the server's database; a running server picks the new
 * position up at its consumer's next round.
 */
export function eventsCommand(io: CliIo): Command {
  const events = new Command('events').description(
    'event consumers: positions and replay (directly in the database)',
  );

  withDbOption(
    events
      .command('consumers')
      .description('each event consumer with its position and the events waiting after it')
      .option('--json', 'print JSON'),
  ).action(async (options: ServerDatabaseOptions & { json?: boolean }) => {
    const consumers = await withPlatform(options, io, (platform) =>
      new EventConsumers(platform.database.db).list(),
    );
    if (options.json) {
      io.stdout(toJson({ consumers }));
      return;
    }
    io.stdout(
      formatTable(
        [
          { header: 'NAME' },
          { header: 'POSITION' },
          { header: 'PENDING', align: 'right' },
          { header: 'UPDATED' },
        ],
        consumers.map((c) => [
          c.name,
          `${c.position.xact}:${c.position.id}`,
          String(c.pending),
          formatTimestamp(c.updatedAt),
        ]),
      ),
    );
  });

  withDbOption(
    events
      .command('replay')
      .description(
        'move a consumer: handle events again from one of them or from the beginning, or skip to the end',
      )
      .argument('<consumer>', "the consumer's name (see `bosun events consumers`)")
      .option('--from-event <id>', 'handle this event and every later one again')
      .option('--beginning', 'handle every event on record again')
      .option('--end', 'skip every event waiting now'),
  ).action(async (name: string, options: ReplayOptions) => {
    const from = replayFrom(options);
    const position = await withPlatform(options, io, (platform) =>
      new EventConsumers(platform.database.db).reset(name, from),
    );
    io.stdout(`Moved consumer '${name}' to position ${position.xact}:${position.id}.\n`);
  });
  return events;
}
