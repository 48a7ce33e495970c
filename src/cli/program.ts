import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { BosunClientError } from '../client/index.js';
import { BosunError } from '../shared/index.js';
import type { CliIo } from './cli-context.js';
import { auditCommand } from './audit-command.js';
import { backupCommand } from './backup-command.js';
import { driftCommand } from './drift-command.js';
import { eventsCommand } from './events-command.js';
import { experimentsCommand } from './experiments-command.js';
import { importCommand } from './import-command.js';
import { modelsCommand } from './models-command.js';
import { monitorCommand, predictionsCommand } from './monitor-command.js';
import { permissionsCommand } from './permissions-command.js';
import { pipelineCommand } from './pipeline-command.js';
import { restoreCommand } from './restore-command.js';
import { runsCommand } from './runs-command.js';
import { secretsCommand } from './secrets-command.js';
import { serverCommand } from './server-command.js';
import { usersCommand } from './users-command.js';
import { workerCommand } from './worker-command.js';

function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const parsed = JSON.parse(text) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Applies output and exit handling to a command and every command under it (addCommand does not inherit). */
function configureTree(command: Command, io: CliIo): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => io.stdout(text),
    writeErr: (text) => io.stderr(text),
  });
  for (const sub of command.commands) configureTree(sub, io);
}

/** The `bosun` command tree. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('bosun')
    .description('Bosun: self-hostable MLOps server with an MLflow-compatible tracking API')
    .version(packageVersion(), '-V, --version')
    // The program's own options only before a command: `pipeline cost --version V` and `pipeline schedule create
    // --version N` are the commands' options, not a request for the CLI's version.
    .enablePositionalOptions();
  program.addCommand(serverCommand());
  program.addCommand(experimentsCommand(io));
  program.addCommand(runsCommand(io));
  program.addCommand(modelsCommand(io));
  program.addCommand(auditCommand(io));
  program.addCommand(eventsCommand(io));
  program.addCommand(secretsCommand(io));
  program.addCommand(usersCommand(io));
  program.addCommand(permissionsCommand(io));
  program.addCommand(driftCommand(io));
  program.addCommand(monitorCommand(io));
  program.addCommand(predictionsCommand(io));
  program.addCommand(pipelineCommand(io));
  program.addCommand(workerCommand(io));
  program.addCommand(importCommand(io));
  program.addCommand(backupCommand(io, packageVersion()));
  program.addCommand(restoreCommand(io));
  configureTree(program, io);
  return program;
}

/** One line for any failure: `error: CODE: message`. Never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof BosunClientError) return `error: ${error.errorCode}: ${error.message}`;
  if (error instanceof BosunError) return `error: ${error.code}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `error: INTERNAL_ERROR: ${message}`;
}

/**
 * Runs the CLI on `argv` (without the node and script entries) and returns the exit code.
 * Example: `await runCli(['runs', 'get', id, '--json'], { stdout: (t) => out.push(t), stderr: ... })`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander has already printed its message
    io.stderr(`${describeError(error)}\n`);
    return 1;
  }
}
