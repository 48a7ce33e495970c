import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';

/**
 * The example GitHub Actions workflow (examples/ci/github-actions/pipeline.yml, issue 12) must be a workflow GitHub
 * accepts and must only run `bosun` commands that exist, with flags they have. No package on npm ships the
 * schemastore JSON Schema of workflows (@schemastore/github-workflow holds TypeScript types only), so the check is
 * GitHub's own parser, @actions/workflow-parser (what the Actions editor extension uses): it validates the file
 * against GitHub's workflow schema (its workflow-v1.0.json) and expressions, offline.
 */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = join(REPO, 'examples/ci/github-actions/pipeline.yml');
const text = readFileSync(FILE, 'utf8');

interface WorkflowStep {
  run?: string;
}
interface WorkflowJob {
  needs?: string | string[];
  steps: WorkflowStep[];
}

/** Each `bosun ...` command of a `run:` script, as words: continuation lines joined, `$(...)` looked into. */
function bosunCommands(script: string): string[][] {
  const joined = script.replace(/\\\n\s*/g, ' ');
  const commands: string[][] = [];
  for (const line of joined.split('\n')) {
    for (const match of line.matchAll(/(?:^|\$\(|&&|;|\|)\s*(bosun\s[^)]*)/g)) {
      commands.push(shellWords(match[1] ?? ''));
    }
  }
  return commands;
}

/** Shell words with '...' and "..." quoting (what the example's scripts use); stops at a redirection. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+|>>?/g)) {
    if (m[0].startsWith('>')) break;
    words.push(
      m[0].replace(
        /'([^']*)'|"((?:[^"\\]|\\.)*)"/g,
        (_all, single?: string, double?: string) => single ?? double ?? '',
      ),
    );
  }
  return words;
}

/** The CLI's own definition of `words` (`bosun a b ...`): the leaf command and what commander makes of the rest. */
function resolveCommand(words: string[]): {
  path: string;
  unknown: string[];
  operands: string[];
  leaf: Command;
} {
  let command: Command = buildProgram({ stdout: () => undefined, stderr: () => undefined });
  let rest = words.slice(1);
  const path = ['bosun'];
  for (;;) {
    const name = rest[0];
    const sub = command.commands.find((c) => c.name() === name || c.aliases().includes(name ?? ''));
    if (sub === undefined) break;
    command = sub;
    path.push(sub.name());
    rest = rest.slice(1);
  }
  const { operands, unknown } = command.parseOptions(rest);
  return { path: path.join(' '), unknown, operands, leaf: command };
}

describe('the example GitHub Actions workflow (examples/ci/github-actions/pipeline.yml)', () => {
  it("is a valid workflow for GitHub's own parser and schema", async () => {
    const parsed = parseWorkflow({ name: 'pipeline.yml', content: text }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((j) => j.id.value)).toEqual(['test', 'build', 'upload', 'run']);
  });

  it('is the chain test -> build -> upload -> run', () => {
    const jobs = (parse(text) as { jobs: Record<string, WorkflowJob> }).jobs;
    expect(Object.fromEntries(Object.entries(jobs).map(([id, job]) => [id, job.needs ?? null]))).toEqual({
      test: null,
      build: 'test',
      upload: 'build',
      run: 'upload',
    });
  });

  it('runs only bosun commands the CLI has, with flags and arguments they take', () => {
    const jobs = (parse(text) as { jobs: Record<string, WorkflowJob> }).jobs;
    const seen: string[] = [];
    for (const job of Object.values(jobs)) {
      for (const step of job.steps) {
        for (const words of bosunCommands(step.run ?? '')) {
          const { path, unknown, operands, leaf } = resolveCommand(words);
          seen.push(path);
          expect({ command: words.join(' '), unknown }).toEqual({ command: words.join(' '), unknown: [] });
          expect(leaf.commands, `${path} is a command group, not a command`).toEqual([]);
          const declared = leaf.registeredArguments;
          const required = declared.filter((a) => a.required).length;
          expect(operands.length, `${words.join(' ')}: arguments`).toBeGreaterThanOrEqual(required);
          expect(operands.length, `${words.join(' ')}: arguments`).toBeLessThanOrEqual(declared.length);
        }
      }
    }
    expect(seen).toEqual([
      'bosun pipeline validate',
      'bosun pipeline show',
      'bosun pipeline plan',
      'bosun pipeline run',
      'bosun pipeline runs',
    ]);
  });

  it('would catch a command or flag the CLI does not have', () => {
    expect(resolveCommand(shellWords('bosun pipeline run x --no-such-flag')).unknown).toEqual([
      '--no-such-flag',
    ]);
    expect(resolveCommand(shellWords('bosun pipeline upload x')).path).toBe('bosun pipeline');
    expect(bosunCommands('id=$(bosun pipeline run p --detach \\\n  -p "a=b c")\necho ok')).toEqual([
      ['bosun', 'pipeline', 'run', 'p', '--detach', '-p', 'a=b c'],
    ]);
  });
});
