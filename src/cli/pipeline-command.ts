import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import {
  formatDiagnostic,
  pipelineJsonSchema,
  renderPipeline,
  validatePipelineText,
  type ValidationResult,
} from '../pipelines/index.js';
import { InvalidParameterError } from '../shared/index.js';
import { addPipelineScheduleCommands } from './pipeline-schedule-command.js';
import { addPipelineTriggerCommands } from './pipeline-trigger-command.js';
import { addPipelineWorkersCommand } from './pipeline-workers-command.js';
import { addPipelineCostCommand } from './pipeline-cost-command.js';
import type { CliIo } from './cli-context.js';
import { toJson } from './format.js';
import { addPipelineRunCommands } from './pipeline-run-command.js';
import { addPipelineApproveCommands } from './pipeline-approve-command.js';

/** Reads and checks a pipeline file; the file's own problems are the result, not an error. */
function check(file: string): ValidationResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InvalidParameterError(`Cannot read pipeline file '${file}': ${reason}`);
  }
  return validatePipelineText(text);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Prints the problems and ends with exit code 1 (runCli turns a CommanderError into its code, printing nothing more). */
function reportProblems(result: Extract<ValidationResult, { ok: false }>, file: string, io: CliIo): never {
  for (const diagnostic of result.diagnostics) io.stdout(`${formatDiagnostic(diagnostic, file)}\n`);
  io.stdout(`${count(result.diagnostics.length, 'problem')} in ${file}\n`);
  throw new CommanderError(1, 'bosun.pipelineInvalid', 'pipeline invalid');
}

function parseWidth(text: string | undefined): number {
  if (text === undefined)
    return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : 100;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 20) {
    throw new InvalidParameterError(`Invalid --width '${text}': expected a number of columns, at least 20`);
  }
  return Number(text);
}

const layouts = ['auto', 'graph', 'list'] as const;

/**
 * `bosun pipeline validate|show|schema`: checks a pipeline file (YAML or JSON) without a server, draws its DAG,
 * prints the JSON Schema of the format. Running pipelines comes with the executor.
 */
export function pipelineCommand(io: CliIo): Command {
  const pipeline = new Command('pipeline').description(
    'pipelines: check and draw files; run, plan, follow, cancel and resume runs',
  );

  pipeline
    .command('validate')
    .description(
      'check a pipeline file: fields, references, types, conditions, cycles (exit code 1 on problems)',
    )
    .argument('<file>', 'the pipeline, YAML or JSON')
    .option('--json', 'print the result as JSON')
    .action((file: string, options: { json?: boolean }) => {
      const result = check(file);
      if (options.json) {
        io.stdout(
          toJson({
            file,
            valid: result.ok,
            ...(result.ok
              ? {
                  pipeline: {
                    name: result.spec.name,
                    steps: result.graph.steps.length,
                    levels: result.graph.levels,
                  },
                }
              : {}),
            diagnostics: result.diagnostics,
          }),
        );
        if (!result.ok) throw new CommanderError(1, 'bosun.pipelineInvalid', 'pipeline invalid');
        return;
      }
      if (!result.ok) reportProblems(result, file, io);
      io.stdout(
        `${file}: valid (pipeline '${result.spec.name}', ${count(result.graph.steps.length, 'step')}, ${count(result.graph.levels.length, 'level')})\n`,
      );
    });

  pipeline
    .command('show')
    .description("draw a pipeline's DAG in the terminal")
    .argument('<file>', 'the pipeline, YAML or JSON')
    .option('--ascii', 'plain ASCII instead of box-drawing characters')
    .option('--width <columns>', 'columns to draw in (default: the terminal width, or 100)')
    .option('--layout <layout>', 'graph, list, or auto (graph when it fits)', 'auto')
    .option('--json', 'print the DAG (steps, edges, order, levels) as JSON')
    .action((file: string, options: { ascii?: boolean; width?: string; layout: string; json?: boolean }) => {
      const layout = layouts.find((l) => l === options.layout);
      if (layout === undefined) {
        throw new InvalidParameterError(
          `Invalid --layout '${options.layout}': expected ${layouts.join(', ')}`,
        );
      }
      const width = parseWidth(options.width);
      const result = check(file);
      if (!result.ok) reportProblems(result, file, io);
      if (options.json) {
        const { graph } = result;
        io.stdout(
          toJson({
            name: result.spec.name,
            steps: graph.steps,
            edges: graph.edges,
            order: graph.order,
            levels: graph.levels,
          }),
        );
        return;
      }
      const lines = renderPipeline(result.spec, result.graph, {
        width,
        ascii: options.ascii === true,
        layout,
      });
      io.stdout(`${lines.join('\n')}\n`);
    });

  pipeline
    .command('schema')
    .description('print the JSON Schema of pipeline files (for editors and other tools)')
    .action(() => {
      io.stdout(toJson(pipelineJsonSchema()));
    });

  addPipelineRunCommands(pipeline, io);
  addPipelineApproveCommands(pipeline, io);
  addPipelineScheduleCommands(pipeline, io);
  addPipelineTriggerCommands(pipeline, io);
  addPipelineWorkersCommand(pipeline, io);
  addPipelineCostCommand(pipeline, io);
  return pipeline;
}
